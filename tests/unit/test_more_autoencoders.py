"""Issue 16's three labs with tiny configs: the sparse autoencoders, the masked autoencoder and the colouriser —
shapes, the properties each promises (zeros in the code, unit-norm features, visible pixels kept, lightness kept),
metrics against hand-computed values, save -> load, and the facade's messages for bad input."""

import dataclasses

import numpy as np
import pytest
import torch

from engine import api, checkpoints
from engine.data import colour
from engine.experiments import colorize as col_lab
from engine.experiments import digits_sparse as sp_lab
from engine.experiments import get_experiment
from engine.experiments import masked_ae as mask_lab
from engine.models.colorize import ColorizeConfig
from engine.models.masked_ae import MaskedAEConfig
from engine.models.sparse_ae import SparseAESetConfig
from engine.registry import build_model
from engine.training import TrainConfig, Trainer

# --- sparse ----------------------------------------------------------------------------------------------------


def tiny_sparse():
    torch.manual_seed(0)
    return build_model("sparse-ae-set", SparseAESetConfig(units=16, strengths=(0.0, 5.0), l1_warmup=0))


def test_sparse_code_is_relu_and_features_have_unit_norm():
    m = tiny_sparse()
    x = torch.rand(5, 28, 28)
    out = m(x)
    assert out.recon.shape == (5, 28, 28) and out.z.shape == (5, 16) and torch.isfinite(out.loss)
    assert (m.encode(x, 0) >= 0).all()
    norms = m.member(1).features().norm(dim=0)
    assert torch.allclose(norms, torch.ones(16), atol=1e-5)
    assert m.reconstruct_i(x, 0).shape == x.shape
    with pytest.raises(ValueError, match="No member"):
        m.member(2)
    with pytest.raises(ValueError, match="strengths"):
        SparseAESetConfig(strengths=(-1.0,))


def test_a_strong_penalty_switches_units_off():
    m = tiny_sparse()
    x = torch.from_numpy(sp_lab.digits.load().x_train[:128])
    opt = torch.optim.Adam(m.parameters(), 3e-3)
    for _ in range(150):
        loss = m(x).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        weak, strong = ((m.encode(x, i) > 0).float().sum(1).mean() for i in (0, 1))
    assert strong < weak


def test_l1_ramp_counts_training_steps_only():
    m = build_model("sparse-ae-set", SparseAESetConfig(units=8, strengths=(1.0,), l1_warmup=10))
    x = torch.rand(3, 28, 28)
    m.eval()
    m(x)
    assert int(m.step) == 0
    m.train()
    m(x)
    assert int(m.step) == 1


def test_probe_scores_separable_codes_perfectly():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 20)
    z = np.eye(3)[y] * 5 + rng.normal(0, 0.1, (60, 3))
    assert sp_lab.probe(z, y, z, y) == 1.0


def test_pca_mse_falls_with_k():
    x = sp_lab.digits.load().x_train[:300]
    mse = sp_lab.pca_mse(x, x, ks=(1, 4, 16))
    assert mse[0] > mse[1] > mse[2] > 0


def test_save_then_load_the_sparse_set(ckpt_dir):
    m = tiny_sparse().eval()
    cfg = dataclasses.asdict(m.cfg)
    checkpoints.save("tiny", m, {"experiment": "tiny", "model": "sparse-ae-set", "model_config": cfg})
    m2 = checkpoints.load("tiny")[0]
    x = torch.rand(2, 28, 28)
    with torch.no_grad():
        assert torch.equal(m.reconstruct_i(x, 1), m2.reconstruct_i(x, 1))


# --- masked ----------------------------------------------------------------------------------------------------


