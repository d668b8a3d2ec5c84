"""The shipped camera-noise denoiser against its bar, on a held-out picture and noise the card never used."""

import pytest

from engine import api
from engine.experiments import images_camera as C


@pytest.mark.parametrize("level", ["iso800", "iso3200", "iso12800"])
def test_camera_model_beats_the_gaussian_model_on_held_out_camera_noise(level):
    """The five held-out pictures with noise the card never used (seed 7 + i), mean PSNR: the camera model against
    the Gaussian one given the same camera estimate. A mean, not one crop: picture by picture the breadth-trained
    model can lose (the flower by 0.2-0.5 dB, a 128x128 crop of it by 0.4-0.5; docs/images.md)."""
    import numpy as np

    from engine.data import camera_noise as cn
    from engine.metrics import psnr
    from engine.tiling import denoise

    cam, gauss = [], []
    for i, (_, clean) in enumerate(C.eval_pictures()):
        noisy, ref = cn.camera_noise(clean, level, seed=7 + i, jpeg_quality=85), cn.reference(clean)
        cam.append(psnr(ref, denoise(api.load("image-denoiser-camera"), noisy, camera=True)[0]))
        gauss.append(psnr(ref, denoise(api.load("image-denoiser-gray"), noisy, camera=True)[0]))
    assert np.mean(cam) > np.mean(gauss), (cam, gauss)


@pytest.mark.parametrize("family", ["gamma", "phone ISP"])
def test_camera_model_beats_the_gaussian_model_on_camera_noise_written_apart_from_its_simulator(family):
    """On the two camera-noise families of engine/data/camera_noise_alt.py (other noise seeds than bench's), mean
    over the five held-out pictures at mid strength: the camera model (the page's choice for camera photos) is
    at most 0.2 dB behind the Gaussian one given the same camera estimate on the first and clearly ahead on the
    second, and well above the noisy picture. Before its breadth sitting it lost the first by 0.9 dB
    (docs/images.md)."""
    import numpy as np

    from engine.data import camera_noise_alt as alt
    from engine.metrics import psnr
    from engine.tiling import denoise

    make = {"gamma": lambda c, k: (alt.alt_camera_noise(c, "mid", k), c),
            "phone ISP": lambda c, k: alt.phone_isp_noise(c, "mid", k)}[family]
    scores = {"noisy": [], "camera": [], "gaussian": []}
    for i, (_, clean) in enumerate(C.eval_pictures()):
        noisy, ref = make(clean, 200 + i)
        scores["noisy"].append(psnr(ref, noisy))
        scores["camera"].append(psnr(ref, denoise(api.load("image-denoiser-camera"), noisy, camera=True)[0]))
        scores["gaussian"].append(psnr(ref, denoise(api.load("image-denoiser-gray"), noisy, camera=True)[0]))
    mean = {k: float(np.mean(v)) for k, v in scores.items()}
    # Measured: gamma family level with the narrow Gaussian model it started from (-0.04 to +0.13 dB, bench seeds)
    # and 0.17 dB behind the wide image-denoiser-gray (these seeds; bench: +0.03 / -0.18 / -0.26 low to high);
    # phone ISP +0.8 dB over either.
    assert mean["camera"] > mean["gaussian"] + {"gamma": -0.2, "phone ISP": 0.5}[family], mean
    assert mean["camera"] > mean["noisy"] + 1.0, mean
