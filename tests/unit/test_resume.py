"""Resumable runs: `train NAME` saves its whole state every few minutes beside (never over) the shipped checkpoint;
a run SIGKILLed at any moment - between epochs, while the state file is being written, while the checkpoint is
being written - leaves the shipped checkpoint loadable and verified, and `--resume` finishes with final weights
equal bit for bit to an uninterrupted run's (CPU, one thread: the training is deterministic)."""

import os
import signal
import time

import pytest
import torch

from engine import checkpoints, runs, training
from engine.checkpoints import CheckpointError

NAME, EPOCHS = "letters-ae", 3


def _weights(directory) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in checkpoints.load(NAME, directory)[0].state_dict().items()}


def _equal(a, b) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    d = tmp_path_factory.mktemp("straight")
    mp = pytest.MonkeyPatch()
    mp.setenv("AEX_CHECKPOINTS", str(d))
    mp.setenv("AEX_STATE_EVERY_S", "0")
    torch.set_num_threads(1)
    runs.train(NAME, epochs=EPOCHS)
    assert not runs.state_path(NAME).exists()  # a finished run leaves no state behind
    mp.undo()
    return _weights(d)


def _killed_run(directory, moment: str) -> None:
    """Fork a training run and SIGKILL it at `moment`; the parent waits for the sign that the moment has come."""
    flag = directory / f"moment-{moment}"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child is killed
        try:
            torch.set_num_threads(1)
            real_replace = os.replace
            state_writes = []

            def slow_replace(src, dst):
                # Make "while it writes" a window the parent can hit: the temp file is complete, not yet renamed.
                # For the state, the second write: the first one is then the state a resume must fall back on.
                is_state = ".state" in str(dst)
                state_writes.extend([dst] if is_state else [])
                if (moment == "writing-state" and is_state and len(state_writes) == 2) or \
                        (moment == "writing-checkpoint" and not is_state):
                    flag.touch()
                    time.sleep(30)
                return real_replace(src, dst)

            training.os.replace = slow_replace
            checkpoints.os.replace = slow_replace
            cb = []
            if moment == "between-epochs":
                class Flag(training.Callback):
                    def on_epoch_end(self, state):
                        if state.epoch == 1:
                            flag.touch()
                            time.sleep(30)
                cb = [Flag()]
            runs.train(NAME, epochs=EPOCHS, callbacks=cb)
        finally:
            os._exit(0)
    t0 = time.time()
    while not flag.exists():
        assert time.time() - t0 < 300, f"the run never reached {moment}"
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


@pytest.mark.parametrize("moment", ["between-epochs", "writing-state", "writing-checkpoint"])
def test_sigkill_then_resume_equals_uninterrupted(tmp_path, monkeypatch, uninterrupted, moment):
    monkeypatch.setenv("AEX_CHECKPOINTS", str(tmp_path))
    monkeypatch.setenv("AEX_STATE_EVERY_S", "0")
    # a "shipped" checkpoint from an earlier run that must survive the kill untouched
    runs.train(NAME, epochs=1)
    shipped = checkpoints.paths(NAME, tmp_path)[0].read_bytes()
    _killed_run(tmp_path, moment)
    model, card, _ = checkpoints.load(NAME, tmp_path)  # loads and verifies after every kill
    checkpoints.check(NAME, tmp_path)
    if moment != "writing-checkpoint":
        assert checkpoints.paths(NAME, tmp_path)[0].read_bytes() == shipped
    assert runs.state_path(NAME).exists()
    _, card = runs.train(NAME, epochs=EPOCHS, resume=True)
    assert card["resumed"] and not runs.state_path(NAME).exists()
    assert _equal(_weights(tmp_path), uninterrupted), "the resumed run's weights differ from one sitting's"


def test_resume_refuses_a_state_of_another_run_or_none(tmp_path, monkeypatch):
    monkeypatch.setenv("AEX_CHECKPOINTS", str(tmp_path))
    with pytest.raises(ValueError, match="No saved training state"):
        runs.train(NAME, epochs=2, resume=True)
    runs.state_path(NAME).parent.mkdir(parents=True)
    runs.state_path(NAME).write_bytes(b"garbage")
    with pytest.raises(ValueError, match="damaged"):
        runs.train(NAME, epochs=2, resume=True)
    with pytest.raises(CheckpointError):
        checkpoints.load(NAME, tmp_path)  # nothing was written over by the refused resumes
