"""The camera-noise denoiser's training data and its wiring: deterministic batches shaped like the Gaussian
denoiser's, a level map that is the camera estimate, held-out evaluation pictures, and the model choice."""

import numpy as np

from engine import api
from engine.data import images
from engine.experiments import get_experiment
from engine.experiments import images_camera as C


def test_camera_batch_shapes_levels_and_determinism():
    cfg = get_experiment("image-denoiser-camera").train_config
    a = C.camera_batch(np.random.default_rng(3), 6, cfg)
    b = C.camera_batch(np.random.default_rng(3), 6, cfg)
    x, y = a
    assert x.shape == (6, 2, cfg.patch, cfg.patch) and y.shape == (6, 1, cfg.patch, cfg.patch)
    assert np.array_equal(x.numpy(), b[0].numpy()) and np.array_equal(y.numpy(), b[1].numpy())
    level = x[:, 1].numpy()
    assert (level == level[:, :1, :1]).all() and (level > 0).all()  # one constant map per example
    # The input is noisier than the target: camera noise was added, and the target is the noise-free reference.
    assert float((x[:, 0] - y[:, 0]).abs().mean()) > 0.003


def test_camera_patch_noise_grows_with_the_level():
    rng = np.random.default_rng(0)
    noisy, clean, est = C.camera_patch(rng, 64)
    assert noisy.shape == clean.shape == (64, 64, 3) and est >= 0
    assert 0 <= noisy.min() and noisy.max() <= 1


def test_eval_pictures_are_held_out():
    names = [n for n, _ in C.eval_pictures()]
    assert names[0] == "astronaut" and len(names) == 5
    trained = {n for n, _ in images.bundled()}
    assert not trained & set(names)
    assert all(a.ndim == 3 and a.shape[2] == 3 for _, a in C.eval_pictures())


def test_the_page_picks_the_camera_model_only_for_camera_photos_with_an_estimated_level():
    assert api.denoiser_for("camera", None) == api.denoiser_for("camera", None, 24.0) == "image-denoiser-camera"
    assert api.denoiser_for("camera", 20.0) == api.denoiser_for("gaussian", None) == "image-denoiser-gray"


def test_large_photos_of_even_grain_get_the_fast_width():
    """Over FAST_ABOVE_MP megapixels the narrow network (half the time): the 12 MP target of issue 15."""
    assert api.denoiser_for("gaussian", None, api.FAST_ABOVE_MP) == "image-denoiser-gray"
    assert api.denoiser_for("gaussian", 25.0, 12.0) == api.denoiser_for("gaussian", None, 12.0) == "image-denoiser-fast"
    small = api.denoise_picture(np.full((16, 16), 0.5, np.float32), sigma=10)
    assert small.model == "image-denoiser-gray" and not small.one_pass  # two passes (self-ensemble) up to the line
    fast, gray = get_experiment("image-denoiser-fast"), get_experiment("image-denoiser-gray")
    assert fast.family == gray.family and fast.batches is gray.batches and fast.evaluate is gray.evaluate
    assert fast.model_config.widths == (32, 64, 128) and gray.model_config.widths == (48, 96, 192)


def test_the_fast_card_keeps_the_weights_it_was_renamed_from():
    """The fast model's weights are image-denoiser-gray's from before the widening, unchanged: the card says so and
    keeps the commands that trained them."""
    card = api.card("image-denoiser-fast")
    assert card["experiment"] == "image-denoiser-fast" and card["renamed_from"]["experiment"] == "image-denoiser-gray"
    assert card["model_config"]["widths"] == [32, 64, 128]
    assert card["command"].startswith("python -m engine train image-denoiser-gray")


def test_the_independent_camera_families_are_deterministic_and_signal_dependent():
    from engine.data.camera_noise_alt import alt_camera_noise, phone_isp_noise

    clean = np.zeros((64, 64, 3), np.float32)
    clean[:, 32:] = 0.8
    a, b = alt_camera_noise(clean, "mid", 3), alt_camera_noise(clean, "mid", 3)
    assert a.dtype == np.float32 and a.shape == clean.shape and np.array_equal(a, b)
    # Brighter where the light is (shot noise), not even grain; the mean is kept within JPEG's reach.
    assert a[8:56, 40:56].std() > 2 * a[8:56, 8:24].std()
    assert abs(a[8:56, 40:56].mean() - 0.8) < 0.03
    x, ref = phone_isp_noise(clean, "mid", 3)
    assert np.array_equal(x, phone_isp_noise(clean, "mid", 3)[0]) and x.shape == ref.shape == clean.shape
    assert x[8:56, 40:56].std() > 2 * x[8:56, 8:24].std()
    assert abs(x[8:56, 40:56].mean() - ref[8:56, 40:56].mean()) < 0.03


def test_the_camera_model_starts_from_the_gaussian_one():
    assert get_experiment("image-denoiser-camera").warm_start == "image-denoiser-fast"
    card = api.card("image-denoiser-camera")
    assert card["command"].startswith("python -m engine train image-denoiser-camera")
    first = card
    while first.get("continued_from"):  # back to the first sitting, the one that started from the gray weights
        first = first["continued_from"]
    assert first["command"] == "python -m engine train image-denoiser-camera"


def test_the_breadth_pipelines_are_all_drawn():
    """Camera noise with and without the Bayer step, and plain grain (PIPELINES), with their own targets."""
    from engine.data import camera_noise as cn

    clean = np.full((40, 40, 3), 0.5, np.float32)
    a = cn.pixel_noise(clean, 0.01, np.random.default_rng(1))
    assert a.dtype == np.float32 and a.shape == clean.shape and 0.01 < a.std() < 0.2
    assert np.array_equal(a, cn.pixel_noise(clean, 0.01, np.random.default_rng(1)))
    assert set(C.PIPELINES) == {"bayer", "no mosaic", "gaussian"} and abs(sum(C.PIPELINES.values()) - 1) < 1e-9
