"""Colour pictures for the colourisation lab, all offline, in CIELAB (scikit-image's `rgb2lab`, D65).

CIFAR-10 cannot be downloaded here, so training uses the colour photos that installed packages ship: scikit-image's
rocket, motorcycle stereo pair, immunohistochemistry, retina and Hubble Deep Field, scikit-learn's two sample
photos (china, flower) and matplotlib's grace_hopper, plus rendered galaxies (engine.data.galaxies).
`astronaut`, `coffee` and `chelsea` are held out: never trained on, they are what the lab is measured on.

Lightness L is in 0-100, chroma (a, b) roughly in -100..100. `lab_to_rgb` keeps L exactly: a colour outside the sRGB
gamut has its chroma shrunk (towards the gray of the same L) until it fits, instead of being clipped per channel,
which would change its lightness.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np

HELD_OUT = ("astronaut", "coffee", "chelsea")
SKIMAGE_TRAIN = ("rocket", "stereo_motorcycle", "immunohistochemistry", "retina", "hubble_deep_field")
SKLEARN_TRAIN = ("china.jpg", "flower.jpg")
MATPLOTLIB_TRAIN = ("grace_hopper.jpg",)
EVAL_SIDE = 256  # held-out photos are measured at this longest side (the page works at any size)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) sRGB on 0-1 -> (H, W, 3) L*a*b* (float32)."""
    from skimage.color import rgb2lab

    return rgb2lab(np.clip(np.asarray(rgb, np.float64), 0, 1)).astype(np.float32)


def lightness(rgb_or_gray: np.ndarray) -> np.ndarray:
    """L* of a colour picture (H, W, 3) or of a gray one (H, W), gray values read as sRGB grays; 0-1 input."""
    a = np.asarray(rgb_or_gray, np.float64)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, -1)
    return rgb_to_lab(a)[..., 0]


_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65, the white point of skimage's rgb2lab
_XYZ_FROM_RGB = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
                          [0.019334, 0.119193, 0.950227]])  # skimage.color's sRGB -> XYZ matrix
_RGB_FROM_XYZ = np.linalg.inv(_XYZ_FROM_RGB)


def _lab_to_linear(lab: np.ndarray) -> np.ndarray:
    """L*a*b* -> linear sRGB, unclipped (skimage's lab2xyz clips negative Z, which would hide gamut errors)."""
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], -1)
    xyz = np.where(f > 6 / 29, f ** 3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * _WHITE
    return xyz @ _RGB_FROM_XYZ.T


def _in_gamut(lab: np.ndarray) -> np.ndarray:
    lin = _lab_to_linear(lab)
    return ((lin >= -1e-7) & (lin <= 1 + 1e-7)).all(-1)


def lab_to_rgb(lab: np.ndarray, steps: int = 14) -> np.ndarray:
    """(H, W, 3) L*a*b* -> sRGB on 0-1 with L* kept: out-of-gamut pixels get their chroma scaled down by bisection
    until their linear RGB lies in [0, 1] (a zero-chroma gray of any L in 0-100 always does)."""
    lab = np.asarray(lab, np.float64)
    ok = _in_gamut(lab)
    lo, hi = np.where(ok, 1.0, 0.0), np.ones(lab.shape[:-1])
    for _ in range(steps):  # the largest chroma factor that stays in gamut, to 2^-steps
        mid = np.where(ok, 1.0, (lo + hi) / 2)
        fits = _in_gamut(np.concatenate([lab[..., :1], lab[..., 1:] * mid[..., None]], -1))
        lo, hi = np.where(fits, mid, lo), np.where(fits, hi, mid)
    lin = np.clip(_lab_to_linear(np.concatenate([lab[..., :1], lab[..., 1:] * lo[..., None]], -1)), 0, 1)
    srgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.power(lin, 1 / 2.4) - 0.055)
    return np.clip(srgb, 0, 1).astype(np.float32)


def _to_rgb01(img: np.ndarray) -> np.ndarray:
    a = np.asarray(img)
    a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    if a.ndim == 3 and a.shape[-1] == 4:
        a = a[..., :3]
    return np.clip(a, 0, 1)


def resize_max(rgb: np.ndarray, side: int) -> np.ndarray:
    """Shrink (never enlarge) so the longest side is at most `side` (Pillow's Lanczos)."""
    from PIL import Image

    h, w = rgb.shape[:2]
    s = side / max(h, w)
    if s >= 1:
        return rgb
    im = Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8))
    return np.asarray(im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.LANCZOS), np.float32) / 255.0


@lru_cache(maxsize=1)
def training_photos() -> tuple[tuple[str, np.ndarray], ...]:
    """(name, RGB 0-1) of every training photo; never a held-out one."""
    import os

    import matplotlib
    import skimage.data as sd
    from PIL import Image
    from sklearn.datasets import load_sample_images

    out = []
    for name in SKIMAGE_TRAIN:
        img = getattr(sd, name)()
        if name == "stereo_motorcycle":  # (left, right, disparity)
            out += [("stereo_motorcycle_left", img[0]), ("stereo_motorcycle_right", img[1])]
        else:
            out.append((name, img))
    samples = load_sample_images()
    for fn, img in zip(samples.filenames, samples.images):
        if os.path.basename(fn) in SKLEARN_TRAIN:
            out.append((os.path.basename(fn), img))
    for fn in MATPLOTLIB_TRAIN:
        out.append((fn, np.asarray(Image.open(os.path.join(matplotlib.get_data_path(), "sample_data", fn)))))
    assert not {n for n, _ in out} & set(HELD_OUT)
    return tuple((n, _to_rgb01(a)) for n, a in out)


def held_out_photos(side: int = EVAL_SIDE) -> list[tuple[str, np.ndarray]]:
    """The held-out photos (astronaut, coffee, chelsea), RGB 0-1, longest side `side`."""
    import skimage.data as sd

    return [(n, resize_max(_to_rgb01(getattr(sd, n)()), side)) for n in HELD_OUT]


def galaxy_rgb(n: int, seed: int, held_out: bool = False) -> np.ndarray:
    """(n, 64, 64, 3) rendered galaxies, RGB 0-1 (held-out seeds when `held_out`)."""
    from engine.data import galaxies

    x = (galaxies.held_out if held_out else galaxies.render)(n, seed)[0]
    return np.moveaxis(x, 1, -1)


def fingerprint() -> str:
    from engine.data import galaxies

    h = hashlib.sha256()
    for name, a in training_photos():
        h.update(name.encode()), h.update(np.ascontiguousarray(a[::16, ::16]).tobytes())
    return f"colour-photos:{h.hexdigest()[:16]}+{galaxies.fingerprint()}"
