"""The photo denoiser's procedural pictures (dead leaves, flat graphics) and the camera-noise pipeline."""

import numpy as np
import pytest
from skimage import data

from engine.data import camera_noise as cn
from engine.data import synthetic


@pytest.mark.parametrize("make", [synthetic.dead_leaves, synthetic.flat_graphics])
def test_generators_are_seeded_rgb_on_unit_range(make):
    a, b, c = make(96, seed=3), make(96, seed=3), make(96, seed=4)
    assert a.shape == (96, 96, 3) and a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_dead_leaves_are_scale_invariant():
    """The radial power spectrum of dead leaves with r^-3 radii falls as ~1/f^2 (natural images: slope ~ -2)."""
    imgs = [synthetic.dead_leaves(256, seed=k).mean(-1) for k in range(4)]
    power = np.mean([np.abs(np.fft.fftshift(np.fft.fft2(i - i.mean()))) ** 2 for i in imgs], 0)
    yy, xx = np.mgrid[-128:128, -128:128]
    r = np.hypot(yy, xx).astype(int)
    radial = np.bincount(r.ravel(), power.ravel()) / np.bincount(r.ravel())
    f = np.arange(4, 100)
    slope = np.polyfit(np.log(f), np.log(radial[f]), 1)[0]
    assert -2.6 < slope < -1.6, slope


def test_flat_graphics_are_mostly_flat():
    """Most pixels equal their right-hand neighbour exactly (flat fills), unlike a photo or dead leaves."""
    def flat_share(img):
        return float(np.mean(np.all(img[:, 1:] == img[:, :-1], axis=-1)))

    assert np.mean([flat_share(synthetic.flat_graphics(128, seed=k)) for k in range(5)]) > 0.6
    assert flat_share(synthetic.dead_leaves(128, seed=0)) < flat_share(synthetic.flat_graphics(128, seed=0))


def test_tone_curve_round_trip_and_bayer_mosaic():
    x = np.linspace(0, 1, 101)
    np.testing.assert_allclose(cn.linear_to_srgb(cn.srgb_to_linear(x)), x, atol=1e-9)
    rgb = np.random.default_rng(0).random((6, 8, 3))
    raw = cn.mosaic(rgb)
    assert raw[0, 0] == rgb[0, 0, 0] and raw[0, 1] == rgb[0, 1, 1] and raw[1, 1] == rgb[1, 1, 2]
    flat = np.full((6, 8, 3), [0.2, 0.5, 0.7])
    np.testing.assert_allclose(cn.demosaic(cn.mosaic(flat)), flat, atol=1e-12)  # a flat colour comes back exactly


def test_camera_noise_is_seeded_mean_preserving_and_grows_with_iso():
    clean = data.astronaut()[:128, :128].astype(np.float32) / 255
    ref = cn.reference(clean)
    stds = []
    for level in cn.ISO_LEVELS:
        noisy = cn.camera_noise(clean, level, seed=1, jpeg_quality=0)
        assert np.array_equal(noisy, cn.camera_noise(clean, level, seed=1, jpeg_quality=0))
        assert abs(float(noisy.mean() - ref.mean())) < 0.02  # clipping dark pixels biases it a little
        stds.append(float((noisy - ref).std()))
    assert stds == sorted(stds) and stds[0] > 0.005


def test_camera_noise_jpeg_path_and_bad_level():
    clean = data.astronaut()[:64, :64].astype(np.float32) / 255
    a = cn.camera_noise(clean, "iso800", seed=0, jpeg_quality=50)
    b = cn.camera_noise(clean, "iso800", seed=0, jpeg_quality=0)
    assert a.shape == b.shape == (64, 64, 3) and not np.array_equal(a, b)
    assert np.allclose(a * 255, np.round(a * 255), atol=1e-3)  # decoded 8-bit values
    with pytest.raises(ValueError, match="iso800"):
        cn.camera_noise(clean, "iso100")


def test_camera_estimate_beats_the_blind_estimate_on_held_out_camera_noise():
    """The astronaut is never trained on, nor used to fit CAMERA_SIGMA_GAIN: at ISO 3200 the camera estimate of
    sigma gives the shipped network a much better picture than the white-noise estimate, which reads almost 0."""
    from skimage.metrics import peak_signal_noise_ratio as psnr

    from engine import api
    from engine.data.images import eval_image

    clean = eval_image("astronaut")[128:384, 128:384]
    noisy = cn.camera_noise(clean, "iso3200", seed=2, jpeg_quality=85)
    ref = cn.reference(clean)
    blind = api.denoise_picture(noisy)
    camera = api.denoise_picture(noisy, kind="camera")
    assert blind.sigma < 6 < 10 < camera.sigma < 40, (blind.sigma, camera.sigma)
    assert psnr(ref, camera.pixels, data_range=1) > psnr(ref, blind.pixels, data_range=1) + 1.0
    with pytest.raises(ValueError, match="camera"):
        api.denoise_picture(noisy, kind="phone")
