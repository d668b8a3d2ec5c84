"""Procedural galaxies in three classes — barred spiral (0), elliptical (1), spiral (2) — rendered in numpy.

`render(n, seed, size=64, classes=None)` returns `(images, labels)`: float32 (N, 3, H, W) in [0, 1] (channels
R, G, B standing for the i, r, g bands) and int64 (N,). Everything is vectorised over the batch (no Python loop
over galaxies, knots or stars), seeded (`numpy.random.default_rng(seed)`) and deterministic. Lengths are drawn as
fractions of the image side, so `size=128` draws the same galaxies at twice the resolution.

How a galaxy is built (all in the galaxy's own plane, then inclined and turned by the position angle):
- Sérsic bulge  I ∝ exp(-b_n ((r/R_e)^(1/n) - 1)), b_n ≈ 2n - 1/3 + 4/(405 n); ellipticals are only this.
- exponential disk  I ∝ exp(-r/h).
- logarithmic spiral arms: m arms along θ = φ0 + 2πk/m + ln(r/r0)/tan(pitch); the disk is multiplied by
  1 + A·((1 + cos m(θ - θ_arm(r)))/2)^s, s setting the arm width, switched on beyond r0 (where they start) and
  faded beyond r0·e^(winding·tan(pitch)), i.e. each arm turns through `winding` radians before fading.
- bar (barred spirals): a Ferrers profile (1 - m²)² for m² = (x/a)² + (y/b)² < 1, with its ends at the arms'
  starting points (r0 = a, φ0 = the bar angle): the arms grow out of the bar's tips, as in SBb/SBc galaxies.
- star-forming knots: point sources along the arms (radius uniform over the inner 80 % of the arm, ±0.08 rad
  jitter off the ridge); the PSF gives them their shape.
- colour by component (R, G, B weights): bulge and bar red (1, .72, .45), disk neutral-yellow (.9, .8, .65),
  arms blue (.6, .75, 1), knots bluer (.45, .65, 1); each galaxy's colours get a ±8 % multiplicative jitter.
- inclination (thin disk: axis ratio q = cos i) and position angle; bulges are rounder (q_b = 1 - 0.4 (1 - q)).
- Moffat PSF, β = 3, FWHM per image, applied with an FFT over the whole batch.
- sky and Poisson-like noise: σ² = sky + flux/gain, Gaussian; then 0-3 foreground stars (point sources, PSF).
- asinh stretch: RGB = asinh(I/soft) / asinh(white/soft), clipped to [0, 1].

Parameter distributions (U = uniform, logU = log-uniform; lengths in units of the image side S):
  centre offset          U(-0.02, 0.02) S in x and y
  position angle         U(0, π)
  disks: cos i           U(0.35, 1)         (edge-on disks hide arms and bars; no class is defined there)
  ellipticals: q         U(0.5, 1)          (E0-E5)
  total flux             logU(40, 100) in units of the sky σ × 250 (σ = 0.004 per pixel at 64²)
  elliptical: n          U(2.5, 6);  R_e logU(0.06, 0.14) S
  spiral bulge: n        U(1, 3);    R_e logU(0.025, 0.05) S; bulge/total U(0.1, 0.35) (barred U(0.15, 0.35))
  disk scale length h    logU(0.08, 0.13) S
  arms: m                spirals {2: .4, 3: .3, 4: .3}; barred {2: .8, 4: .2}
  pitch angle            U(12°, 30°); winding U(2.5, 4.5) rad; width exponent s U(2, 5); strength A U(2, 4)
  arm start r0           spirals U(0.7, 1.1) h; barred = bar half-length a = U(0.9, 1.4) h
  bar axis ratio b/a     U(0.22, 0.35); bar/total U(0.15, 0.3); arms hold 35 % of the remaining disk light
  knots                  disk galaxies: U{6..16}, each logU(0.002, 0.008) of the total flux, inner 80 % of the arms
  PSF FWHM               U(1.3, 2.2) px × S/64 (Moffat β = 3)
  stars                  U{0..3} per image, flux logU(0.5, 15), anywhere in the frame
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np
import scipy.fft as sfft

CLASSES = ("barred spiral", "elliptical", "spiral")
BARRED, ELLIPTICAL, SPIRAL = 0, 1, 2
N_KNOTS_MAX, N_STARS_MAX = 16, 3
HELD_OUT_SEED_OFFSET = 1 << 40  # training seeds are < 2**31; held-out sets draw seeds above this

_COLOURS = {  # (R, G, B) weight per component: old red stars in bulge and bar, young blue stars in arms/knots
    "bulge": (1.0, 0.72, 0.45), "disk": (0.9, 0.8, 0.65), "arms": (0.6, 0.75, 1.0), "knots": (0.45, 0.65, 1.0),
}
ARM_SHARE = 0.35  # share of a disk galaxy's disk light that lies in its arms
SKY_SIGMA = 0.004  # per-pixel sky noise (flux units at 64²; a disk of flux 60 peaks near 0.25)
GAIN = 5000.0  # Poisson-like term: extra variance flux/GAIN per pixel
SOFT, WHITE = 0.02, 1.0  # asinh softening (5 sky σ: faint light stays near linear) and the flux that maps to 1


def _logu(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(lo), np.log(hi), n))


def _sersic_b(n: np.ndarray) -> np.ndarray:
    return 2 * n - 1 / 3 + 4 / (405 * n)


def _normalise(img: np.ndarray) -> np.ndarray:
    """Each image (N, H, W) scaled to unit total flux (an all-zero image stays zero)."""
    s = img.sum(axis=(1, 2), keepdims=True)
    return img / np.where(s > 0, s, 1)


def _splat(n: int, size: int, idx: np.ndarray, x: np.ndarray, y: np.ndarray, flux: np.ndarray) -> np.ndarray:
    """Point sources into (n, size, size) with bilinear weights; `idx` is the image of each source."""
    out = np.zeros(n * size * size, dtype=np.float32)
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        xi, yi = x0 + dx, y0 + dy
        ok = (xi >= 0) & (xi < size) & (yi >= 0) & (yi < size)
        np.add.at(out, (idx[ok] * size + yi[ok]) * size + xi[ok], (flux * w)[ok])
    return out.reshape(n, size, size)


def _moffat_otf(fwhm: np.ndarray, size: int, beta: float = 3.0) -> np.ndarray:
    """Fourier transforms (N, size, size//2+1) of unit-sum Moffat PSFs centred on pixel (0, 0)."""
    d = (np.fft.fftfreq(size) * size).astype(np.float32)  # signed pixel offsets, wrapped
    r2 = d[None, :, None] ** 2 + d[None, None, :] ** 2
    alpha = (fwhm / (2 * np.sqrt(2 ** (1 / beta) - 1))).astype(np.float32)
    psf = 1 / (1 + r2 / alpha[:, None, None] ** 2) ** 3 if beta == 3 else (1 + r2 / alpha[:, None, None] ** 2) ** -beta
    return sfft.rfft2(psf / psf.sum(axis=(1, 2), keepdims=True))


def _draw_params(rng: np.random.Generator, labels: np.ndarray, size: int) -> dict[str, np.ndarray]:
    n = len(labels)
    disk = labels != ELLIPTICAL
    barred = labels == BARRED
    p = {
        "cx": rng.uniform(-0.02, 0.02, n) * size + (size - 1) / 2,
        "cy": rng.uniform(-0.02, 0.02, n) * size + (size - 1) / 2,
        "pa": rng.uniform(0, np.pi, n),
        "q": np.where(disk, rng.uniform(0.35, 1, n), rng.uniform(0.5, 1, n)),
        "flux": _logu(rng, 40, 100, n) * (size / 64) ** 2,  # same surface brightness at any size
        "n_sersic": np.where(disk, rng.uniform(1, 3, n), rng.uniform(2.5, 6, n)),
        "re": np.where(disk, _logu(rng, 0.025, 0.05, n), _logu(rng, 0.06, 0.14, n)) * size,
        "bt": np.where(disk, np.where(barred, rng.uniform(0.15, 0.35, n), rng.uniform(0.1, 0.35, n)), 1.0),
        "h": _logu(rng, 0.08, 0.13, n) * size,
        "m": np.where(barred, rng.choice([2, 4], n, p=[0.8, 0.2]), rng.choice([2, 3, 4], n, p=[0.4, 0.3, 0.3])),
        "pitch": np.deg2rad(rng.uniform(12, 30, n)),
        "winding": rng.uniform(2.5, 4.5, n),
        "width": rng.uniform(2, 5, n),
        "arm_amp": rng.uniform(2, 4, n),
        "phi0": rng.uniform(0, 2 * np.pi, n),
        "r0_over_h": np.where(barred, rng.uniform(0.9, 1.4, n), rng.uniform(0.7, 1.1, n)),
        "bar_ba": rng.uniform(0.22, 0.35, n),
        "bar_frac": np.where(barred, rng.uniform(0.15, 0.3, n), 0.0),
        "n_knots": np.where(disk, rng.integers(6, N_KNOTS_MAX + 1, n), 0),
        "fwhm": rng.uniform(1.3, 2.2, n) * size / 64,
        "n_stars": rng.integers(0, N_STARS_MAX + 1, n),
        "colour_jitter": rng.uniform(0.92, 1.08, (n, 4, 3)),
    }
    return p


def render(n: int, seed: int, size: int = 64, classes: np.ndarray | list[int] | None = None,
           return_params: bool = False, noise: bool = True):
    """Render `n` galaxies: (images float32 (N, 3, size, size) in [0, 1], labels int64 (N,)).

    `classes`: the class of each galaxy (length n), or None to draw them uniformly. The same (n, seed, size,
    classes) always gives the same images. `return_params=True` also returns the drawn parameters (a dict).
    `noise=False` leaves out the sky and Poisson-like noise (the last random draw, so the galaxies, knots and stars
    are the same as with noise): what a perfect decoder of the mean image would draw."""
    n, size = int(n), int(size)
    if n < 0 or size < 16:
        raise ValueError(f"render needs n >= 0 and size >= 16 (got n={n}, size={size}).")
    rng = np.random.default_rng(seed)
    if classes is None:
        labels = rng.integers(0, len(CLASSES), n)
    else:
        labels = np.asarray(classes, dtype=np.int64).reshape(-1)
        if len(labels) != n or labels.min(initial=0) < 0 or labels.max(initial=0) >= len(CLASSES):
            raise ValueError(f"classes must hold {n} labels in 0..{len(CLASSES) - 1}.")
    labels = labels.astype(np.int64)
    p = _draw_params(rng, labels, size)
    if n == 0:
        empty = np.zeros((0, 3, size, size), np.float32)
        return (empty, labels, p) if return_params else (empty, labels)
    f32 = np.float32
    col = lambda a, idx=slice(None): np.asarray(a[idx], f32)[:, None, None]  # (N,) scalars against (N, H, W)

    # Coordinates in each galaxy's plane: shift, turn by the position angle, stretch the minor axis by 1/q.
    # float32 throughout: the transcendental functions over (N, H, W) are most of the cost.
    yy, xx = np.mgrid[0:size, 0:size].astype(f32)
    dx, dy = xx[None] - col(p["cx"]), yy[None] - col(p["cy"])
    c, s = np.cos(col(p["pa"])), np.sin(col(p["pa"]))
    u, v = dx * c + dy * s, -dx * s + dy * c
    img = np.zeros((n, 3, size, size), f32)
    jit = p["colour_jitter"]
    cols = {k_: np.asarray(v_)[None, :] for k_, v_ in _COLOURS.items()}

    def add(idx, comp, frac, colour) -> None:  # comp: unit-flux images of galaxies idx
        w = (p["flux"][idx] * frac)[:, None] * colour
        img[idx] += w.astype(f32)[:, :, None, None] * comp[:, None]

    # Bulge (rounder than the disk it sits in) — for ellipticals the whole galaxy.
    qb = np.where(labels == ELLIPTICAL, p["q"], 1 - 0.4 * (1 - p["q"]))
    rb = np.sqrt(u * u + (v / col(qb)) ** 2)
    nS = col(p["n_sersic"])
    lnr = np.log(np.maximum(rb / col(p["re"]), f32(1e-4)))
    bulge = _normalise(np.exp(-_sersic_b(nS) * (np.exp(lnr / nS) - 1)))
    add(slice(None), bulge, p["bt"], cols["bulge"] * jit[:, 0])

    d = np.flatnonzero(labels != ELLIPTICAL)  # disk galaxies: disk, arms, knots (bar: the barred ones)
    if len(d):
        q = col(p["q"], d)
        ud, vd = u[d], v[d] / q
        r = np.sqrt(ud * ud + vd * vd)
        theta = np.arctan2(vd, ud)
        h = col(p["h"], d)
        disk = np.exp(-r / h)
        r0 = col(p["r0_over_h"], d) * h
        tanp = np.tan(col(p["pitch"], d))
        # Log-spiral phase: zero on every arm's ridge; the arms leave r0 at angle phi0 (the bar's tips if barred).
        phase = col(p["m"], d) * (theta - col(p["phi0"], d) - np.log(np.maximum(r, f32(1e-3)) / r0) / tanp)
        ridge = np.exp(col(p["width"], d) * np.log(np.maximum((1 + np.cos(phase)) / 2, f32(1e-12))))
        r_fade = r0 * np.exp(col(p["winding"], d) * tanp)
        on = 1 / (1 + np.exp(-(r - r0) / (0.15 * r0)))  # arms switch on beyond where they start
        off = np.exp(-np.maximum(r - r_fade, 0) / (0.3 * h))
        bt, bar_f = p["bt"][d], p["bar_frac"][d]
        arm_f = ARM_SHARE * (1 - bt - bar_f)
        add(d, _normalise(ridge * on * off * disk), arm_f, cols["arms"] * jit[d, 2])
        add(d, _normalise(disk), 1 - bt - bar_f - arm_f, cols["disk"] * jit[d, 1])

        # Ferrers bar along phi0 in the disk plane, half-length a = r0, so its tips are where the arms begin.
        b = np.flatnonzero(labels[d] == BARRED)
        if len(b):
            cb, sb = np.cos(col(p["phi0"], d[b])), np.sin(col(p["phi0"], d[b]))
            bu, bv = ud[b] * cb + vd[b] * sb, -ud[b] * sb + vd[b] * cb
            a = r0[b]
            m2 = (bu / a) ** 2 + (bv / (a * col(p["bar_ba"], d[b]))) ** 2
            add(d[b], _normalise(np.clip(1 - m2, 0, None) ** 2), bar_f[b], cols["bulge"] * jit[d[b], 0])
        r0_d, rf_d, tanp_d = r0[:, 0, 0], r_fade[:, 0, 0], tanp[:, 0, 0]
    else:
        r0_d = rf_d = tanp_d = np.zeros(0, f32)

    # Knots: point sources on the arm ridges (inner 80 % of the arms), each a few per mille of the flux.
    kmask = np.arange(N_KNOTS_MAX)[None, :] < p["n_knots"][d][:, None]
    rk = r0_d[:, None] + rng.uniform(0, 0.8, (len(d), N_KNOTS_MAX)) * (rf_d - r0_d)[:, None]
    arm_k = np.floor(rng.uniform(0, 1, (len(d), N_KNOTS_MAX)) * p["m"][d][:, None])
    th = (p["phi0"][d][:, None] + 2 * np.pi * arm_k / p["m"][d][:, None]
          + np.log(rk / r0_d[:, None]) / tanp_d[:, None] + rng.normal(0, 0.08, (len(d), N_KNOTS_MAX)))
    kf = _logu(rng, 0.002, 0.008, len(d) * N_KNOTS_MAX).reshape(len(d), N_KNOTS_MAX) * p["flux"][d][:, None]
    ku, kv = rk * np.cos(th), rk * np.sin(th) * p["q"][d][:, None]  # back to the sky: incline, turn by PA
    cpa, spa = np.cos(p["pa"][d])[:, None], np.sin(p["pa"][d])[:, None]
    kx, ky = p["cx"][d][:, None] + ku * cpa - kv * spa, p["cy"][d][:, None] + ku * spa + kv * cpa
    gi = np.repeat(d, N_KNOTS_MAX)[kmask.ravel()]
    knots = _splat(n, size, gi, kx[kmask], ky[kmask], kf[kmask])
    knot_col = cols["knots"] * jit[:, 3]
    img += knot_col.astype(f32)[:, :, None, None] * knots[:, None]

    # Foreground stars: point sources anywhere, white to yellowish.
    smask = np.arange(N_STARS_MAX)[None, :] < p["n_stars"][:, None]
    si = np.repeat(np.arange(n), N_STARS_MAX)[smask.ravel()]
    sx, sy = rng.uniform(1, size - 2, (2, n, N_STARS_MAX))
    sflux = _logu(rng, 0.5, 15, n * N_STARS_MAX).reshape(n, N_STARS_MAX) * (size / 64) ** 2
    stars = _splat(n, size, si, sx[smask], sy[smask], sflux[smask])
    star_col = rng.uniform(0.85, 1.0, (n, 3)) * np.array([1.0, 0.95, 0.85])
    img += star_col.astype(f32)[:, :, None, None] * stars[:, None]

    # PSF: one FFT pass over every channel of every image (knots and stars are points: they take its shape).
    img = sfft.irfft2(sfft.rfft2(img) * _moffat_otf(p["fwhm"], size)[:, None], s=(size, size))

    # Sky + Poisson-like noise (Gaussian with variance sky + flux / gain), then the asinh stretch.
    if noise:
        sigma = np.sqrt(f32(SKY_SIGMA ** 2) + np.clip(img, 0, None) / f32(GAIN))
        img += sigma * rng.standard_normal(img.shape, dtype=f32)
    out = np.clip(np.arcsinh(img / f32(SOFT)) / f32(np.arcsinh(WHITE / SOFT)), 0, 1).astype(f32)
    return (out, labels, p) if return_params else (out, labels)


def held_out(n: int, seed: int, size: int = 64, classes=None, noise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Renders from the held-out seed range (never drawn by training, whose seeds are < 2**31)."""
    return render(n, HELD_OUT_SEED_OFFSET + int(seed), size, classes, noise=noise)


def training_batch(rng: np.random.Generator, n: int, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A fresh batch of training renders, its seed drawn from `rng` (the trainer's)."""
    return render(n, int(rng.integers(0, 2 ** 31)), size)


def cache_dir() -> Path:
    return Path(os.environ.get("AEX_CACHE", Path.home() / ".cache" / "latent-explorer"))


def training_set(n: int = 5000, seed: int = 0, size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """A fixed set of training renders (e.g. for fitting PCA), cached as .npz (uint8-free: float16 on disk)."""
    path = cache_dir() / f"galaxies-train-{n}-{seed}-{size}-{fingerprint()[:8]}.npz"
    try:
        with np.load(path, allow_pickle=False) as f:
            return f["x"].astype(np.float32), f["y"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        pass
    xs, ys = zip(*(render(min(500, n - i), seed * 1000 + i // 500, size) for i in range(0, n, 500)))
    x, y = np.concatenate(xs), np.concatenate(ys)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, x=x.astype(np.float16), y=y)
    os.replace(tmp, path)
    return x.astype(np.float16).astype(np.float32), y  # the same values as a later cached load


def fingerprint() -> str:
    """A short hash of a few renders: changes whenever the renderer draws differently."""
    x, y = render(8, 7, 64)
    return "galaxies:" + hashlib.sha256(np.round(x, 4).tobytes() + y.tobytes()).hexdigest()[:16]


def to_uint8(images: np.ndarray) -> np.ndarray:
    """(N, 3, H, W) or (3, H, W) floats in [0, 1] -> (N, H, W, 3) / (H, W, 3) uint8 for display."""
    a = np.clip(np.asarray(images, dtype=np.float32), 0, 1)
    a = np.moveaxis(a, -3, -1)
    return np.round(a * 255).astype(np.uint8)
