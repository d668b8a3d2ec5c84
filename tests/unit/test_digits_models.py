"""The conv-vae family and the digits experiments' pieces, with tiny configs (no shipped checkpoint needed)."""

import numpy as np
import pytest
import torch

from engine import api, checkpoints
from engine.experiments import digits as lab
from engine.experiments import get_experiment
from engine.models.conv_vae import ConvVAE, ConvVAEConfig
from engine.registry import build_model

TINY = dict(input_shape=(28, 28), channels=(4, 8), hidden=16, latent_dim=2, beta=0.5, kl_warmup_steps=4)


def test_shapes_loss_and_interface():
    torch.manual_seed(0)
    m = ConvVAE(ConvVAEConfig(**TINY))
    x = torch.rand(5, 28, 28)
    out = m(x)
    assert out.recon.shape == (5, 28, 28) and out.mu.shape == (5, 2) and out.logvar.shape == (5, 2)
    assert torch.isfinite(out.loss) and out.loss > 0
    assert set(out.parts) == {"recon", "kl", "kl_weight"}
    m.eval()
    with torch.no_grad():
        assert m.encode(x).shape == (5, 2)
        assert m.decode(torch.zeros(3, 2)).shape == (3, 28, 28)
        assert m.reconstruct(x).shape == (5, 28, 28)
        assert m.interpolate(x[0], x[1], 4, "slerp").shape == (4, 28, 28)
        s = m.sample(6, torch.Generator().manual_seed(1))
        assert s.shape == (6, 28, 28) and 0 <= s.min() and s.max() <= 1
        assert torch.equal(m.encode(x), m(x).z), "in eval mode the code is the posterior mean"


def test_kl_weight_warms_up_to_beta_in_training_only():
    m = ConvVAE(ConvVAEConfig(**TINY))
    x = torch.rand(2, 28, 28)
    m.train()
    weights = [m(x).parts["kl_weight"] for _ in range(6)]
    assert weights[:5] == pytest.approx([0.0, 0.125, 0.25, 0.375, 0.5]) and weights[5] == 0.5
    m.eval()
    m(x)
    assert m._steps == 6, "evaluation does not advance the warm-up"


def test_a_short_fit_lowers_the_loss():
    from engine.training import TrainConfig, Trainer, seed_everything

    seed_everything(0)
    m = ConvVAE(ConvVAEConfig(**{**TINY, "channels": (8, 8), "hidden": 32}))
    x = torch.from_numpy(lab.digits.load().x_train[:64])

    def batches(cfg, rng):
        for _ in range(cfg.steps_per_epoch):
            yield x, x

    state = Trainer(m, TrainConfig(epochs=1, steps_per_epoch=40, batch_size=64, lr=3e-3, warmup_steps=5)).fit(batches)
    assert np.mean(state.history[-5:]) < 0.8 * np.mean(state.history[:5])


def test_bad_input_shape_is_refused():
    with pytest.raises(ValueError, match="divide by 4"):
        ConvVAEConfig(input_shape=(27, 27))
    with pytest.raises(ValueError, match="divide by 4"):
        ConvVAEConfig(input_shape=(3, 28, 28))


def test_save_then_load_gives_the_same_model_and_extras(ckpt_dir):
    torch.manual_seed(0)
    m = build_model("conv-vae", ConvVAEConfig(**TINY)).eval()
    card = {"experiment": "tiny", "model": "conv-vae", "model_config": {**TINY, "input_shape": [28, 28],
                                                                          "channels": [4, 8]}}
    extras = {"test_z": np.arange(6, dtype=np.float32).reshape(3, 2), "test_labels": np.array([1, 2, 3])}
    checkpoints.save("tiny", m, card, extras)
    m2, card2, ex2 = checkpoints.load("tiny")
    x = torch.rand(4, 28, 28)
    with torch.no_grad():
        assert torch.equal(m.encode(x), m2.encode(x)) and torch.equal(m.decode_logits(x[:, 0, :2]),
                                                                      m2.decode_logits(x[:, 0, :2]))
    assert m2.cfg == m.cfg
    assert (ex2["test_z"] == extras["test_z"]).all() and (ex2["test_labels"] == extras["test_labels"]).all()


def test_experiments_are_registered_with_the_issue_names():
    for name, d in (("digits-vae2", 2), ("digits-vae16", 16)):
        exp = get_experiment(name)
        assert exp.family == "conv-vae" and exp.model_config.latent_dim == d and exp.headline == "knn5_acc"
        assert exp.use_data is lab.digits.use_data and exp.extras is not None and name in api.PAGE_CALLS
    assert [str(b) for b in get_experiment("digits-vae2").bars] == ["knn5_acc >= 0.75"]
    # the anomaly bars belong to the experiment whose score drives the anomaly page
    assert [str(b) for b in get_experiment("digits-vae16").bars] == [
        "knn5_acc >= 0.9", "auc_letters >= 0.95", "auc_noise >= 0.95"]
    assert [str(b) for b in get_experiment("digits-ae-k").bars] == ["mse_ratio_k2 <= 0.7"]


def test_batches_warp_inputs_but_not_targets():
    from dataclasses import replace

    cfg = replace(get_experiment("digits-vae2").train_config, steps_per_epoch=3, batch_size=32)
    pairs = list(lab._batches(cfg, np.random.default_rng(0)))
    assert len(pairs) == 3
    x, y = pairs[0]
    assert x.shape == y.shape == (32, 28, 28) and x.dtype == torch.float32
    same = [torch.equal(a, b) for a, b in zip(x, y)]
    assert 4 < sum(same) < 28, "about half the inputs are warped"
    assert all(a.max() <= 1 and a.min() >= 0 for a in x)
    # warped, not cut: MNIST has a margin, and a scale within 0.9-1.1 keeps the ink within ~25 % of the original
    np.testing.assert_allclose(x.sum((1, 2)), y.sum((1, 2)), rtol=0.25)
    train = torch.from_numpy(lab.digits.load().x_train)
    assert all((train == t).all((1, 2)).any() for t in y[:8]), "targets are training digits as drawn"


def test_knn_and_projection_scores_on_known_geometry():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10]], float)
    y = np.repeat(np.arange(3), 40)
    z = centres[y] + rng.normal(size=(120, 2))
    assert lab.knn5_accuracy(z[::2], y[::2], z[1::2], y[1::2]) == 1.0
    assert lab.knn5_accuracy(rng.normal(size=(60, 2)), y[::2], rng.normal(size=(60, 2)), y[1::2]) < 0.6
    trust, rho, acc = lab.projection_scores(z, y, z)  # the identity "projection" keeps everything
    assert trust == pytest.approx(1.0) and rho == pytest.approx(1.0) and acc == 1.0
    trust, rho, acc = lab.projection_scores(z, y, rng.normal(size=(120, 2)))  # a random one keeps nothing
    assert trust < 0.7 and abs(rho) < 0.2 and acc < 0.6


def test_pca_baseline_codes_have_the_right_shapes():
    tr, te = lab.pca_codes(2)
    assert tr.shape == (4000, 2) and te.shape == (1000, 2)
