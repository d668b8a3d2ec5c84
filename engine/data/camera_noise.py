"""Camera noise, the way a phone makes it ("unprocessing", Brooks et al. 2019), for training and evaluating the photo
denoiser on what people actually upload rather than on white Gaussian noise.

An sRGB picture on [0, 1] is taken back to linear light (the inverse sRGB tone curve), mosaicked to a Bayer RGGB
sensor image, given Poisson-Gaussian sensor noise (variance = shot * x + read, shot and read from the ISO level),
demosaicked (bilinear), taken forward through the sRGB tone curve and saved as JPEG at a quality between 70 and 95.
The noise is therefore signal-dependent (more in the bright parts in linear light, and reshaped by the tone curve),
spatially correlated (demosaicking spreads one sensor value over its neighbours) and blocky (JPEG).

`pixel_noise` is the same sensor noise for training breadth without the Bayer step (a camera whose demosaicking
is sharp enough to leave pixel-scale noise, or a sensor without a mosaic): a random tone curve (sRGB or a gamma
1.8-2.4), noise spatially correlated over a random 0-1.2 px and partly shared by the channels, JPEG at a random
quality with or without 4:2:0 chroma subsampling. Its target is the clean picture itself.

ISO-like levels: `ISO_LEVELS` gives the shot-noise gain at three levels; the read noise follows Brooks et al.'s
fitted relation log(read) = 2.18 log(shot) + 1.20 (without its random spread, so a level is one noise level).
"""

from __future__ import annotations

import io

import numpy as np

ISO_LEVELS = {"iso800": 0.002, "iso3200": 0.008, "iso12800": 0.025}  # shot-noise gain (linear light, full scale = 1)


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def _bayer_masks(h: int, w: int) -> np.ndarray:
    """(H, W, 3) boolean masks of an RGGB mosaic: which colour each photosite measures."""
    m = np.zeros((h, w, 3), bool)
    m[0::2, 0::2, 0] = True  # R
    m[0::2, 1::2, 1] = True  # G
    m[1::2, 0::2, 1] = True  # G
    m[1::2, 1::2, 2] = True  # B
    return m


def mosaic(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) -> (H, W) RGGB sensor image (each photosite keeps its own colour's value)."""
    return (rgb * _bayer_masks(*rgb.shape[:2])).sum(-1)


def demosaic(raw: np.ndarray) -> np.ndarray:
    """Bilinear demosaicking of an RGGB (H, W) image -> (H, W, 3): each colour's missing values are the mean of
    its measured neighbours (normalised convolution, so borders are handled too)."""
    from scipy.ndimage import convolve

    m = _bayer_masks(*raw.shape).astype(np.float64)
    k = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float64)
    out = np.empty((*raw.shape, 3))
    for c in range(3):
        num = convolve(raw * m[..., c], k, mode="mirror")
        den = convolve(m[..., c], k, mode="mirror")
        out[..., c] = np.where(m[..., c] > 0, raw, num / den)
    return out


def read_noise(shot: float) -> float:
    return float(np.exp(2.18 * np.log(shot) + 1.20))


def reference(rgb: np.ndarray) -> np.ndarray:
    """What the same camera would deliver with no noise and no JPEG: the clean picture after mosaicking and
    demosaicking. A denoiser is scored against this, since the demosaicking blur is not noise (the astronaut loses
    ~30 dB to it alone)."""
    return linear_to_srgb(demosaic(mosaic(srgb_to_linear(np.asarray(rgb, np.float64)[..., :3])))).astype(np.float32)


def camera_noise(rgb: np.ndarray, level: str | float = "iso3200", seed: int = 0, jpeg_quality: int | None = None,
                 rng: np.random.Generator | None = None) -> np.ndarray:
    """A clean sRGB picture (H, W, 3) on [0, 1] -> the same picture as a camera at `level` would deliver it
    (float32 on [0, 1]). `level` is a key of ISO_LEVELS or a shot-noise gain; `jpeg_quality` None draws one in
    70-95, 0 skips the JPEG step."""
    rng = rng or np.random.default_rng(seed)
    if isinstance(level, str) and level not in ISO_LEVELS:
        raise ValueError(f"Unknown camera noise level {level!r}: use one of {', '.join(ISO_LEVELS)} or a number.")
    shot = ISO_LEVELS[level] if isinstance(level, str) else float(level)
    lin = srgb_to_linear(np.asarray(rgb, np.float64)[..., :3])
    raw = mosaic(lin)
    raw = raw + rng.normal(size=raw.shape) * np.sqrt(shot * np.clip(raw, 0, None) + read_noise(shot))
    out = linear_to_srgb(demosaic(np.clip(raw, 0, 1)))
    q = int(rng.integers(70, 96)) if jpeg_quality is None else int(jpeg_quality)
    return _jpeg(out, q) if q > 0 else out.astype(np.float32)


def _jpeg(out: np.ndarray, quality: int, subsampling: int = -1) -> np.ndarray:
    """`out` (H, W, 3) on [0, 1] saved as an 8-bit JPEG and read back, float32. `subsampling` is PIL's: -1 its
    default (4:2:0), 0 4:4:4, 2 4:2:0."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray((np.clip(out, 0, 1) * 255).round().astype(np.uint8)).save(buf, "JPEG", quality=quality,
                                                                              subsampling=subsampling)
    buf.seek(0)
    return np.asarray(Image.open(buf), np.float32) / 255


def pixel_noise(rgb: np.ndarray, shot: float, rng: np.random.Generator) -> np.ndarray:
    """Poisson-Gaussian noise at shot gain `shot` added per pixel in linear light, no mosaic (see the module's
    docstring for the random tone curve, correlation, channel sharing and JPEG), -> float32 (H, W, 3) on [0, 1]."""
    from scipy.ndimage import gaussian_filter

    x = np.clip(np.asarray(rgb, np.float64)[..., :3], 0, 1)
    gamma = None if rng.random() < 0.5 else float(rng.uniform(1.8, 2.4))
    lin = srgb_to_linear(x) if gamma is None else x ** gamma
    n = rng.normal(size=lin.shape)
    blur = float(rng.uniform(0, 1.2))
    if blur > 0.2:
        n = gaussian_filter(n, (blur, blur, 0))
        n /= n.std() + 1e-12  # the same noise power, spread over neighbouring pixels
    share = float(rng.uniform(0, 0.7))  # how much of the noise the three channels have in common (luma grain)
    luma = n.mean(axis=2, keepdims=True) * np.sqrt(3)  # unit std again (the mean of 3 has std 1/sqrt(3))
    n = np.sqrt(1 - share) * n + np.sqrt(share) * luma
    noisy = np.clip(lin + n * np.sqrt(shot * lin + read_noise(shot)), 0, 1)
    out = linear_to_srgb(noisy) if gamma is None else noisy ** (1 / gamma)
    return _jpeg(out, int(rng.integers(70, 96)), 2 if rng.random() < 0.5 else 0)
