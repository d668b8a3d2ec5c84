"""Checkpoints: `<name>.safetensors` (weights + precomputed extras) beside `<name>.json` (the model card).

Writes are atomic (temp file in the same folder + os.replace), so an interrupted save never leaves a half file
under the real name. Loads check the SHA-256 recorded in the card and load weights with strict=True; anything
wrong becomes a `CheckpointError` whose message names the command that rebuilds the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from engine.registry import build_model

_REPO_CHECKPOINTS = Path(__file__).resolve().parent.parent / "checkpoints"
if not _REPO_CHECKPOINTS.is_dir():  # installed with `pip install .`: pyproject.toml puts them under the prefix
    _REPO_CHECKPOINTS = Path(sys.prefix) / "share" / "latent-explorer" / "checkpoints"


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt or does not match its card; the message says how to rebuild it."""


class CheckpointMissing(CheckpointError):
    """No checkpoint has been trained for this experiment (as opposed to a damaged one)."""


def checkpoint_dir() -> Path:
    """Where checkpoints live: $AEX_CHECKPOINTS if set, else the repository's checkpoints/ folder (for an
    installed engine, the copy `pip install .` put in <prefix>/share/latent-explorer/checkpoints)."""
    return Path(os.environ.get("AEX_CHECKPOINTS", _REPO_CHECKPOINTS))


def paths(name: str, directory: Path | None = None) -> tuple[Path, Path]:
    d = directory or checkpoint_dir()
    return d / f"{name}.safetensors", d / f"{name}.json"


def rebuild_hint(name: str) -> str:
    return f"Rebuild it with `python -m engine train {name}`."


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes files private (0600); checkpoints are ordinary shared files
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_STORAGE = {"float32": torch.float32, "float16": torch.float16}


def save(name: str, model: torch.nn.Module, card: dict[str, Any], extras: dict[str, np.ndarray] | None = None,
         directory: Path | None = None, storage_dtype: str = "float32") -> dict[str, Any]:
    """Write weights (+ extras) then the card, each atomically; returns the card as written (with sha256).
    `storage_dtype="float16"` stores the model's floating-point weights at half size (the card records it and
    `load` casts them back to float32); the SHA-256 is of the stored file."""
    if storage_dtype not in _STORAGE:
        raise ValueError(f"storage_dtype must be one of {', '.join(_STORAGE)}, not {storage_dtype!r}.")
    weights_path, card_path = paths(name, directory)
    dt = _STORAGE[storage_dtype]
    tensors = {f"model.{k}": (v.to(dt) if v.is_floating_point() else v).detach().contiguous().clone()
               for k, v in model.state_dict().items()}
    for k, v in (extras or {}).items():
        tensors[f"extra.{k}"] = torch.from_numpy(np.ascontiguousarray(v))
    _atomic_write(weights_path, lambda tmp: save_file(tensors, tmp, metadata={"experiment": name}))
    card = {**card, "sha256": sha256_file(weights_path), "weights_bytes": weights_path.stat().st_size}
    if storage_dtype != "float32":
        card["storage_dtype"] = storage_dtype

    def write_card(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(card, f, indent=2, sort_keys=False)
            f.write("\n")

    _atomic_write(card_path, write_card)
    return card


def read_card(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The model card of `name`; raises CheckpointError if it is missing or not valid JSON."""
    weights_path, card_path = paths(name, directory)
    if not card_path.exists() or not weights_path.exists():
        raise CheckpointMissing(f"No trained model for '{name}' (expected {weights_path.name} and {card_path.name} "
                              f"in {card_path.parent}). {rebuild_hint(name)}")
    try:
        card = json.loads(card_path.read_text())
        card["model"], card["model_config"], card["sha256"]  # the keys loading needs
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"The model card {card_path.name} is corrupt ({e}). {rebuild_hint(name)}") from e
    return card


def verified_card(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The card of `name`, after checking that the weights file matches the SHA-256 it records."""
    card = read_card(name, directory)
    weights_path, _ = paths(name, directory)
    if sha256_file(weights_path) != card["sha256"]:
        raise CheckpointError(f"The weights file {weights_path.name} does not match the SHA-256 in its card "
                              f"(corrupt or replaced). {rebuild_hint(name)}")
    return card


def load(name: str, directory: Path | None = None) -> tuple[torch.nn.Module, dict[str, Any], dict[str, np.ndarray]]:
    """Verify and load a checkpoint: (model in eval mode, card, extras)."""
    card = verified_card(name, directory)
    weights_path, _ = paths(name, directory)
    try:
        tensors = load_file(weights_path)
        model = build_model(card["model"], card["model_config"])
        state = {k[len("model."):]: v.float() if v.dtype == torch.float16 else v
                 for k, v in tensors.items() if k.startswith("model.")}
        model.load_state_dict(state, strict=True)
    except Exception as e:  # safetensors/torch raise assorted types for broken files and shape mismatches
        raise CheckpointError(f"Could not load {weights_path.name}: {e}. {rebuild_hint(name)}") from e
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    extras = {k[len("extra."):]: v.numpy() for k, v in tensors.items() if k.startswith("extra.")}
    return model, card, extras


# --- the shared model cache --------------------------------------------------------------------------------------
# Every layer that needs a shipped model (the facade, `eval`, a lab's bench comparing two models) asks here, so a
# model is read and verified once per process however it is reached, and training clears one cache for all.

_cache_lock = threading.Lock()
_on_clear: list[Callable[[], None]] = []


@lru_cache(maxsize=None)
def _cached(name: str, directory: str) -> tuple[torch.nn.Module, dict[str, Any], dict[str, np.ndarray]]:
    return load(name, Path(directory))


def cached(name: str) -> tuple[torch.nn.Module, dict[str, Any], dict[str, np.ndarray]]:
    """`load(name)` once per process and checkpoint folder: (model in eval mode, card, extras). Shared, never
    to be mutated. The model family must be registered (import `engine.experiments` first)."""
    with _cache_lock:  # one load per model even when several sessions ask at once
        return _cached(name, str(checkpoint_dir()))


def on_clear(fn: Callable[[], None]) -> Callable[[], None]:
    """Register a cache of a higher layer (decoded grids, ...) to be emptied whenever models are forgotten."""
    _on_clear.append(fn)
    return fn


def clear_cache() -> None:
    """Forget loaded models (after retraining, or between tests) and everything computed from them."""
    _cached.cache_clear()
    for fn in _on_clear:
        fn()
