"""Autoencoder latent-space explorer engine.

The public API is `engine.api`; its names are also reachable as `engine.<name>` (e.g. `engine.load`). They are
looked up lazily, so `import engine` stays cheap and imports neither torch nor plotly.
"""

import importlib
import importlib.util


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    # A submodule (`from engine import inference` before it is loaded) is imported as itself: routing it through the
    # facade would import engine.api, which imports the experiments, while one of them is still half-initialised.
    if importlib.util.find_spec(f"engine.{name}") is not None:
        return importlib.import_module(f"engine.{name}")
    # import_module, not `from engine import api`: the latter would ask this very function for `api` and recurse.
    return getattr(importlib.import_module("engine.api"), name)
