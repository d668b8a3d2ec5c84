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


def test_the_page_default_for_camera_photos_is_the_better_one_on_an_independent_camera_family():
    """Why camera photos go to the Gaussian model with the camera estimate (api.denoiser_for): on camera-like noise
    written apart from the training simulator (engine/data/camera_noise_alt.py), mean over the five held-out
    pictures at mid strength (noise seeds other than bench's), it beats the camera-trained model. Picture by
    picture it does not always (a 128x128 crop of the flower favours the camera model by 0.4 dB), hence the mean.
    If a retrained camera model wins here, route camera photos to it."""
    import numpy as np

    from engine.data.camera_noise_alt import alt_camera_noise
    from engine.metrics import psnr

    scores = {"noisy": [], "camera": [], "camera-net": []}
    for i, (_, clean) in enumerate(C.eval_pictures()):
        noisy = alt_camera_noise(clean, "mid", 200 + i)
        scores["noisy"].append(psnr(clean, noisy))
        for kind in ("camera", "camera-net"):
            scores[kind].append(psnr(clean, api.denoise_picture(noisy, kind=kind).pixels))
    mean = {k: float(np.mean(v)) for k, v in scores.items()}
    assert mean["camera"] > mean["camera-net"] + 0.3, mean
    assert mean["camera"] > mean["noisy"] + 1.0, mean