def test_patch_mask_hides_exactly_the_ratio_of_patches():
    rng = np.random.default_rng(0)
    m = mask_lab.patch_mask(6, 0.5, rng)
    assert m.shape == (6, 28, 28) and set(np.unique(m)) <= {0.0, 1.0}
    per_patch = m.reshape(6, 7, 4, 7, 4).mean((2, 4))
    assert set(np.unique(per_patch)) <= {0.0, 1.0}  # whole patches only
    assert (per_patch.sum((1, 2)) == round(0.5 * 49)).all()
    assert mask_lab.patch_mask(2, 0.0, rng).sum() == 0 and mask_lab.patch_mask(2, 1.0, rng).all()
    with pytest.raises(ValueError, match="tile"):
        mask_lab.patch_mask(1, 0.5, rng, patch=5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        mask_lab.patch_mask(1, 1.5, rng)


def test_masked_psnr_counts_hidden_pixels_only():
    clean = np.zeros((1, 28, 28), np.float32)
    out = clean.copy()
    out[0, :14] = 0.1  # error 0.1 on the top half ...
    mask = np.zeros_like(clean)
    mask[0, :14] = 1  # ... which is exactly what is hidden
    assert mask_lab.masked_psnr(clean, out, mask) == pytest.approx(20.0)
    out[0, 14:] = 0.9  # errors on visible pixels do not count
    assert mask_lab.masked_psnr(clean, out, mask) == pytest.approx(20.0)


def test_pca_fill_and_biharmonic_keep_visible_pixels():
    d = mask_lab.digits.load()
    comps, mean = mask_lab.fit_pca(d.x_train[:500], k=16)
    x = d.x_test[:3]
    mask = mask_lab.patch_mask(3, 0.5, np.random.default_rng(1))
    for out in (mask_lab.pca_fill(x, mask, comps, mean, 16), mask_lab.biharmonic(x, mask)):
        assert out.shape == x.shape
        assert np.allclose(out[mask == 0], x[mask == 0], atol=1e-6)


def test_masked_model_keeps_visible_pixels_and_trains_on_hidden_ones():
    torch.manual_seed(0)
    m = build_model("masked-conv-ae", MaskedAEConfig(width=4)).eval()
    x = np.random.default_rng(0).random((2, 28, 28)).astype(np.float32)
    mask = mask_lab.patch_mask(2, 0.75, np.random.default_rng(0))
    out = mask_lab.fill(m, x, mask)
    assert out.shape == x.shape and np.array_equal(out[mask == 0], x[mask == 0])
    exp = get_experiment("masked-ae")
    batch, target = next(iter(exp.batches(TrainConfig(steps_per_epoch=1, batch_size=8), np.random.default_rng(0))))
    assert batch.shape == (8, 2, 28, 28) and target.shape == (8, 28, 28)
    res = m.train()(batch, target)
    assert torch.isfinite(res.loss) and res.recon.shape == target.shape


def test_canvas_mask_from_painted_strokes():
    a = np.zeros((224, 224, 4), np.uint8)
    assert api.canvas_mask(a) is None
    a[0:64, 0:32, 3] = 140  # a painted block: digit pixels 0-7 down, 0-3 across
    m = api.canvas_mask(a)
    assert m.shape == (28, 28) and m[:8, :4].all() and m.sum() == 32
    with pytest.raises(ValueError, match="RGBA"):
        api.canvas_mask(np.zeros((10, 10)))


# --- colour ----------------------------------------------------------------------------------------------------


def test_lab_to_rgb_keeps_lightness_even_out_of_gamut():
    from skimage.color import rgb2lab

    rng = np.random.default_rng(0)
    lab = np.stack([rng.uniform(0, 100, (30, 30)), rng.uniform(-120, 120, (30, 30)),
                    rng.uniform(-120, 120, (30, 30))], -1)
    rgb = colour.lab_to_rgb(lab)
    assert rgb.min() >= 0 and rgb.max() <= 1
    assert np.abs(rgb2lab(rgb.astype(np.float64))[..., 0] - lab[..., 0]).max() < 1e-3
    x = rng.random((8, 8, 3))
    assert np.abs(colour.lab_to_rgb(colour.rgb_to_lab(x)) - x).max() < 1e-4  # in gamut: unchanged


def test_held_out_photos_are_never_training_photos():
    assert not {n for n, _ in colour.training_photos()} & set(colour.HELD_OUT)
    assert [n for n, _ in colour.held_out_photos(64)] == list(colour.HELD_OUT)


def test_colorize_model_any_size_and_loss_is_delta_e():
    torch.manual_seed(0)
    m = build_model("colorize-unet", ColorizeConfig(widths=(4, 8, 8))).eval()
    with torch.no_grad():
        assert m.chroma(torch.rand(2, 37, 50) * 100).shape == (2, 2, 37, 50)
        target = torch.zeros(1, 2, 16, 16)
        out = m(torch.rand(1, 1, 16, 16) * 100, target)
    de = torch.sqrt((out.recon ** 2).sum(1) + 1e-6).mean()
    assert torch.isclose(out.loss, de)
    with pytest.raises(ValueError, match="target chroma"):
        m(torch.rand(1, 1, 16, 16))


def test_delta_e_and_chroma_psnr_by_hand():
    gray = np.full((4, 4, 3), 0.5, np.float32)
    assert col_lab.delta_e_map(gray, gray).max() == pytest.approx(0, abs=1e-4)
    lab = colour.rgb_to_lab(gray)
    shifted = lab.copy()
    shifted[..., 1] += 10.0  # a* + 10: Delta E 10, chroma MSE 100/2 = 50 -> PSNR 10 log10(100^2 / 50)
    other = colour.lab_to_rgb(shifted)
    assert col_lab.delta_e_map(gray, other).mean() == pytest.approx(10, abs=0.05)
    assert col_lab.chroma_psnr(gray, other) == pytest.approx(10 * np.log10(1e4 / 50), abs=0.05)


def test_a_short_fit_lowers_the_colour_error():
    torch.manual_seed(0)
    m = build_model("colorize-unet", ColorizeConfig(widths=(4, 8, 8)))
    exp = get_experiment("colorize-ae")
    cfg = TrainConfig(epochs=1, steps_per_epoch=25, batch_size=4, lr=3e-3, warmup_steps=1)
    state = Trainer(m, cfg).fit(exp.batches)
    assert np.mean(state.history[-5:]) < np.mean(state.history[:5])


def test_colorize_facade_refuses_bad_input():
    for bad, msg in ((b"", "empty"), (b"not a picture", "not a picture"), (np.zeros((4, 4)), "at least 8"),
                     (np.zeros((10, 10, 2)), "gray \\(H, W\\) or RGB")):
        with pytest.raises(ValueError, match=msg):
            api.colorize_image(bad)
    with pytest.raises(ValueError, match="Unknown example"):
        api.colorize_example("mona lisa")


def test_the_three_experiments_are_registered_with_bench_and_page_calls():
    for name, family in (("digits-sparse", "sparse-ae-set"), ("masked-ae", "masked-conv-ae"),
                         ("colorize-ae", "colorize-unet")):
        exp = get_experiment(name)
        assert exp.family == family and exp.bars and exp.bench is not None and exp.extras is not None
        assert name in api.PAGE_CALLS
