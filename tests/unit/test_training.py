"""The trainer: loss goes down, runs are reproducible, callbacks fire, and `train` writes a full card."""

import json

import torch

from engine import api
from engine.experiments.letters import _clean_batches
from engine.registry import build_model
from engine.training import Callback, FunctionCallback, TrainConfig, Trainer, seed_everything

CFG = dict(input_shape=(7, 5), hidden=(32,), latent_dim=2)
TC = TrainConfig(epochs=2, steps_per_epoch=30, batch_size=64, lr=3e-3, warmup_steps=5)


def _fit(seed=0, callbacks=()):
    seed_everything(seed)
    m = build_model("mlp-ae", CFG)
    state = Trainer(m, TrainConfig(**{**TC.__dict__, "seed": seed}), callbacks).fit(_clean_batches)
    return m, state


def test_loss_decreases_and_model_ends_in_eval_mode():
    m, state = _fit()
    assert state.step == 60 and len(state.history) == 60
    assert sum(state.history[-10:]) < sum(state.history[:10]) * 0.8
    assert not m.training


def test_same_seed_same_weights_other_seed_other_weights():
    a, _ = _fit(0)
    b, _ = _fit(0)
    c, _ = _fit(1)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_callbacks_see_progress():
    seen = []

    class Epochs(Callback):
        def on_epoch_end(self, state):
            seen.append(("epoch", state.epoch))

    _fit(callbacks=[Epochs(), FunctionCallback(lambda s: seen.append(("step", s.step)), every=25)])
    assert ("epoch", 0) in seen and ("epoch", 1) in seen
    assert ("step", 25) in seen and ("step", 50) in seen and ("step", 60) in seen  # and once at the end


def test_api_train_writes_a_complete_card(ckpt_dir):
    model, card = api.train("letters-ae", epochs=1)
    on_disk = json.loads((ckpt_dir / "letters-ae.json").read_text())
    for key in ("model", "model_config", "train_config", "seed", "data_fingerprint", "command", "wall_time_s",
                "machine", "versions", "sha256", "metrics", "bars", "loss_history"):
        assert key in on_disk, key
    assert on_disk["command"] == "python -m engine train letters-ae"
    assert on_disk["train_config"]["epochs"] == 1
    assert api.load("letters-ae") is not model  # loaded afresh from disk, verified
