"""Autoencoder latent-space explorer engine.

The public API is `engine.api`; its names are also reachable as `engine.<name>` (e.g. `engine.load`). They are
looked up lazily, so `import engine` stays cheap and imports neither torch nor plotly.
"""

import importlib


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    # import_module, not `from engine import api`: the latter would ask this very function for `api` and recurse.
    return getattr(importlib.import_module("engine.api"), name)
