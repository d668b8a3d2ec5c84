"""A second camera-noise family, written apart from `camera_noise` (it shares no code with it) so that a model
trained on that simulator can be checked on camera-like noise it never saw: noise added in gamma-2.2 light with
no Bayer mosaic or demosaicking, signal-dependent (shot + read), half of it spatially correlated by a 3x3 box
filter, part of it shared by the channels (luma noise), then JPEG at quality 75 with 4:2:0 chroma subsampling.
Scored against the clean picture itself (there is no demosaicked reference here)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy.ndimage import uniform_filter

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
    out = np.clip(lin + noise, 0, 1) ** (1 / 2.2)
    buf = io.BytesIO()
    Image.fromarray((out * 255).round().astype(np.uint8)).save(buf, "JPEG", quality=75, subsampling=2)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())), np.float32) / 255
