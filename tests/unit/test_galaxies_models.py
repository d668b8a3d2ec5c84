"""Galaxy lab models with tiny configs, the float16 checkpoint storage, and the lab's eval helpers."""

import numpy as np
import pytest
import torch

from engine import checkpoints
from engine.registry import build_model

TINY_CLF = dict(input_shape=(3, 32, 32), channels=(4, 8), features_dim=8, n_classes=3)


def test_classifier_shapes_loss_features():
    torch.manual_seed(0)
    m = build_model("cnn-classifier", TINY_CLF)
    x, y = torch.rand(5, 3, 32, 32), torch.tensor([0, 1, 2, 0, 1])
    out = m(x, y)
    assert out.logits.shape == (5, 3) and out.features.shape == (5, 8) and torch.isfinite(out.loss)
    out.loss.backward()
    m.eval()
    with torch.no_grad():
        assert torch.allclose(m.probs(x).sum(1), torch.ones(5))
        assert torch.equal(m.head(m.features(x)), m.logits(x))


def test_classifier_rejects_sides_that_do_not_divide():
    with pytest.raises(ValueError, match="divisible"):
        build_model("cnn-classifier", dict(TINY_CLF, input_shape=(3, 30, 30)))


def test_vae_recon_option_is_checked():
    with pytest.raises(ValueError, match="recon"):
        build_model("mlp-vae", dict(input_shape=(3, 8, 8), recon="l1"))
    with pytest.raises(ValueError, match="recon"):
        build_model("conv-vae-rgb", dict(input_shape=(3, 32, 32), recon="l1"))


def test_float16_storage_halves_the_file_and_loads_as_float32(tmp_path):
    torch.manual_seed(2)
    cfg = dict(input_shape=(3, 16, 16), hidden=(64,), latent_dim=4, recon="mse")
    m = build_model("mlp-vae", cfg).eval()
    card32 = checkpoints.save("a", m, {"model": "mlp-vae", "model_config": cfg}, directory=tmp_path)
    card16 = checkpoints.save("b", m, {"model": "mlp-vae", "model_config": cfg}, directory=tmp_path,
                              storage_dtype="float16")
    assert card16["storage_dtype"] == "float16" and "storage_dtype" not in card32
    assert card16["weights_bytes"] < 0.6 * card32["weights_bytes"]
    m2, card, _ = checkpoints.load("b", tmp_path)
    assert card["sha256"] == checkpoints.sha256_file(checkpoints.paths("b", tmp_path)[0])
    assert all(p.dtype == torch.float32 for p in m2.parameters())
    for (k, a), (_, b) in zip(m.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a.half().float(), b), k  # exactly the float16-rounded weights
    with pytest.raises(ValueError, match="storage_dtype"):
        checkpoints.save("c", m, {"model": "mlp-vae", "model_config": cfg}, directory=tmp_path, storage_dtype="int8")


def test_augment_is_a_symmetry_of_the_square():
    from engine.experiments.galaxies import augment

    x = torch.rand(8, 3, 6, 6)
    out = augment(x, np.random.default_rng(0))
    for a, b in zip(x, out):  # each output is one of the 8 turns/flips of its input
        cands = [torch.rot90(a, k, (1, 2)) for k in range(4)]
        cands += [torch.flip(c, (2,)) for c in cands]
        assert any(torch.equal(b, c) for c in cands)


def test_interp_smoothness_of_a_linear_decoder_is_one():
    from engine.experiments.galaxies import interp_smoothness

    class Linear(torch.nn.Module):  # decode is linear in z: every lerp step is the same length
        latent_dim = 2

        def encode(self, x):
            return x.reshape(len(x), -1)[:, :2]

        def decode(self, z):
            return torch.cat([z, 2 * z], 1)

    x = np.random.default_rng(0).random((10, 2)).astype(np.float32)
    assert interp_smoothness(Linear(), x, np.random.default_rng(1), pairs=5, steps=8) == pytest.approx(1.0)


def test_psnr_per_image():
    from engine.experiments.galaxies import psnr_per_image

    a = np.zeros((2, 3, 4, 4))
    b = a + np.array([0.1, 0.01])[:, None, None, None]
    assert np.allclose(psnr_per_image(b, a), [20.0, 40.0])


def test_vae_sample_from_a_mixture_prior():
    torch.manual_seed(3)
    m = build_model("conv-vae-rgb", dict(input_shape=(3, 16, 16), channels=(4, 8), latent_dim=3)).eval()
    w, mu = torch.tensor([0.25, 0.75]), torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])

    def draw(seed, prior=None, n=6):
        with torch.no_grad():
            return m.sample(n, torch.Generator().manual_seed(seed), prior)

    with torch.no_grad():
        means = m.decode(mu)
    # Zero covariance: every draw decodes one of the components' means, in proportion to the weights.
    out = draw(0, (w, mu, torch.zeros(2, 3, 3)), n=400)
    which = [int(torch.argmin(((means - o) ** 2).flatten(1).sum(1))) for o in out]
    assert all(torch.allclose(o, means[k], atol=1e-6) for o, k in zip(out, which))
    assert 0.65 < np.mean(which) < 0.85
    prior = (w, mu, 0.1 * torch.eye(3).expand(2, 3, 3))
    assert torch.equal(draw(1, prior), draw(1, prior)) and not torch.equal(draw(1, prior), draw(2, prior))
    with torch.no_grad():  # no prior: N(0, I) draws, as before
        assert torch.equal(draw(4), m.decode(torch.randn(6, 3, generator=torch.Generator().manual_seed(4))))
