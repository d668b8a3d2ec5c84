"""Galaxy morphology statistics for a batch of images, in numpy — the numbers astronomers compare populations with.

`measure(images)` takes (N, 3, H, W) RGB or (N, H, W) brightness in [0, 1] and returns a dict of (N,) arrays:
- `gini`: Gini coefficient of the galaxy's pixel values (Lotz et al. 2004): 0 when all pixels are equal, 1 when
  one pixel holds all the light.
- `m20`: log10 of the second moment of the brightest pixels holding 20 % of the light over the total second
  moment (about the centroid): about -2.5 for a smooth concentrated galaxy, up to -1 for clumpy ones.
- `concentration`: 5 log10(r80 / r20) of the curve of growth about the centroid (exponential disk ≈ 2.7,
  de Vaucouleurs ≈ 5.2 without a PSF).
- `asymmetry`: Σ|I - I_180| / (2 Σ|I|) with I_180 the image turned by 180° about its centroid (no noise term).
- `ellipticity`: 1 - b/a from the flux-weighted second moments; `size`: sqrt(λ1 + λ2), their RMS radius in px.
- `r50`: half-light radius in px.
- `a2`: amplitude of the m = 2 Fourier mode of the light between 0.5 and 2 r50, |Σ I e^{2iφ}| / Σ I: bars, two-arm
  spirals and inclination all raise it.
- `colour`: 2.5 log10(R / B) of the galaxy's light (RGB images only; larger is redder).

Images are display images from the renderer (asinh-stretched); `linear=True` (default) inverts that stretch so the
statistics are measured on flux, as astronomers do. Sky: with `sky=True` (renders, cutouts) a background level
and noise σ are taken from a 4-pixel frame around the image (median and 1.4826 × MAD); pixels less than 2σ above
the background count as sky, and of the rest only the connected region holding the brightest pixel of the
central quarter is the galaxy (foreground stars apart from it drop out); everything else gets weight zero. The
galaxy's region (Gini, M20, asymmetry) is the disk of radius max(1.5 r80, 2 px) around the centroid. Analytic
test images use `sky=False, linear=False`.

`compare(stats_a, stats_ref)`: per statistic, the Wasserstein-1 distance between the two sets divided by the
statistic's standard deviation in the reference set — 0 for identical populations, ~1 for a shift by one spread.
"""

from __future__ import annotations

import numpy as np

STATS = ("gini", "m20", "concentration", "asymmetry", "ellipticity", "size", "r50", "a2", "colour")
FRAME = 4  # border width (px) used to estimate the sky


