"""The shipped camera-noise denoiser against its bar, on a held-out picture and noise the card never used."""

import pytest

from engine import api
from engine.experiments import images_camera as C


@pytest.mark.parametrize("level", ["iso800", "iso3200", "iso12800"])
def test_camera_model_beats_the_gaussian_model_on_held_out_camera_noise(level):
    """One held-out picture (flower, a 128x128 crop), noise seed 7: the fine-tuned model against the Gaussian one
    given the same camera estimate (what the page used before)."""
    from engine.data import camera_noise as cn
    from engine.metrics import psnr
    from engine.tiling import denoise

    clean = dict(C.eval_pictures())["flower"][64:192, 64:192]
    noisy = cn.camera_noise(clean, level, seed=7, jpeg_quality=85)
    ref = cn.reference(clean)
    cam = psnr(ref, denoise(api.load("image-denoiser-camera"), noisy, camera=True)[0])
    gauss = psnr(ref, denoise(api.load("image-denoiser-gray"), noisy, camera=True)[0])
    assert cam > gauss, (cam, gauss)
