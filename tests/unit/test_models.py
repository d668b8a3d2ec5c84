"""Every registered model family, with a tiny config: shapes, finite loss, gradients, save -> load equality."""

import numpy as np
import pytest
import torch

from engine import checkpoints
from engine.registry import MODELS, build_model

TINY = {
    "mlp-ae": dict(input_shape=(7, 5), hidden=(16,), latent_dim=2),
    "mlp-ae-bounded": dict(input_shape=(7, 5), hidden=(16,), latent_dim=2, latent_bound=3.0, latent_noise=0.1),
    "mlp-vae": dict(input_shape=(2, 16, 16), hidden=(32, 16), latent_dim=2, beta=0.5),
    "conv-vae": dict(input_shape=(28, 28), channels=(4, 8), hidden=16, latent_dim=2, beta=0.5, kl_warmup_steps=4),
    "conv-dae": dict(input_shape=(28, 28), channels=(4, 8)),
    "conv-ae-k": dict(input_shape=(28, 28), ks=(2, 4), width=4, hidden=8, default_k=2),
    "conv-vae-rgb": dict(input_shape=(3, 32, 32), channels=(4, 4, 8, 8), latent_dim=3, beta=0.1, recon="mse",
                         kl_warmup_steps=4),
    "mlp-vae-mse": dict(input_shape=(3, 8, 8), hidden=(16,), latent_dim=4, recon="mse"),
    "sparse-ae-set": dict(input_shape=(28, 28), units=8, strengths=(0.0, 1.0), l1_warmup=2),
}


def family(key: str) -> str:
    return "mlp-ae" if key.startswith("mlp-ae") else "mlp-vae" if key.startswith("mlp-vae") else key


def test_every_registered_family_has_a_tiny_config():
    # Autoencoder families share the interface tested below; the photo denoiser and the 1-D radio trace
    # denoisers have their own tiny-config tests (test_images.py, test_radio.py), as have the masked autoencoder and
    # the colouriser, whose inputs are not the shared interface's (test_more_autoencoders.py).
    from engine.models.layers import Autoencoder

    shared = {k for k, cls in MODELS.items() if issubclass(cls, Autoencoder) and not k.startswith("radio-")}
    assert shared <= {family(k) for k in TINY}


@pytest.mark.parametrize("key", TINY)
def test_shapes_loss_and_gradients(key):
    torch.manual_seed(0)
    cfg = TINY[key]
    m = build_model(family(key), cfg)
    x = torch.rand(4, *cfg["input_shape"])
    out = m(x, (x > 0.5).float())
    assert out.recon.shape == x.shape and out.z.shape == (4, m.latent_dim)
    assert torch.isfinite(out.loss)
    out.loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.parameters())
    m.eval()
    with torch.no_grad():
        assert m.decode(m.encode(x)).shape == x.shape
        assert torch.allclose(m.reconstruct(x), m.decode(m.encode(x)))
        path = m.interpolate(x[0], x[1], 5, "slerp")
        assert path.shape == (5, *cfg["input_shape"])
        assert torch.allclose(path[0], m.reconstruct(x[:1])[0], atol=1e-5)
    if cfg.get("latent_bound"):
        assert m.encode(x * 1000).abs().max() <= cfg["latent_bound"]


@pytest.mark.parametrize("key", TINY)
def test_save_then_load_gives_identical_outputs(key, tmp_path):
    torch.manual_seed(1)
    cfg = TINY[key]
    m = build_model(family(key), cfg).eval()
    extras = {"codes": np.arange(6, dtype=np.float32).reshape(3, 2)}
    card = checkpoints.save("tiny", m, {"model": family(key), "model_config": cfg}, extras, directory=tmp_path)
    m2, card2, extras2 = checkpoints.load("tiny", tmp_path)
    x = torch.rand(3, *cfg["input_shape"])
    with torch.no_grad():
        assert torch.equal(m.reconstruct(x), m2.reconstruct(x))
    assert card2["sha256"] == card["sha256"] and np.array_equal(extras2["codes"], extras["codes"])
    assert not any(p.requires_grad for p in m2.parameters()) and not m2.training


def test_unknown_family_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown model family"):
        build_model("transformer-xl", {})


def test_vae_samples_from_the_prior():
    m = build_model("mlp-vae", TINY["mlp-vae"]).eval()
    with torch.no_grad():
        a = m.sample(3, torch.Generator().manual_seed(0))
        b = m.sample(3, torch.Generator().manual_seed(0))
    assert a.shape == (3, 2, 16, 16) and torch.equal(a, b) and a.min() >= 0 and a.max() <= 1
