"""Checkpoints: `<name>.safetensors` (weights + precomputed extras) beside `<name>.json` (the model card).

Writes are atomic (temp file in the same folder + os.replace), so an interrupted save never leaves a half file
under the real name. Loads check the SHA-256 recorded in the card and load weights with strict=True; anything
wrong becomes a `CheckpointError` whose message names the command that rebuilds the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from safetensors import safe_open
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
    """The canonical (weights, card) paths of `name`. During a save the card may briefly point at a versioned
    weights file instead (see `save`); `weights_of` resolves what a card actually refers to."""
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


def _fsync(path: str | Path) -> None:
    # A SIGKILL cannot lose data the kernel already holds, but a power cut can: flush before a rename publishes it.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes files private (0600); checkpoints are ordinary shared files
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_json(path: Path, obj: dict[str, Any]) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, sort_keys=False)
            f.write("\n")

    _atomic_write(path, write)


def _versioned_re(name: str) -> re.Pattern:
    return re.compile(re.escape(name) + r"\.[0-9a-f]{16}\.safetensors")


_STORAGE = {"float32": torch.float32, "float16": torch.float16}


def save(name: str, model: torch.nn.Module, card: dict[str, Any], extras: dict[str, np.ndarray] | None = None,
         directory: Path | None = None, storage_dtype: str = "float32") -> dict[str, Any]:
    """Write weights (+ extras) and the card so that a kill at any instant leaves a pair that loads and verifies:
    the old one or the new one, never new weights beside the old card. Returns the card as written (with sha256).

    The card is the one pointer that switches. (1) The new weights go to a versioned file `<name>.<sha16>.safetensors`;
    (2) a card naming that file replaces the old card in one rename — the commit; (3) a copy of the new weights
    replaces `<name>.safetensors` (nothing refers to it at that moment); (4) the final card, naming the canonical
    file again, replaces the interim one; (5) the versioned file is removed. Shipped file names stay stable, and
    leftovers of a killed save are removed by the next one.

    `storage_dtype="float16"` stores the model's floating-point weights at half size (the card records it and
    `load` casts them back to float32); the SHA-256 is of the stored file."""
    if storage_dtype not in _STORAGE:
        raise ValueError(f"storage_dtype must be one of {', '.join(_STORAGE)}, not {storage_dtype!r}.")
    weights_path, card_path = paths(name, directory)
    d = weights_path.parent
    dt = _STORAGE[storage_dtype]
    tensors = {f"model.{k}": (v.to(dt) if v.is_floating_point() else v).detach().contiguous().clone()
               for k, v in model.state_dict().items()}
    for k, v in (extras or {}).items():
        tensors[f"extra.{k}"] = torch.from_numpy(np.ascontiguousarray(v))
    d.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={"experiment": name})
        os.chmod(tmp, 0o644)
        _fsync(tmp)
        sha = sha256_file(Path(tmp))
        versioned = d / f"{name}.{sha[:16]}.safetensors"
        os.replace(tmp, versioned)  # (1)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    card = {**card, "sha256": sha, "weights_bytes": versioned.stat().st_size}
    card.pop("weights", None)
    card.pop("storage_dtype", None)
    if storage_dtype != "float32":
        card["storage_dtype"] = storage_dtype
    _write_json(card_path, {**card, "weights": versioned.name})  # (2) the commit point
    _atomic_write(weights_path, lambda t: shutil.copyfile(versioned, t))  # (3)
    _write_json(card_path, card)  # (4)
    for p in d.iterdir():  # (5) this save's versioned file and any a killed save left behind
        if _versioned_re(name).fullmatch(p.name):
            p.unlink(missing_ok=True)
    return card


def weights_of(name: str, card: dict[str, Any], directory: Path | None = None) -> Path:
    """The weights file a card refers to: its `weights` entry (set only in the middle of a save), else the
    canonical `<name>.safetensors` (every card shipped before this entry existed)."""
    weights_path, _ = paths(name, directory)
    ref = card.get("weights")
    if ref is None:
        return weights_path
    if not isinstance(ref, str) or not _versioned_re(name).fullmatch(ref):
        raise CheckpointError(f"The model card {name}.json names an unexpected weights file {ref!r}. "
                              f"{rebuild_hint(name)}")
    return weights_path.parent / ref


def read_card(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The model card of `name`; raises CheckpointError if it is missing or not valid JSON."""
    weights_path, card_path = paths(name, directory)
    if not card_path.exists():
        raise CheckpointMissing(f"No trained model for '{name}' (expected {weights_path.name} and {card_path.name} "
                              f"in {card_path.parent}). {rebuild_hint(name)}")
    if not card_path.is_file():
        raise CheckpointError(f"The model card {card_path} is not a file. {rebuild_hint(name)}")
    try:
        card = json.loads(card_path.read_text())
        card["model"], card["model_config"], card["sha256"]  # the keys loading needs
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError, OSError) as e:
        raise CheckpointError(f"The model card {card_path.name} is corrupt ({e}). {rebuild_hint(name)}") from e
    w = weights_of(name, card, directory)
    if not w.exists():
        raise CheckpointMissing(f"No trained model for '{name}' (expected {w.name} beside {card_path.name} "
                                f"in {card_path.parent}). {rebuild_hint(name)}")
    if not w.is_file():
        raise CheckpointError(f"The weights path {w} is a directory, not a file. {rebuild_hint(name)}")
    return card


