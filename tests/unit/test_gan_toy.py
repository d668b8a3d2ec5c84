"""Toy GAN lab: data, VEEGAN mode metrics on hand-made sets, losses on tiny models, the session trainer."""

import math

import numpy as np
import pytest
import torch

from engine.data import toy2d
from engine.experiments.gan_toy import ToySession, ToySettings
from engine.metrics import mode_metrics
from engine.models.gan_losses import LOSSES, WGANGP, WGANDiv, make_loss
from engine.models.toy_gan import ToyGAN, ToyGANConfig

TINY = ToySettings(hidden=16, depth=2, batch_size=32)


def test_ring_has_eight_distinct_centres_at_2pi_k_over_8():
    r = toy2d.ring()
    assert r.centres.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(r.centres, axis=1), 2.0, atol=1e-6)
    angles = np.sort(np.mod(np.arctan2(r.centres[:, 1], r.centres[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-6)
    assert r.sigma == 0.02


def test_grid_centres_and_sampling_is_seeded():
    g = toy2d.grid()
    assert sorted(set(g.centres[:, 0].tolist())) == [-4, -2, 0, 2, 4] and len(g.centres) == 25
    a = g.sample(100, torch.Generator().manual_seed(3))
    b = g.sample(100, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.shape == (100, 2)


def test_drawn_points_validate():
    m = toy2d.drawn([(0, 0), (1, 1)])
    assert len(m.centres) == 2
    with pytest.raises(ValueError, match="at least 2"):
        toy2d.drawn([(0, 0)])


def test_metrics_all_samples_on_one_mode():
    r = toy2d.ring()
    m = mode_metrics(np.repeat(r.centres[3:4], 2500, 0), r.centres, r.sigma)
    assert m["modes"] == 1 and m["hq"] == 1.0
    assert m["reverse_kl"] == pytest.approx(math.log(8))


def test_metrics_exact_centres_cover_everything():
    r = toy2d.ring()
    m = mode_metrics(np.tile(r.centres, (10, 1)), r.centres, r.sigma)
    assert m == {"modes": 8, "hq": 1.0, "reverse_kl": pytest.approx(0.0)}


def test_metrics_high_quality_is_three_sigma():
    r = toy2d.ring()
    c = r.centres[0]
    x = np.stack([c + [2.9 * r.sigma, 0], c + [3.1 * r.sigma, 0]])
    m = mode_metrics(x, r.centres, r.sigma)
    assert m["hq"] == 0.5 and m["modes"] == 1
    m = mode_metrics(np.zeros((5, 2)), r.centres, r.sigma)  # far from every mode: nothing covered
    assert m["modes"] == 0 and m["hq"] == 0.0


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_finite_and_give_gradients(name):
    torch.manual_seed(0)
    gan = ToyGAN(ToyGANConfig(hidden=8, depth=1))
    real, fake = torch.randn(16, 2), gan.generate(torch.randn(16, 2))
    loss = make_loss(name)
    d, parts = loss.critic_loss(gan.critic, real, fake.detach(), torch.Generator().manual_seed(0))
    g, _ = loss.generator_loss(gan.critic, fake)
    assert torch.isfinite(d) and torch.isfinite(g) and all(math.isfinite(v) for v in parts.values())
    g.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in gan.generator.parameters())


def _linear_critic(w):
    w = torch.tensor(w)
    return lambda x: x @ w + 0.3


def test_gradient_penalty_zero_for_unit_slope_linear_critic():
    real, fake = torch.randn(64, 2), torch.randn(64, 2) + 3
    gp = WGANGP().penalty(_linear_critic([0.6, 0.8]), real, fake, torch.Generator().manual_seed(0))
    assert float(gp) == pytest.approx(0.0, abs=1e-10)
    gp2 = WGANGP().penalty(_linear_critic([1.2, 1.6]), real, fake)  # slope 2: (2 - 1)^2 = 1
    assert float(gp2) == pytest.approx(1.0, abs=1e-6)


def test_wgan_div_penalty_at_real_and_fake_points():
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    # Slope 2 everywhere: (1/2)(2^6 + 2^6) = 64, so the critic loss adds k * 64.
    pen = WGANDiv().penalty(_linear_critic([1.2, 1.6]), real, fake)
    assert float(pen) == pytest.approx(64.0, rel=1e-5)
    assert WGANDiv(k=2, p=6).weight() == 2


def test_make_loss_rejects_unknowns():
    with pytest.raises(ValueError, match="Unknown GAN loss"):
        make_loss("lsgan")
    with pytest.raises(ValueError, match="Bad parameters"):
        make_loss("wgan-div", lam=3)


def test_session_steps_are_deterministic_by_seed():
    a, b, c = ToySession(TINY), ToySession(TINY), ToySession(ToySettings(**{**TINY.__dict__, "seed": 1}))
    for s in (a, b, c):
        s.run(5)
    va, vb, vc = a.view(res=8, n_show=20), b.view(res=8, n_show=20), c.view(res=8, n_show=20)
    np.testing.assert_array_equal(va.samples, vb.samples)
    np.testing.assert_array_equal(va.critic, vb.critic)
    assert not np.array_equal(va.samples, vc.samples)
    assert va.step == 5 and va.samples.shape == va.arrows.shape == (20, 2) and va.critic.shape == (8, 8)


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("data", ["ring", "grid"])
def test_session_runs_every_loss_and_dataset(loss, data):
    s = ToySession(ToySettings(**{**TINY.__dict__, "loss": loss, "data": data}))
    s.run(3)
    v = s.view(res=8, n_show=10)
    assert np.isfinite(v.critic).all() and np.isfinite(v.arrows).all()
    assert set(v.metrics) == {"modes", "hq", "reverse_kl"}
    assert "g_loss" in v.history and "d_loss" in v.history


def test_session_memory_is_bounded():
    s = ToySession(TINY)
    for _ in range(3):
        s.run(400)
    assert max(len(v) for v in s.trainer.state.history.values()) <= 500


def test_session_rejects_bad_settings():
    with pytest.raises(ValueError):
        ToySession(ToySettings(loss="nope"))
    with pytest.raises(ValueError):
        ToySession(ToySettings(lr=-1))
    with pytest.raises(ValueError):
        ToySession(TINY).run(0)


def test_adversarial_trainer_resumes_bit_for_bit(tmp_path):
    from engine.training import AdversarialTrainer, GANTrainConfig

    mix = toy2d.ring()

    def make():
        torch.manual_seed(0)
        gan = ToyGAN(ToyGANConfig(hidden=8, depth=1))
        cfg = GANTrainConfig(steps=6, batch_size=16, n_critic=2, seed=3, snapshot_every=2, n_fixed=4)
        return AdversarialTrainer(gan, make_loss("wgan-gp"), cfg, lambda n, g: (mix.sample(n, g), None))

    straight = make()
    straight.fit()
    first = make()
    first.fit(3)
    first.save(tmp_path / "r.safetensors", {"run": 1})
    second = make()
    with pytest.raises(ValueError, match="another run"):
        second.load(tmp_path / "r.safetensors", {"run": 2})
    second.load(tmp_path / "r.safetensors", {"run": 1})
    second.fit()
    for a, b in zip(straight.gan.parameters(), second.gan.parameters()):
        assert torch.equal(a, b)
    assert [s for s, _ in second.state.snapshots] == [2, 4, 6]
    np.testing.assert_array_equal(straight.state.snapshots[-1][1], second.state.snapshots[-1][1])


def test_bench_rows_per_variant_and_bars_for_every_wgan_row():
    from engine.experiments import gan_toy

    variants = {"gan": {"loss": "gan"}, "wgan-gp lam=0.1": {"loss": "wgan-gp", "lam": 0.1}}
    rep = gan_toy.toy_bench(steps=2, seeds=(0,), variants=variants, datasets=("ring",), log=lambda *_: None)
    assert [r["loss"] for r in rep["rows"]] == ["gan", "wgan-gp lam=0.1"]
    assert list(rep["bars"]) == ["wgan-gp lam=0.1 ring 8/8 modes and >= 70 % HQ in >= 4 of 5 seeds"]
    assert rep["settings"]["variants"] == variants
    # The verdicts count seeds: 4 of 5 perfect ring runs pass, 3 do not; the grid bar is on the mean.
    run = lambda data, loss, modes, hq: {"data": data, "loss": loss, "modes": modes, "hq": hq}
    ring = [run("ring", "wgan-div", 8, 0.9)] * 4 + [run("ring", "wgan-div", 3, 0.9)]
    assert gan_toy.toy_bars(ring) == {"wgan-div ring 8/8 modes and >= 70 % HQ in >= 4 of 5 seeds": True}
    ring[0] = run("ring", "wgan-div", 8, 0.5)
    grid = [run("grid", "wgan-gp", 25, 0.3), run("grid", "wgan-gp", 22, 0.3)]
    assert gan_toy.toy_bars(ring + grid) == {"wgan-div ring 8/8 modes and >= 70 % HQ in >= 4 of 5 seeds": False,
                                             "wgan-gp grid >= 24 of 25 modes on average": False}


def test_loss_curves_are_drawn_as_a_picture():
    from engine import api

    img = api.toy_loss_image({"step": [1, 2, 3, 4], "critic loss": [1.0, 0.5, -0.2, float("nan")],
                              "generator loss": [0.0, 0.1, 0.3, 0.2]}, width=200, height=120)
    assert img.size == (200, 120)
    a = np.asarray(img)
    assert (a != 255).any(axis=-1).mean() > 0.02  # curves, frame and legend were drawn
    assert api.toy_loss_image({"step": [1], "critic loss": [0.3]}).size == (360, 240)  # one point: no line, no error
