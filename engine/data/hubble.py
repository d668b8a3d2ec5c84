"""Real galaxies cut out of the Hubble Deep Field that scikit-image ships (`skimage.data.hubble_deep_field()`).

Never trained on: the galaxies page offers them as "real galaxies" to encode and interpolate, and the VAEs' eval
reports how well they reconstruct (`recon_psnr_real`). The extraction, all deterministic:
1. background: per-channel median, subtracted; noise: 1.4826 × the median absolute deviation of the sum image;
2. detection: the sum image smoothed (Gaussian σ 1.5 px) above 5 × noise, holes filled, labelled (8-connected);
3. keep sources whose area is at least `MIN_AREA` px and that do not touch the border; drop stars (light along
   all four diagonal diffraction spikes, `_spikiness`);
4. a square around each source's flux-weighted centre, side 2.2 × the source's extent (≥ 24 px), scaled to the
   model size and stretched like the renders (asinh, softening 5 × the sky noise, white at the 99.5th percentile
   of the sources' pixels; the field is already an 8-bit display image, so this only approximates the renders).
`prepare(image, size)` does step 4 for any uploaded picture (gray or colour, any size): crop to the central square
around the brightest smooth blob, scale, stretch.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

MIN_AREA, MAX_SOURCES = 60, 60
SPIKE_MIN = 1.3  # stars: light along the four diagonal diffraction spikes / light 17° either side, for all four
SPIKE_ANGLES = np.deg2rad([45, 135, 225, 315])  # where WFPC2's spikes point in this field (measured on its stars)


def _to_float_rgb(img) -> np.ndarray:
    """Any picture (PIL, array; gray, RGB, RGBA; uint8 or float) -> float32 (H, W, 3) in [0, 1]."""
    a = np.asarray(img)
    if a.ndim == 2:
        a = np.stack([a] * 3, axis=-1)
    if a.ndim != 3 or a.shape[-1] not in (1, 3, 4) or min(a.shape[:2]) < 8:
        raise ValueError(f"Expected a gray or colour picture of at least 8×8 pixels, got an array of shape "
                         f"{a.shape}.")
    if a.shape[-1] == 1:
        a = np.repeat(a, 3, axis=-1)
    a = a[..., :3]
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255
    a = a.astype(np.float32)
    return a / 255 if a.max() > 1.5 else np.clip(a, 0, 1)


def _resize(crop: np.ndarray, size: int) -> np.ndarray:
    from skimage.transform import resize

    return resize(crop, (size, size, 3), order=1, anti_aliasing=True, preserve_range=True).astype(np.float32)


def _stretch(crop: np.ndarray, white: float, soft: float) -> np.ndarray:
    """Background-subtracted linear values -> [0, 1] with the renders' asinh stretch."""
    return np.clip(np.arcsinh(np.clip(crop, 0, None) / soft) / np.arcsinh(white / soft), 0, 1)


def _cut(field: np.ndarray, cy: float, cx: float, side: int, size: int) -> np.ndarray:
    half = side / 2
    y0, x0 = round(cy - half), round(cx - half)
    pad = side
    padded = np.pad(field, ((pad, pad), (pad, pad), (0, 0)))
    crop = padded[y0 + pad:y0 + pad + side, x0 + pad:x0 + pad + side]
    return _resize(crop, size)


