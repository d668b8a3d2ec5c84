"""One file per lab; importing this package registers every experiment in `engine.registry.EXPERIMENTS`."""

from engine.experiments import emoji, images, letters  # noqa: F401  (imported for their registrations)
