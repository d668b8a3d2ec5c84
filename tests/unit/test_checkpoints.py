"""Missing, truncated, tampered and mismatched checkpoints all become CheckpointError naming the rebuild command."""

import json

import pytest
import torch

from engine import api, checkpoints
from engine.checkpoints import CheckpointError
from engine.registry import build_model

CFG = dict(input_shape=(7, 5), hidden=(16,), latent_dim=2)


def _write(directory, name="letters-ae"):
    m = build_model("mlp-ae", CFG)
    checkpoints.save(name, m, {"model": "mlp-ae", "model_config": CFG}, directory=directory)
    return checkpoints.paths(name, directory)


def test_missing_checkpoint_names_the_command(tmp_path):
    with pytest.raises(CheckpointError, match="python -m engine train letters-ae"):
        checkpoints.load("letters-ae", tmp_path)


def test_truncated_weights_fail_the_sha_check(tmp_path):
    weights, _ = _write(tmp_path)
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="SHA-256.*python -m engine train letters-ae"):
        checkpoints.load("letters-ae", tmp_path)


def test_flipped_byte_fails_the_sha_check(tmp_path):
    weights, _ = _write(tmp_path)
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="SHA-256"):
        checkpoints.load("letters-ae", tmp_path)


def test_corrupt_card(tmp_path):
    _, card = _write(tmp_path)
    card.write_text("{not json")
    with pytest.raises(CheckpointError, match="corrupt"):
        checkpoints.load("letters-ae", tmp_path)


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path):
    """strict=True: a card whose config disagrees with the weights must not load half a model."""
    _, card_path = _write(tmp_path)
    card = json.loads(card_path.read_text())
    card["model_config"]["hidden"] = [32]
    card_path.write_text(json.dumps(card))
    with pytest.raises(CheckpointError, match="Could not load"):
        checkpoints.load("letters-ae", tmp_path)


def test_save_is_atomic_when_interrupted(tmp_path, monkeypatch):
    """A crash while writing leaves the previous checkpoint intact and no temp files behind."""
    weights, card = _write(tmp_path)
    before = weights.read_bytes(), card.read_text()

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoints, "save_file", boom)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.save("letters-ae", build_model("mlp-ae", CFG), {"model": "mlp-ae", "model_config": CFG},
                         directory=tmp_path)
    assert (weights.read_bytes(), card.read_text()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letters-ae.json", "letters-ae.safetensors"]
    checkpoints.load("letters-ae", tmp_path)


def test_api_reports_status_per_experiment(ckpt_dir):
    _write(ckpt_dir, "letters-ae")
    (ckpt_dir / "letters-dae.json").write_text("garbage")
    (ckpt_dir / "letters-dae.safetensors").write_bytes(b"garbage")
    status = {i.name: i.status for i in api.list_experiments()}
    assert status["letters-ae"] == "ok" and status["letters-dae"] == "corrupt" and status["emoji-vae"] == "missing"
    with pytest.raises(CheckpointError, match="python -m engine train emoji-vae"):
        api.load("emoji-vae")
    assert isinstance(api.load("letters-ae"), torch.nn.Module)
