"""One file per lab; importing this package registers every experiment in `engine.registry.EXPERIMENTS`."""

from engine.experiments import digits, digits_ae, emoji, gan_toy, gans, images, letters, radio  # noqa: F401