@lru_cache(maxsize=4)
def cutouts(size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """The resolved Hubble Deep Field galaxies: (images float32 (N, 3, size, size) in [0, 1], boxes (N, 4) as
    (row, col, side, area) in the field's pixels), largest first."""
    from scipy import ndimage
    from skimage.data import hubble_deep_field

    field = hubble_deep_field().astype(np.float32) / 255
    field = field - np.median(field, axis=(0, 1))
    total = field.sum(-1)
    noise = 1.4826 * np.median(np.abs(total - np.median(total)))
    mask = ndimage.binary_fill_holes(ndimage.gaussian_filter(total, 1.5) > 5 * noise)
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    idx = np.arange(1, n + 1)
    area = ndimage.sum_labels(np.ones_like(total), labels, idx)
    objs = ndimage.find_objects(labels)
    flux = np.clip(total, 0, None)
    keep = []
    for i, sl in zip(idx, objs):
        a = area[i - 1]
        if a < MIN_AREA or sl[0].start == 0 or sl[1].start == 0 or sl[0].stop == total.shape[0] \
                or sl[1].stop == total.shape[1]:
            continue
        own = np.where(labels[sl] == i, flux[sl], 0)
        cy, cx = ndimage.center_of_mass(own)
        cy, cx = sl[0].start + cy, sl[1].start + cx
        if _spikiness(flux, cy, cx) > SPIKE_MIN:
            continue  # a foreground star with diffraction spikes
        extent = max(sl[0].stop - sl[0].start, sl[1].stop - sl[1].start)
        keep.append((a, cy, cx, max(24, int(2.2 * extent))))
    keep.sort(key=lambda k: -k[0])
    keep = keep[:MAX_SOURCES]
    # Per channel: the sky noise sets the softening (5 σ, as in the renders), the brightest cores reach ≈ 1.
    soft = 5 * 1.4826 * float(np.median(np.abs(field - np.median(field))))
    white = float(np.percentile(np.clip(field, 0, None).max(-1)[mask], 99.5))
    imgs = np.stack([_stretch(_cut(field, cy, cx, side, size), white, soft) for _, cy, cx, side in keep])
    boxes = np.array([(cy, cx, side, a) for a, cy, cx, side in keep], dtype=np.float32)
    return np.moveaxis(imgs, -1, 1).astype(np.float32), boxes


def prepare(image, size: int = 64) -> np.ndarray:
    """Any uploaded galaxy picture -> (3, size, size) float32 in [0, 1], cropped and scaled like the cutouts:
    the background (median) is subtracted, the square around the flux-weighted centre of the brightest smoothed
    region is cut (side 2.2 × its extent, at most the whole picture) and stretched."""
    from scipy import ndimage

    rgb = _to_float_rgb(image)
    field = rgb - np.median(rgb, axis=(0, 1))
    total = np.clip(field.sum(-1), 0, None)
    if total.max() <= 0:
        raise ValueError("The picture is flat (no source brighter than its background): upload a galaxy image.")
    sm = ndimage.gaussian_filter(total, max(1.0, min(total.shape) / 64))
    mask = sm > 0.2 * sm.max()
    labels, _ = ndimage.label(mask)
    lab = labels[np.unravel_index(np.argmax(sm), sm.shape)]
    sl = ndimage.find_objects((labels == lab).astype(int))[0]
    cy, cx = ndimage.center_of_mass(np.where(labels == lab, total, 0))
    extent = max(sl[0].stop - sl[0].start, sl[1].stop - sl[1].start)
    side = int(min(max(2.2 * extent, 16), max(total.shape)))
    white = max(float(np.percentile(field.max(-1)[labels == lab], 99)), 1e-6)
    soft = max(5 * 1.4826 * float(np.median(np.abs(field - np.median(field)))), white / 50)
    return np.moveaxis(_stretch(_cut(field, cy, cx, side, size), white, soft), -1, 0).astype(np.float32)


def _spikiness(flux: np.ndarray, cy: float, cx: float) -> float:
    """The smallest, over the four spike directions, of (mean light 10-23 px out along the spike) / (the same
    17° to either side): a round or elongated galaxy gives ≤ 1.15 here, the field's two bright stars 1.5-1.65."""
    from scipy import ndimage

    r = np.arange(10, 24)

    def along(a: np.ndarray) -> np.ndarray:
        ys, xs = cy + np.sin(a)[:, None] * r, cx + np.cos(a)[:, None] * r
        return ndimage.map_coordinates(flux, [ys.ravel(), xs.ravel()], order=1).reshape(len(a), -1).mean(1)

    off = (along(SPIKE_ANGLES + 0.3) + along(SPIKE_ANGLES - 0.3)) / 2
    return float(np.min(along(SPIKE_ANGLES) / np.maximum(off, 1e-3)))
