"""One file per lab; importing this package registers every model family and every experiment, so this is where
the catalogue is read: `from engine.experiments import get_experiment, all_experiments`."""

import engine.models  # noqa: F401  (every family registered, so any checkpoint's card can be built)
from engine.experiments import (  # noqa: F401  (registrations)
    colorize,
    digits,
    digits_ae,
    digits_sparse,
    emoji,
    galaxies,
    gan_toy,
    gans,
    images,
    images_camera,
    letters,
    masked_ae,
    radio,
)
from engine.registry import all_experiments, get_experiment

__all__ = ["all_experiments", "get_experiment"]
