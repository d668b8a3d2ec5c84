"""Camera-noise families written apart from `camera_noise` (they share no code with it), so that a model trained on
that simulator can be checked on camera-like noise it never saw. Two of them:

- `alt_camera_noise` (2026-12-06, written after the camera model was trained): noise added in gamma-2.2 light with
  no Bayer mosaic or demosaicking, signal-dependent (shot + read), half of it spatially correlated by a 3x3 box
  filter, part of it shared by the channels (luma noise), then JPEG at quality 75 with 4:2:0 chroma subsampling.
  Scored against the clean picture itself (there is no demosaicked reference here).
- `phone_isp_noise` (written before the camera model's breadth retraining, and never used to choose anything in
  it): a phone-like processing chain - shot + read noise in linear light split into luma grain and low-frequency
  colour blotches (chroma noise blurred over ~1.5 px, twice as strong), an sRGB curve with an S-shaped contrast
  boost, unsharp-mask sharpening (which sharpens the grain too), JPEG quality 90 with 4:2:2 chroma. Scored against
  the same chain run without noise and without JPEG.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy.ndimage import gaussian_filter, uniform_filter


def _jpeg(x: np.ndarray, quality: int, subsampling: int) -> np.ndarray:
    """An 8-bit JPEG round trip of `x` (H, W, 3) on [0, 1], float32 out."""
    buf = io.BytesIO()
    Image.fromarray((x * 255).round().astype(np.uint8)).save(buf, "JPEG", quality=quality, subsampling=subsampling)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())), np.float32) / 255


STRENGTHS = {"low": 0.002, "mid": 0.01, "high": 0.03}  # shot-noise gain in linear light; read noise = gain / 8


def alt_camera_noise(clean: np.ndarray, strength: str, seed: int) -> np.ndarray:
    """A noisy, JPEG-compressed copy of `clean` (H, W, 3) in [0, 1], float32."""
    k = STRENGTHS[strength]
    rng = np.random.default_rng(seed)
    lin = np.asarray(clean, np.float64) ** 2.2
    sd = np.sqrt(k * lin + (k / 8) ** 2)
    white = rng.standard_normal(lin.shape)
    corr = uniform_filter(rng.standard_normal(lin.shape), size=(3, 3, 1)) * 3  # std 1 again after the 3x3 mean
    luma = rng.standard_normal(lin.shape[:2])[..., None]
    noise = sd * (0.5 * white + 0.5 * corr + 0.5 * luma) / np.sqrt(0.75)
    return _jpeg(np.clip(lin + noise, 0, 1) ** (1 / 2.2), 75, 2)


PHONE_STRENGTHS = {"low": 0.003, "mid": 0.012, "high": 0.04}  # shot gain in linear light; read = gain / 10


def _phone_tone(lin: np.ndarray) -> np.ndarray:
    """sRGB-like curve (a plain 1/2.4 power with a linear toe), an S-shaped contrast boost, unsharp masking."""
    x = np.where(lin < 0.003, 12.9 * lin, 1.055 * np.clip(lin, 0.003, None) ** (1 / 2.4) - 0.055)
    x = np.clip(x, 0, 1)
    x = x - 0.15 * np.sin(2 * np.pi * x) / (2 * np.pi)  # steeper mid-tones, flatter ends
    blur = gaussian_filter(x, sigma=(1.0, 1.0, 0))
    return np.clip(x + 0.6 * (x - blur), 0, 1)


def phone_isp_noise(clean: np.ndarray, strength: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(noisy JPEG-decoded picture, noise-free reference through the same chain), both (H, W, 3) float32 on 0-1."""
    k = PHONE_STRENGTHS[strength]
    rng = np.random.default_rng(seed)
    c = np.clip(np.asarray(clean, np.float64)[..., :3], 0, 1)
    lin = np.where(c < 0.04, c / 12.9, ((c + 0.055) / 1.055) ** 2.4)
    sd = np.sqrt(k * lin + (k / 10) ** 2)
    luma = rng.standard_normal(lin.shape[:2])[..., None]
    chroma = gaussian_filter(rng.standard_normal(lin.shape), sigma=(1.5, 1.5, 0)) * 2 / 0.19  # ~unit std, then x2
    chroma -= chroma.mean(axis=2, keepdims=True)  # colour only: the mean over channels is the luma's job
    noisy = _phone_tone(np.clip(lin + sd * (luma + chroma) / np.sqrt(1 + 4), 0, 1))
    return _jpeg(noisy, 90, 1), _phone_tone(lin).astype(np.float32)
