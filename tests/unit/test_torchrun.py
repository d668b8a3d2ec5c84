"""`torchrun --nproc_per_node 2 -m engine train NAME` trains with DistributedDataParallel (gloo on CPU) on two model
families: training finishes, exactly one checkpoint is written (by rank 0), the card records world size and
effective batch, and the result matches a one-process run with the same effective batch: the first step's loss
within 1 % (the same batch, split in two, gradients averaged) and the final loss within 5 % (float rounding and the
model's per-rank noise make the runs drift apart a little over the steps)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _train(directory: Path, name: str, nproc: int) -> dict:
    env = {**os.environ, "AEX_CHECKPOINTS": str(directory), "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    head = ([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(nproc)]
            if nproc > 1 else [sys.executable])
    r = subprocess.run([*head, "-m", "engine", "train", name, "--epochs", "1"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    assert sorted(p.name for p in directory.iterdir()) == [f"{name}.json", f"{name}.safetensors"]
    assert r.stdout.count(f"{name}: ") == 1, "only rank 0 reports and writes"
    return json.loads((directory / f"{name}.json").read_text())


@pytest.mark.parametrize("name", ["letters-ae", "emoji-vae"])  # mlp-ae and mlp-vae
def test_two_processes_match_one(tmp_path, name):
    one = _train(tmp_path / "one", name, 1) if (tmp_path / "one").mkdir() is None else None
    two = _train(tmp_path / "two", name, 2) if (tmp_path / "two").mkdir() is None else None
    assert two["distributed"] == {"world_size": 2, "backend": "gloo", "effective_batch": one["train_config"]
                                  ["batch_size"], "per_process_batch": one["train_config"]["batch_size"] // 2}
    assert one["distributed"]["world_size"] == 1 and two["steps"] == one["steps"]
    first1, first2 = one["loss_history"][0], two["loss_history"][0]
    assert abs(first2 - first1) <= 0.01 * abs(first1), (first1, first2)
    assert abs(two["final_loss"] - one["final_loss"]) <= 0.05 * abs(one["final_loss"]), (one["final_loss"],
                                                                                          two["final_loss"])
