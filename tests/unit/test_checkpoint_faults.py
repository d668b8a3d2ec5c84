"""Faults around checkpoints: a save killed at any instant keeps a pair that loads; `list` only says "ok" for a
checkpoint that would load; a weights path that is a directory is a message, not a traceback."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from engine import api, checkpoints
from engine.checkpoints import CheckpointError
from engine.registry import build_model

ROOT = Path(__file__).resolve().parents[2]
CFG = dict(input_shape=(7, 5), hidden=(16,), latent_dim=2)
CARD = {"model": "mlp-ae", "model_config": CFG}


def _model(seed: int):
    torch.manual_seed(seed)
    return build_model("mlp-ae", CFG)


def _same(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.mark.parametrize("fail_at", range(1, 8))
def test_a_save_stopped_at_any_step_leaves_old_or_new_pair(tmp_path, monkeypatch, fail_at):
    """Each file-system step of a save (rename, copy, unlink) is cut in turn: what remains loads and verifies,
    and is the old model or the new one. Before the fix a stop after the weights rename left new weights beside
    the old card (SHA mismatch: the previous model was gone)."""
    old, new = _model(1), _model(2)
    checkpoints.save("letters-ae", old, CARD, directory=tmp_path)
    calls = {"n": 0}

    def cut(real):
        def wrapped(*a, **k):
            calls["n"] += 1
            if calls["n"] == fail_at:
                raise KeyboardInterrupt  # the nearest a test gets to SIGKILL between two steps
            return real(*a, **k)
        return wrapped

    monkeypatch.setattr(checkpoints.os, "replace", cut(os.replace))
    monkeypatch.setattr(checkpoints.shutil, "copyfile", cut(checkpoints.shutil.copyfile))
    monkeypatch.setattr(Path, "unlink", cut(Path.unlink))
    try:
        checkpoints.save("letters-ae", new, CARD, directory=tmp_path)
        finished = True
    except KeyboardInterrupt:
        finished = False
    monkeypatch.undo()
    got, card, _ = checkpoints.load("letters-ae", tmp_path)
    checkpoints.check("letters-ae", tmp_path)
    assert _same(got, old) or _same(got, new)
    if finished:
        assert _same(got, new)
    # the next save tidies whatever the cut left behind
    checkpoints.save("letters-ae", new, CARD, directory=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letters-ae.json", "letters-ae.safetensors"]


def _save_forever(directory: Path) -> None:
    models = [build_model("mlp-ae", dict(CFG, hidden=(256, 256))) for _ in range(2)]
    card = {"model": "mlp-ae", "model_config": dict(CFG, hidden=(256, 256))}
    i = 0
    while True:
        checkpoints.save("letters-ae", models[i % 2], card, directory=directory)
        i += 1


def test_sigkill_during_saves_never_loses_the_checkpoint(tmp_path):
    """A real SIGKILL at 16 moments of a process that saves in a loop (forked, so no start-up cost): every time,
    a pair loads and verifies."""
    torch.set_num_threads(1)
    checkpoints.save("letters-ae", build_model("mlp-ae", dict(CFG, hidden=(256, 256))),
                     {"model": "mlp-ae", "model_config": dict(CFG, hidden=(256, 256))}, directory=tmp_path)
    for k in range(16):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            try:
                _save_forever(tmp_path)
            finally:
                os._exit(0)
        time.sleep(0.01 + 0.013 * k)  # spread the kills over the phases of a save
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        model, card, _ = checkpoints.load("letters-ae", tmp_path)
        checkpoints.check("letters-ae", tmp_path)
        assert card["model"] == "mlp-ae"


def _rehash(tmp_path, name="letters-ae", **changes):
    """Edit a card and re-record the weights' SHA, as a hand-edited or half-migrated checkpoint would look."""
    weights, card_path = checkpoints.paths(name, tmp_path)
    card = json.loads(card_path.read_text())
    card.update(changes)
    card["sha256"] = checkpoints.sha256_file(weights)
    card_path.write_text(json.dumps(card))


@pytest.mark.parametrize("breakage", ["config", "family", "missing-tensor", "header", "directory"])
def test_list_and_check_refuse_what_would_not_load(ckpt_dir, breakage):
    checkpoints.save("letters-ae", _model(0), CARD, directory=ckpt_dir)
    weights, _ = checkpoints.paths("letters-ae", ckpt_dir)
    if breakage == "config":
        _rehash(ckpt_dir, model_config={**CFG, "hidden": [32]})
    elif breakage == "family":
        _rehash(ckpt_dir, model="no-such-family")
    elif breakage == "missing-tensor":
        state = {f"model.{k}": v for k, v in _model(0).state_dict().items()}
        state.pop(sorted(state)[0])
        save_file(state, weights)
        _rehash(ckpt_dir)
    elif breakage == "header":
        weights.write_bytes(b"\x40\x00\x00\x00\x00\x00\x00\x00{garbage" + b" " * 100)
        _rehash(ckpt_dir)
    else:
        weights.unlink()
        weights.mkdir()
    with pytest.raises(CheckpointError, match="python -m engine train letters-ae"):
        checkpoints.check("letters-ae", ckpt_dir)
    with pytest.raises(CheckpointError, match="python -m engine train letters-ae"):
        api.load("letters-ae")
    status = {i.name: i for i in api.list_experiments()}["letters-ae"]
    assert status.status == "corrupt" and "letters-ae" in status.message
    if breakage == "directory":  # the CLI once crashed with IsADirectoryError here
        r = subprocess.run([sys.executable, "-m", "engine", "list"], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "AEX_CHECKPOINTS": str(ckpt_dir)}, timeout=300)
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
        assert "corrupt" in next(row for row in r.stdout.splitlines() if row.startswith("letters-ae "))


def test_shipped_cards_still_load_and_check():
    """Cards written before the versioned save (no `weights` entry) keep working."""
    for name in ("letters-ae", "radio-dae", "image-denoiser-gray"):
        card = checkpoints.check(name)
        assert "weights" not in card
        checkpoints.load(name)