def _brightness(images: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 4 and x.shape[1] == 3:
        return x.mean(1), x
    if x.ndim == 3:
        return x, None
    raise ValueError(f"Expected images (N, 3, H, W) or (N, H, W), got shape {x.shape}.")


def _growth_radius(d: np.ndarray, w: np.ndarray, fracs: tuple[float, ...]) -> list[np.ndarray]:
    """Radii (N,) enclosing each fraction of the total weight, interpolated along the sorted distances."""
    order = np.argsort(d, axis=1)
    ds, ws = np.take_along_axis(d, order, 1), np.take_along_axis(w, order, 1)
    cum = np.cumsum(ws, axis=1)
    tot = np.maximum(cum[:, -1:], 1e-12)
    out = []
    for f in fracs:
        k = np.argmax(cum >= f * tot, axis=1)  # first pixel at which the enclosed share reaches f
        c_hi = cum[np.arange(len(d)), k]
        c_lo = np.where(k > 0, cum[np.arange(len(d)), np.maximum(k - 1, 0)], 0.0)
        r_hi = ds[np.arange(len(d)), k]
        r_lo = np.where(k > 0, ds[np.arange(len(d)), np.maximum(k - 1, 0)], 0.0)
        t = np.clip((f * tot[:, 0] - c_lo) / np.maximum(c_hi - c_lo, 1e-12), 0, 1)
        # A pixel's light sits within half a pixel of its centre: interpolate between ring radii.
        out.append(np.maximum(r_lo + t * (r_hi - r_lo), 0.5 * np.sqrt(f)))
    return out


def _central_source(mask: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Of each image's above-sky pixels, only the connected region holding the brightest pixel of the central
    quarter (the galaxy): foreground stars and neighbours elsewhere in the frame drop out. One `ndimage.label`
    call over the whole batch, with a structure that does not connect neighbouring images."""
    from scipy import ndimage

    n, h, w = mask.shape
    lab, _ = ndimage.label(mask, structure=np.array([np.zeros((3, 3)), np.ones((3, 3)), np.zeros((3, 3))]))
    cy, cx = slice(h // 4, h - h // 4), slice(w // 4, w - w // 4)
    centre = f[:, cy, cx].reshape(n, -1).argmax(1)
    iy, ix = np.unravel_index(centre, (h - 2 * (h // 4), w - 2 * (w // 4)))
    chosen = lab[np.arange(n), iy + h // 4, ix + w // 4]
    return (lab == chosen[:, None, None]) & (chosen[:, None, None] > 0)


def _rotate180(w: np.ndarray, cy: np.ndarray, cx: np.ndarray) -> np.ndarray:
    """Each image turned by 180° about its centroid rounded to the nearest half pixel (an exact pixel mapping,
    y -> 2 cy - y, with no interpolation to blur a cusp); pixels coming from outside the frame are 0."""
    n, h, wd = w.shape
    ty, tx = np.round(2 * cy).astype(int), np.round(2 * cx).astype(int)
    ys = ty[:, None] - np.arange(h)[None, :]
    xs = tx[:, None] - np.arange(wd)[None, :]
    oky, okx = (ys >= 0) & (ys < h), (xs >= 0) & (xs < wd)
    out = w[np.arange(n)[:, None, None], np.clip(ys, 0, h - 1)[:, :, None], np.clip(xs, 0, wd - 1)[:, None, :]]
    return out * (oky[:, :, None] & okx[:, None, :])


def unstretch(images: np.ndarray) -> np.ndarray:
    """Undo the renderer's asinh stretch (`engine.data.galaxies`): display values in [0, 1] -> linear flux."""
    from engine.data.galaxies import SOFT, WHITE

    return SOFT * np.sinh(np.asarray(images, np.float64) * np.arcsinh(WHITE / SOFT))


def measure(images: np.ndarray, sky: bool = True, linear: bool = True) -> dict[str, np.ndarray]:
    """The statistics in `STATS` for each image; see the module docstring. `linear`: measure on the flux
    (`unstretch` first: concentration and Gini mean what they mean for astronomers only on linear flux);
    False measures the pixel values as given (analytic test images)."""
    f, rgb = _brightness(unstretch(images) if linear else images)
    n, h, wd = f.shape
    if h < 3 * FRAME or wd < 3 * FRAME:
        raise ValueError(f"Images must be at least {3 * FRAME} pixels on a side, got {h}×{wd}.")
    if sky:
        border = np.concatenate([f[:, :FRAME].reshape(n, -1), f[:, -FRAME:].reshape(n, -1),
                                 f[:, :, :FRAME].reshape(n, -1), f[:, :, -FRAME:].reshape(n, -1)], 1)
        bg = np.median(border, 1)[:, None, None]
        sig = np.maximum(1.4826 * np.median(np.abs(border - bg[:, :, 0]), 1), 1e-3)[:, None, None]
        keep = _central_source(f - bg > 2 * sig, f)
        w = np.where(keep, f - bg, 0.0)
    else:
        keep, bg = np.ones_like(f, bool), np.zeros((n, 1, 1))
        w = np.clip(f, 0, None)
    tot = np.maximum(w.sum((1, 2)), 1e-12)
    yy, xx = np.mgrid[0:h, 0:wd].astype(np.float64)
    cy, cx = (w * yy).sum((1, 2)) / tot, (w * xx).sum((1, 2)) / tot
    dy, dx = yy[None] - cy[:, None, None], xx[None] - cx[:, None, None]
    d2 = dy ** 2 + dx ** 2
    d = np.sqrt(d2)
    r20, r50, r80 = _growth_radius(d.reshape(n, -1), w.reshape(n, -1), (0.2, 0.5, 0.8))
    region = d <= np.maximum(1.5 * r80, 2.0)[:, None, None]

    # Gini over the region's pixels (|I|, sorted ascending; outside pixels are NaN and sort last).
    vals = np.sort(np.where(region, np.abs(w), np.nan).reshape(n, -1), axis=1)
    m = region.reshape(n, -1).sum(1)
    i = np.arange(1, vals.shape[1] + 1)[None, :]
    valid = i <= m[:, None]
    v = np.where(valid, vals, 0.0)
    gini = ((2 * i - m[:, None] - 1) * v).sum(1) / np.maximum(v.sum(1) * (m - 1), 1e-12)

    # M20: the brightest pixels holding 20 % of the region's light, their second moment over the total.
    wr = np.where(region, w, 0.0).reshape(n, -1)
    mom = wr * d2.reshape(n, -1)
    order = np.argsort(-wr, axis=1)
    ws, ms = np.take_along_axis(wr, order, 1), np.take_along_axis(mom, order, 1)
    cum = np.cumsum(ws, 1)
    bright = (cum - ws) < 0.2 * cum[:, -1:]  # pixels until (and including the one that crosses) 20 %
    m20 = np.log10(np.maximum((ms * bright).sum(1), 1e-12) / np.maximum(mom.sum(1), 1e-12))

    rot = _rotate180(w, cy, cx)
    asym = (np.abs(w - rot) * region).sum((1, 2)) / np.maximum(2 * (np.abs(w) * region).sum((1, 2)), 1e-12)

    qxx, qyy, qxy = ((w * dx * dx).sum((1, 2)) / tot, (w * dy * dy).sum((1, 2)) / tot,
                     (w * dx * dy).sum((1, 2)) / tot)
    half_tr, det_term = (qxx + qyy) / 2, np.sqrt(((qxx - qyy) / 2) ** 2 + qxy ** 2)
    l1, l2 = half_tr + det_term, np.maximum(half_tr - det_term, 0)
    ell = 1 - np.sqrt(l2 / np.maximum(l1, 1e-12))

    ann = (d >= 0.5 * r50[:, None, None]) & (d <= 2 * r50[:, None, None])
    phi = np.arctan2(dy, dx)
    wa = w * ann
    a2 = np.abs((wa * np.exp(2j * phi)).sum((1, 2))) / np.maximum(wa.sum((1, 2)), 1e-12)

    out = {"gini": gini, "m20": m20, "concentration": 5 * np.log10(r80 / r20), "asymmetry": asym,
           "ellipticity": ell, "size": np.sqrt(l1 + l2), "r50": r50, "a2": a2}
    if rgb is not None:
        sel = (keep & region)[:, None]
        chan = np.where(sel, rgb - np.median(rgb[:, :, :FRAME].reshape(n, 3, -1), 2)[:, :, None, None]
                        if sky else rgb, 0).clip(0).sum((2, 3))
        out["colour"] = 2.5 * np.log10(np.maximum(chan[:, 0], 1e-6) / np.maximum(chan[:, 2], 1e-6))
    return out


def compare(stats: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> dict[str, float]:
    """Per statistic: Wasserstein-1 distance between the two sets / the statistic's spread in `reference`."""
    from scipy.stats import wasserstein_distance

    out = {}
    for k, ref in reference.items():
        if k not in stats:
            continue
        a, b = np.asarray(stats[k], float), np.asarray(ref, float)
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        if len(a) == 0 or len(b) == 0:
            raise ValueError(f"No finite values of {k!r} to compare.")
        out[k] = float(wasserstein_distance(a, b) / max(b.std(), 1e-12))
    return out


def mean_w1(stats: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> float:
    """The mean over statistics of `compare`: one number for how far a population is from the reference."""
    return float(np.mean(list(compare(stats, reference).values())))
