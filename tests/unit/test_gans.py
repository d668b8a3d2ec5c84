"""Galaxy GANs with tiny configs: the shared generator, each paper's discriminator, fit + snapshots, resume."""

import dataclasses

import numpy as np
import pytest
import torch

from engine.experiments import gans
from engine.models.dcgan import DCGAN, DCGANConfig
from engine.models.gan_losses import make_loss
from engine.training import Resumable


def _tiny(name):
    return dataclasses.replace(gans.model_config(name), width=4, z_dim=8)


@pytest.fixture
def small_data(monkeypatch):
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(40, 3, gans.SIZE, gans.SIZE, generator=g) * 2 - 1, torch.randint(3, (40,), generator=g)
    monkeypatch.setattr(gans, "_train_set", lambda: (x, y))
    monkeypatch.setenv("AEX_CACHE", "")


@pytest.mark.parametrize("name", list(gans._SPECS))
def test_fit_tiny_every_gan(name, small_data, tmp_path, monkeypatch):
    monkeypatch.setattr(gans.galaxies, "cache_dir", lambda: tmp_path)
    torch.manual_seed(0)
    model = DCGAN(_tiny(name))
    cfg = dataclasses.replace(gans.train_config(name), steps=2, batch_size=4, snapshot_every=1, n_fixed=3)
    state = Resumable(tmp_path / "state.safetensors", every_s=0.0, fingerprint={"run": name})
    out = gans.fit(model, cfg, [], state)
    assert out["step"] == 2 and all(np.isfinite(out["history"]))
    assert state.path.is_file(), "the resumable state is written during the run (after step 1 of 2)"
    snaps = out["extras"]["snapshots"]
    assert snaps.shape == (2, 3, gans.SIZE, gans.SIZE, 3) and snaps.dtype == np.uint8
    assert list(out["extras"]["snapshot_steps"]) == [1, 2]
    imgs, y = gans.generate(model, 5, seed=1)
    assert imgs.shape == (5, 3, gans.SIZE, gans.SIZE) and imgs.min() >= 0 and imgs.max() <= 1
    assert (y is not None) == (name == "gan-acgan")


def test_gradient_penalty_critics_have_no_batch_norm():
    for name in ("gan-wgan-gp", "gan-wgan-div"):
        m = DCGAN(_tiny(name))
        assert not any(isinstance(x, torch.nn.BatchNorm2d) for x in m.features.modules())
    assert any(isinstance(x, torch.nn.BatchNorm2d) for x in DCGAN(_tiny("gan-vanilla")).features.modules())


def test_generator_is_shared_across_the_four():
    shapes = {name: [p.shape for p in DCGAN(_tiny(name)).generator.parameters()] for name in gans._SPECS}
    assert len({str(v) for v in shapes.values()}) == 1


def test_acgan_class_head_returns_logits_and_loss_uses_them():
    torch.manual_seed(0)
    m = DCGAN(_tiny("gan-acgan")).eval()
    x = torch.rand(6, 3, gans.SIZE, gans.SIZE) * 2 - 1
    s, logits = m.critic(x)
    assert s.shape == (6,) and logits.shape == (6, 3)
    assert not torch.allclose(logits.sum(1), torch.ones(6))  # raw logits, no softmax inside the model
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    loss, parts = make_loss("acgan").critic_loss(m.critic, x, x, labels=(y, y))
    expected_ce = 2 * torch.nn.functional.cross_entropy(logits, y).detach()
    assert parts["class_ce"] == pytest.approx(float(expected_ce), rel=1e-5)


def test_conditional_generator_needs_classes():
    m = DCGAN(_tiny("gan-acgan"))
    with pytest.raises(ValueError, match="conditional"):
        m.generate(torch.randn(2, 8))


def test_duplicate_rate_counts_near_copies():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 4))
    fake = np.concatenate([np.repeat(rng.normal(size=(1, 4)), 50, 0), rng.normal(size=(150, 4))])
    rate, partner = gans.duplicate_rate(fake, real)
    assert rate == pytest.approx(0.25, abs=0.02)
    assert (partner[:50] >= 0).all() and (partner[:50] < 50).all()
    assert gans.duplicate_rate(rng.normal(size=(200, 4)), real)[0] < 0.05


def test_bad_config_is_a_value_error():
    with pytest.raises(ValueError):
        DCGANConfig(image_size=48)
    with pytest.raises(ValueError):
        DCGANConfig(critic_norm="layer")