def verified_card(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The card of `name`, after checking that the weights file matches the SHA-256 it records."""
    card = read_card(name, directory)
    weights_path = weights_of(name, card, directory)
    try:
        digest = sha256_file(weights_path)
    except OSError as e:
        raise CheckpointError(f"Could not read {weights_path.name} ({e}). {rebuild_hint(name)}") from e
    if digest != card["sha256"]:
        raise CheckpointError(f"The weights file {weights_path.name} does not match the SHA-256 in its card "
                              f"(corrupt or replaced). {rebuild_hint(name)}")
    return card


def _expected_shapes(card: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    """Tensor names and shapes the card's model has, without allocating its weights (meta device)."""
    try:
        with torch.device("meta"):
            model = build_model(card["model"], card["model_config"])
    except (ValueError, TypeError):
        raise
    except Exception:  # a family that cannot be built on the meta device: build it for real (small models)
        model = build_model(card["model"], card["model_config"])
    return {f"model.{k}": tuple(v.shape) for k, v in model.state_dict().items()}


@lru_cache(maxsize=256)
def _checked(name: str, directory: str, stamp: tuple) -> dict[str, Any]:
    card = verified_card(name, Path(directory))
    weights_path = weights_of(name, card, Path(directory))
    try:
        expected = _expected_shapes(card)
        with safe_open(str(weights_path), framework="pt") as f:
            found = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys() if k.startswith("model.")}
    except Exception as e:  # unknown family, a config the family refuses, garbage in the safetensors header
        raise CheckpointError(f"Could not load {weights_path.name}: {e}. {rebuild_hint(name)}") from e
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    wrong = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
    if missing or unexpected or wrong:
        parts = [f"{label}: {', '.join(ks[:3])}{' ...' if len(ks) > 3 else ''}"
                 for label, ks in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)) if ks]
        raise CheckpointError(f"Could not load {weights_path.name}: its tensors do not fit the card's model "
                              f"({'; '.join(parts)}). {rebuild_hint(name)}")
    return card


def check(name: str, directory: Path | None = None) -> dict[str, Any]:
    """The card of `name` once the checkpoint would load: SHA-256 matches, the card's family and config build a
    model, and the safetensors header holds exactly that model's tensor names and shapes. Cheap (no weights are
    read beyond the hash) and cached until either file changes; raises CheckpointError otherwise."""
    weights_path, card_path = paths(name, directory)
    d = weights_path.parent

    def stamp(p: Path) -> tuple:
        try:
            st = p.stat()
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return ()

    return _checked(name, str(d), (stamp(card_path), stamp(weights_path)))


def load(name: str, directory: Path | None = None) -> tuple[torch.nn.Module, dict[str, Any], dict[str, np.ndarray]]:
    """Verify and load a checkpoint: (model in eval mode, card, extras)."""
    card = verified_card(name, directory)
    weights_path = weights_of(name, card, directory)
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
    card.pop("weights", None)
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
