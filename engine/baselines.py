"""What a user would pick instead of a network: the classical methods every benchmark measures against."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def median_filter(images: np.ndarray, size: int = 3) -> np.ndarray:
    """Median filter each image of a batch (N, H, W) independently (edges: nearest pixel repeated)."""
    images = np.asarray(images, dtype=np.float32)
    return np.stack([ndimage.median_filter(im, size=size, mode="nearest") for im in images])


def nearest_template(images: np.ndarray, templates: np.ndarray) -> np.ndarray:
    """Replace each image by the template closest in squared distance: template matching, the maximum-likelihood
    decoder when the clean image is known to be one of the templates and the noise is i.i.d. Gaussian."""
    x = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    t = np.asarray(templates, dtype=np.float32).reshape(len(templates), -1)
    # ||x - t||^2 = ||x||^2 - 2 x.t + ||t||^2; the first term does not change the argmin.
    idx = (-2 * x @ t.T + (t * t).sum(1)[None]).argmin(1)
    return np.asarray(templates)[idx]


def threshold(images: np.ndarray, level: float = 0.5) -> np.ndarray:
    """Do nothing clever: binarise the noisy input. The floor every method must beat."""
    return (np.asarray(images) > level).astype(np.float32)


def despeckle(images: np.ndarray, level: float = 0.5) -> np.ndarray:
    """Classical clean-up of binary images: binarise, then flip every pixel that none of its 8 neighbours agrees
    with (an isolated ink dot is removed, a one-pixel hole is filled). Unlike a median filter it keeps 1-pixel
    strokes, so it is the fair classical baseline for thin glyphs."""
    ink = np.asarray(images) > level
    kernel = np.ones((1, 3, 3))
    kernel[0, 1, 1] = 0
    # Pixels outside the image count as background, so a dot on the border is still isolated.
    ink_neighbours = ndimage.convolve(ink.astype(np.float32), kernel, mode="constant", cval=0.0)
    lonely_ink = ink & (ink_neighbours == 0)
    hole = ~ink & (ink_neighbours == 8)
    return (ink ^ lonely_ink ^ hole).astype(np.float32)


# --- natural-image denoisers (the images lab): what a photographer would reach for ------------------------------
# Each takes a float picture on 0-1, gray (H, W) or RGB (H, W, 3), and the noise std on the same scale (None:
# estimated by wavelet MAD, as the network does when no level is given).

def _sigma(img: np.ndarray, sigma: float | None) -> float:
    from skimage.restoration import estimate_sigma

    if sigma is not None:
        return float(sigma)
    return float(estimate_sigma(img, channel_axis=-1 if img.ndim == 3 else None, average_sigmas=True))


def nl_means(img: np.ndarray, sigma: float | None = None) -> np.ndarray:
    """scikit-image's fast non-local means with its documented settings (5x5 patches, 13x13 search, h = 0.8 sigma)."""
    from skimage.restoration import denoise_nl_means

    s = _sigma(img, sigma)
    return denoise_nl_means(img, h=0.8 * s, sigma=s, patch_size=5, patch_distance=6, fast_mode=True,
                            channel_axis=-1 if img.ndim == 3 else None).astype(np.float32)


def tv(img: np.ndarray, sigma: float | None = None) -> np.ndarray:
    """Total-variation (Chambolle) with its weight tied to the noise level."""
    from skimage.restoration import denoise_tv_chambolle

    s = _sigma(img, sigma)
    return denoise_tv_chambolle(img, weight=0.9 * s, channel_axis=-1 if img.ndim == 3 else None).astype(np.float32)


def wavelet(img: np.ndarray, sigma: float | None = None) -> np.ndarray:
    """BayesShrink wavelet thresholding (colour in YCbCr), scikit-image's recommended settings."""
    from skimage.restoration import denoise_wavelet

    s = _sigma(img, sigma)
    rgb = img.ndim == 3
    return denoise_wavelet(img, sigma=s, method="BayesShrink", mode="soft", rescale_sigma=True,
                           channel_axis=-1 if rgb else None, convert2ycbcr=rgb).astype(np.float32)


def bm3d_available() -> bool:
    """BM3D is optional: its package wraps a closed-source library under a non-commercial licence."""
    import importlib.util

    return importlib.util.find_spec("bm3d") is not None


def bm3d(img: np.ndarray, sigma: float | None = None) -> np.ndarray:
    if not bm3d_available():
        raise ValueError("BM3D is not installed (optional: `pip install bm3d`, non-commercial licence).")
    import bm3d as _bm3d

    s = _sigma(img, sigma)
    if img.ndim == 3:
        return np.asarray(_bm3d.bm3d_rgb(img, s), np.float32)
    return np.asarray(_bm3d.bm3d(img, s), np.float32)


IMAGE_BASELINES = {"NL-means": nl_means, "TV": tv, "wavelet": wavelet, "BM3D": bm3d}
