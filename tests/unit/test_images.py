"""Images lab: training data, the FFDNet-style model, seamless tiling, noise, impulses, baselines, PNG output."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from engine import api, baselines, checkpoints, tiling
from engine.data import images
from engine.experiments import get_experiment
from engine.experiments import images as lab
from engine.models.ffdnet import FFDNet, FFDNetConfig


def random_model(seed=0, **cfg):
    torch.manual_seed(seed)
    model = FFDNet(FFDNetConfig(**cfg))
    for p in model.parameters():  # random everywhere (the tail starts at zero, which would hide any seam)
        torch.nn.init.normal_(p, 0, 0.05)
    return model.eval()


def test_training_pictures_never_include_the_evaluation_ones():
    names = [n for n, _ in images.bundled()]
    assert "camera" not in names and "astronaut" not in names
    assert len(names) >= 20
    pool = lab.pool()
    camera = images.eval_image("camera")
    assert not any(p.shape == camera.shape and np.allclose(p, camera) for p in pool.planes)
    manifest = pool.manifest()  # what the card records under training_data
    heldout = [f.split(".")[0] for _, f in images.HELDOUT]
    assert manifest["never_trained_on"][:2] == ["camera", "astronaut"] and len(manifest["never_trained_on"]) == 6
    assert {m["plane"].split("[")[0] for m in manifest["planes"]} >= {"coffee", "moon", "brick"}
    assert not any(m["plane"].startswith(("camera", "astronaut", *heldout)) for m in manifest["planes"])
    assert sum(m["p"] for m in manifest["planes"]) == pytest.approx(1.0, abs=1e-3)
    # Each source is drawn with its stated probability, whatever its number of planes.
    assert {s["source"]: s["p"] for s in manifest["sources"]} == lab.SOURCE_P
    for src in ("dead_leaves", "flat_graphics"):
        share = sum(m["p"] for m in manifest["planes"] if m["plane"].startswith(src))
        assert share == pytest.approx(lab.SOURCE_P[src], abs=1e-3)
    assert lab.FLAT_EVAL_SEED not in lab.FLAT_SEEDS
    assert f"flat_graphics(seed={lab.FLAT_EVAL_SEED})[0]" not in {m["plane"] for m in manifest["planes"]}


def test_heldout_set_is_four_readable_pictures_no_training_picture_equals():
    held = images.heldout_images()
    assert len(held) >= 4 and all(a.ndim == 2 and a.dtype == np.float32 and 0 <= a.min() <= a.max() <= 1
                                  for _, a in held)
    planes = lab.pool().planes
    for name, a in held:
        assert not any(p.shape == a.shape and np.allclose(p, a, atol=0.02) for p in planes), name


def test_optional_bar_is_not_judged_when_its_metric_is_missing():
    from engine.registry import Bar

    bar, required = Bar("psnr_gain_vs_bm3d_s25", ">=", 0.0, optional=True), Bar("psnr_s25", ">=", 0.0)
    assert not bar.judged({}) and bar.holds({})
    assert bar.judged({"psnr_gain_vs_bm3d_s25": -0.3}) and not bar.holds({"psnr_gain_vs_bm3d_s25": -0.3})
    with pytest.raises(KeyError):
        required.holds({})


def test_flat_eval_render_is_deterministic_and_breadth_skips_bm3d_keys_without_it(capsys):
    from engine.experiments import images_breadth

    a = images_breadth.flat_eval_image(lab.FLAT_EVAL_SEED)
    assert a.shape == (512, 512, 3) and np.array_equal(a, images_breadth.flat_eval_image(lab.FLAT_EVAL_SEED))
    m = images_breadth.measure_breadth(random_model(widths=(8, 8, 8)), {}, lab.FLAT_EVAL_SEED, with_bm3d=False)
    assert set(m) == {"psnr_heldout_s25", "nlmeans_heldout_s25", "margin_nlmeans_heldout_s25", "psnr_flat_s15",
                      "nlmeans_flat_s15", "margin_nlmeans_flat_s15"}
    assert "BM3D not installed" in capsys.readouterr().err


def test_patches_shapes_range_augmentation_and_determinism():
    pool = lab.pool()
    a = pool.patches(np.random.default_rng(3), 16, 64)
    b = pool.patches(np.random.default_rng(3), 16, 64)
    assert a.shape == (16, 64, 64) and a.dtype == np.float32
    assert 0 <= a.min() and a.max() <= 1
    np.testing.assert_array_equal(a, b)
    cfg = get_experiment("image-denoiser-gray").train_config
    x, y = lab.noisy_batch(np.random.default_rng(0), 8, cfg)
    assert x.shape == (8, 2, 64, 64) and y.shape == (8, 1, 64, 64)
    level = x[:, 1, 0, 0].numpy()
    assert (level >= 0).all() and level.max() <= cfg.sigma_max / 255 * 1.3
    assert torch.allclose(x[:, 1], x[:, 1, :1, :1].expand(-1, 64, 64))  # the map is constant per patch


def test_decorrelated_colour_round_trip_and_noise_gain():
    rgb = np.random.default_rng(0).random((20, 30, 3)).astype(np.float32)
    ycc = images.to_decorrelated(rgb)
    assert 0 <= ycc.min() and ycc.max() <= 1
    np.testing.assert_allclose(images.from_decorrelated(ycc), rgb, atol=1e-5)
    noise = np.random.default_rng(1).normal(0, 0.1, (200_000, 3))
    ch = images.to_decorrelated(noise) - images.OFFSET
    np.testing.assert_allclose(ch.std(0), 0.1 * images.NOISE_GAIN, rtol=0.02)
    assert abs(np.corrcoef(ch.T)[0, 1]) < 0.01  # orthogonal rows: independent channel noise


def test_use_data_reads_a_folder_and_refuses_bad_paths(tmp_path):
    with pytest.raises(ValueError, match="no such folder"):
        lab.use_data(str(tmp_path / "nope"))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="no readable image"):
        lab.use_data(str(tmp_path))
    (tmp_path / "broken.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(ValueError, match="1 unreadable"):
        lab.use_data(str(tmp_path))
    Image.fromarray((np.random.default_rng(0).random((80, 90, 3)) * 255).astype(np.uint8)).save(tmp_path / "a.png")
    try:
        lab.use_data(str(tmp_path))
        assert any(n.startswith("a.png") for n in lab.pool().names)
    finally:
        lab._EXTRA.clear()
        lab._POOL.clear()


def test_model_shapes_loss_identity_start_and_save_load(tmp_path):
    model = FFDNet(FFDNetConfig(widths=(8, 16), convs=1))
    x = torch.rand(2, 1, 32, 32)
    level = torch.full((2, 1, 32, 32), 0.1)
    out = model(torch.cat([x, level], 1), x)
    assert out.recon.shape == x.shape and torch.isfinite(out.loss)
    assert torch.equal(out.recon, x)  # zero-initialised tail: starts as the identity
    out.loss.backward()
    model = random_model(widths=(8, 16), convs=1)
    checkpoints.save("tiny", model, {"model": "ffdnet", "model_config": {"widths": [8, 16], "convs": 1}}, None,
                     tmp_path)
    loaded, _, _ = checkpoints.load("tiny", tmp_path)
    with torch.inference_mode():
        assert torch.equal(loaded.denoise(x, torch.tensor([0.1, 0.2])), model.denoise(x, torch.tensor([0.1, 0.2])))


def test_training_forgets_the_fitted_level_gain():
    """A continued run (`train --init`) changes the weights, so the gain fitted on the old ones must be refitted."""
    model = FFDNet(FFDNetConfig(widths=(8, 16), convs=1))
    model.level_gain.fill_(0.9)
    model.eval()
    assert float(model.level_gain) == pytest.approx(0.9)
    model.train()
    assert torch.isnan(model.level_gain)


def test_receptive_field_covers_what_an_output_pixel_sees():
    model = random_model(widths=(6, 8, 10))
    x = torch.rand(1, 1, 256, 256, requires_grad=True)
    model.denoise(x, torch.tensor([0.1]))[0, 0, 128, 128].backward()
    ys, xs = np.nonzero(x.grad[0, 0].numpy())
    assert max(128 - ys.min(), ys.max() - 128, 128 - xs.min(), xs.max() - 128) <= model.receptive_field


@pytest.mark.parametrize("shape", [(120, 101), (40, 250), (9, 11)])
def test_tiles_equal_one_whole_image_pass(shape):
    model = random_model(widths=(6, 8, 10))  # the shipped depth (3 levels, same receptive field), fewer channels
    img = np.random.default_rng(0).random(shape).astype(np.float32)
    whole = tiling.denoise_plane(model, img, 0.1, tile=4096)
    tiled = tiling.denoise_plane(model, img, 0.1, tile=48)  # many tiles, every seam inside the picture
    assert whole.shape == shape
    assert np.abs(whole - tiled).max() < 1e-5


def test_colour_goes_through_each_decorrelated_channel():
    model = random_model()
    rgb = np.random.default_rng(0).random((40, 48, 3)).astype(np.float32)
    out, sigma = tiling.denoise(model, rgb, 0.1)
    assert out.shape == rgb.shape and sigma == pytest.approx(0.1)
    ycc = images.to_decorrelated(rgb)
    y = tiling.denoise_plane(model, ycc[..., 0], 0.1 * images.NOISE_GAIN[0])
    np.testing.assert_allclose(images.to_decorrelated(out)[..., 0], y, atol=1e-5)


def test_sigma_estimate_is_close_on_camera():
    camera = images.eval_image("camera")
    for s in (15, 25, 50):
        est = api.estimate_noise(lab.noisy_copy(camera, s, seed=5))
        assert abs(est - s) < 0.1 * s + 1.5, (s, est)
    assert api.estimate_noise(np.zeros((4, 4))) == 0.0  # too small to tell


def test_noise_is_seeded_and_clipped():
    camera = images.eval_image("camera")[:64, :64]
    a = api.add_image_noise(camera, "gaussian", 25, seed=3)
    np.testing.assert_array_equal(a, api.add_image_noise(camera, "gaussian", 25, seed=3))
    assert not np.array_equal(a, api.add_image_noise(camera, "gaussian", 25, seed=4))
    assert 0 <= a.min() and a.max() <= 1
    sp = api.add_image_noise(camera, "salt_pepper", 0.1, seed=0)
    assert 0.05 < np.mean(sp != camera) < 0.11
    np.testing.assert_array_equal(api.add_image_noise(camera, "none", 0, seed=0), camera)


def test_impulses_are_found_and_removed_but_clean_pictures_are_left_alone():
    camera = images.eval_image("camera")[100:228, 100:228]
    noisy = api.add_image_noise(camera, "salt_pepper", 0.1, seed=0)
    cleaned, n = api.remove_impulses(noisy)
    assert 0.05 * camera.size < n < 0.11 * camera.size
    assert api.image_quality(camera, cleaned)["psnr"] > api.image_quality(camera, noisy)["psnr"] + 12
    saturated = camera.copy()
    saturated[:40] = 1.0  # a blown-out sky is not salt
    out, n = api.remove_impulses(saturated)
    assert n == 0 and np.array_equal(out, saturated)


def test_baselines_improve_a_noisy_picture():
    camera = images.eval_image("camera")[:128, :128]
    noisy = lab.noisy_copy(camera, 25, seed=1)
    before = api.image_quality(camera, np.clip(noisy, 0, 1))["psnr"]
    assert "BM3D" not in api.image_baselines() or baselines.bm3d_available()
    for name in api.image_baselines():
        out, sec = api.run_image_baseline(name, noisy)
        assert out.shape == camera.shape and sec >= 0
        assert api.image_quality(camera, out)["psnr"] > before + 3, name


def test_bm3d_missing_is_a_clear_message(monkeypatch):
    monkeypatch.setattr(baselines, "bm3d_available", lambda: False)
    assert "BM3D" not in api.image_baselines()
    with pytest.raises(ValueError, match="not installed"):
        baselines.bm3d(np.zeros((8, 8)))


def test_png_bytes_keep_mode_family():
    gray = np.random.default_rng(0).random((10, 12)).astype(np.float32)
    for pixels, alpha, bits, mode in [(gray, None, 8, "L"), (gray, None, 16, "I;16"),
                                      (np.dstack([gray] * 3), None, 8, "RGB"), (np.dstack([gray] * 3), gray, 8, "RGBA"),
                                      (gray, gray, 8, "LA")]:
        im = Image.open(io.BytesIO(api.to_png(pixels, alpha, bits)))
        assert im.mode == mode and im.size == (12, 10)


def test_denoise_image_contract_dtype_and_shape(ckpt_dir):
    model = random_model(widths=(4, 8), convs=1)
    checkpoints.save(api.DENOISER, model, {"model": "ffdnet", "model_config": {"widths": [4, 8], "convs": 1}},
                     None, ckpt_dir)
    rng = np.random.default_rng(0)
    for arr in (rng.random((33, 21)).astype(np.float32), (rng.random((20, 30, 3)) * 255).astype(np.uint8),
                (rng.random((17, 19, 1)) * 65535).astype(np.uint16), rng.random((12, 14, 2))):
        out = api.denoise_image(arr, sigma=20)
        assert out.shape == arr.shape and out.dtype == arr.dtype
    res = api.denoise_picture(rng.random((32, 32)).astype(np.float32))
    assert res.sigma_estimated and res.sigma >= 0 and res.seconds > 0
    fixed = api.denoise_picture(rng.random((32, 32)).astype(np.float32), sigma=30)
    assert not fixed.sigma_estimated and fixed.sigma == pytest.approx(30)


@pytest.mark.parametrize("shape", [(130, 98, 3), (129, 101, 3), (97, 66)])
def test_low_memory_colour_path_equals_the_whole_picture_computation(shape):
    """The banded / tile-by-tile colour path (issue 17: 24 MP under 1.2 GB) gives exactly the output of the plain
    whole-picture computation: decorrelate everything, denoise each plane (+ transposed pass), average, convert."""
    import torch

    from engine.data.images import NOISE_GAIN, from_decorrelated, to_decorrelated
    from engine.models.ffdnet import FFDNetConfig
    from engine.registry import build_model
    from engine.tiling import _plane, denoise

    torch.manual_seed(0)
    model = build_model("ffdnet", FFDNetConfig(widths=(4, 8), convs=1)).eval()
    img = np.random.default_rng(1).random(shape).astype(np.float32)

    def plane_ref(p, s):
        return 0.5 * (_plane(model, p, s, 32) + _plane(model, np.ascontiguousarray(p.T), s, 32).T)

    if len(shape) == 2:
        ref = plane_ref(img, 0.1)
    else:
        ycc = to_decorrelated(img)
        ref = from_decorrelated(np.stack([plane_ref(ycc[..., c], 0.1 * NOISE_GAIN[c]) for c in range(3)], -1))
    np.testing.assert_array_equal(denoise(model, img, 0.1, tile=32)[0], ref)


@pytest.mark.parametrize("shape,alpha", [((70, 50, 3), False), ((70, 50), False), ((70, 50, 3), True),
                                         ((70, 50), True)])
def test_banded_png_equals_the_plain_quantisation(shape, alpha):
    """to_png works band by band (no whole-picture uint8 copy); the pixels are round(clip(p) * 255) as before."""
    import io

    from PIL import Image

    rng = np.random.default_rng(2)
    p = rng.normal(0.5, 0.4, shape).astype(np.float32)
    a = rng.random(shape[:2]) if alpha else None
    ref = np.clip(p, 0, 1)
    if a is not None:
        ref = np.concatenate([ref if ref.ndim == 3 else ref[..., None], np.clip(a, 0, 1)[..., None]], -1)
    got = np.asarray(Image.open(io.BytesIO(api.to_png(p, a))))
    np.testing.assert_array_equal(got, np.round(ref * 255).astype(np.uint8))


def test_progress_reaches_one_and_an_exception_in_it_cancels():
    """denoise_picture(on_progress=...) reports the share of tiles done after every tile (monotone, ends at 1, the
    same output as without it); an exception raised in the callback stops the work (the page's Stop button)."""
    rng = np.random.default_rng(0)
    img = rng.random((600, 1100, 3)).astype(np.float32)  # 2 x 3 tiles of 512, 3 channels, 2 passes
    seen: list[float] = []
    res = api.denoise_picture(img, 25, on_progress=seen.append)
    assert len(seen) == 3 * 2 * 2 * 3 and seen[-1] == 1.0 and all(a < b for a, b in zip(seen, seen[1:]))
    np.testing.assert_array_equal(res.pixels, api.denoise_picture(img, 25).pixels)

    class Stop(Exception):
        pass

    calls = []

    def stop(f: float) -> None:
        calls.append(f)
        if f > 0.25:
            raise Stop

    with pytest.raises(Stop):
        api.denoise_picture(img, 25, on_progress=stop)
    assert len(calls) < len(seen)
