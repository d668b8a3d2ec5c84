"""The command line, run as a user runs it: a subprocess of `python -m engine`."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def test_list_shows_every_experiment_with_status():
    r = run("list")
    assert r.returncode == 0, r.stderr
    for name in ("letters-ae", "letters-dae", "emoji-vae"):
        line = next(row for row in r.stdout.splitlines() if row.startswith(name))
        assert " ok " in line and "bars met" in line


def test_eval_json_is_one_object_on_the_last_line():
    r = run("eval", "letters-ae", "--json")
    assert r.returncode == 0, r.stderr
    metrics = json.loads(r.stdout.strip().splitlines()[-1])
    assert metrics["wrong_pixels_total"] == 0


def test_unknown_experiment_is_a_message_not_a_traceback():
    r = run("eval", "nope")
    assert r.returncode == 2 and "Known experiments" in r.stderr and "Traceback" not in r.stderr


def test_bad_epochs_and_names_are_messages(tmp_path):
    import os

    env = {**os.environ, "AEX_CHECKPOINTS": str(tmp_path)}
    r = run("train", "letters-ae", "--epochs", "0", env=env)
    assert r.returncode == 2 and "at least 1" in r.stderr and not list(tmp_path.iterdir())
    r = run("bench", "nonsense", "--no-save")
    assert r.returncode == 2 and "No experiment or lab matches" in r.stderr


def test_missing_checkpoint_is_a_message_not_a_traceback(tmp_path):
    import os

    r = run("eval", "emoji-vae", env={**os.environ, "AEX_CHECKPOINTS": str(tmp_path)})
    assert r.returncode == 2 and "python -m engine train emoji-vae" in r.stderr and "Traceback" not in r.stderr


def test_train_writes_a_checkpoint_that_eval_reads(tmp_path):
    import os

    env = {**os.environ, "AEX_CHECKPOINTS": str(tmp_path)}
    r = run("train", "letters-ae", "--epochs", "1", env=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "letters-ae.safetensors").exists()
    card = json.loads((tmp_path / "letters-ae.json").read_text())
    assert card["command"] == "python -m engine train letters-ae --epochs 1"
    r = run("eval", "letters-ae", "--json", env=env)
    assert json.loads(r.stdout.splitlines()[-1]).keys() == card["metrics"].keys()


def test_init_continues_the_shipped_weights_and_records_the_earlier_run(tmp_path):
    import os

    env = {**os.environ, "AEX_CHECKPOINTS": str(tmp_path)}
    assert run("train", "letters-ae", "--epochs", "1", env=env).returncode == 0
    first = json.loads((tmp_path / "letters-ae.json").read_text())
    r = run("train", "letters-ae", "--epochs", "1", "--init", "--lr", "1e-4", env=env)
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "letters-ae.json").read_text())
    assert card["continued_from"]["sha256"] == first["sha256"]
    assert card["continued_from"]["model_config"] == first["model_config"]
    assert card["total_steps"] == card["steps"] + first["steps"]
    assert card["train_config"]["lr"] == 1e-4


def test_init_without_a_shipped_checkpoint_is_a_message(tmp_path):
    import os

    r = run("train", "letters-ae", "--epochs", "1", "--init", env={**os.environ, "AEX_CHECKPOINTS": str(tmp_path)})
    assert r.returncode != 0 and "Traceback" not in r.stderr and "letters-ae" in r.stderr


def test_warm_start_begins_from_another_experiments_weights_and_says_so(monkeypatch):
    """An experiment with `warm_start` (image-denoiser-camera starts from image-denoiser-fast) begins a from-scratch
    run from that experiment's shipped weights and records which ones in the card."""
    import dataclasses

    import torch

    from engine import checkpoints, runs
    from engine.experiments import get_experiment
    from engine.registry import EXPERIMENTS

    base = get_experiment("letters-ae")
    monkeypatch.setitem(EXPERIMENTS, "letters-ae-warm", dataclasses.replace(base, name="letters-ae-warm",
                                                                             warm_start="letters-ae"))
    shipped, shipped_card, _ = checkpoints.load("letters-ae")
    seen = {}
    real_fit = runs.Trainer.fit

    def fit(self, batches, resumable=None):  # the weights the run starts from, before any step
        seen.update({k: v.clone() for k, v in self.model.state_dict().items()})
        return real_fit(self, batches, resumable)

    monkeypatch.setattr(runs.Trainer, "fit", fit)
    _, card = runs.train("letters-ae-warm", epochs=1, save=False)
    assert card["warm_start"] == {"experiment": "letters-ae", "sha256": shipped_card["sha256"]}
    assert all(torch.equal(seen[k], v) for k, v in shipped.state_dict().items())
