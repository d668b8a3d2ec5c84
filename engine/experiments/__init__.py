"""One file per lab; importing this package registers every experiment in `engine.registry.EXPERIMENTS`."""

from engine.experiments import emoji, letters, radio  # noqa: F401  (imported for their registrations)
