"""One file per lab; importing this package registers every experiment in `engine.registry.EXPERIMENTS`."""

from engine.experiments import digits, digits_ae, emoji, gans, images, letters, radio  # noqa: F401  (registrations)
