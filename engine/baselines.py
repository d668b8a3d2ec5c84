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
