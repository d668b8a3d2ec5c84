"""Noise models for images on the 0-1 scale, seeded through a numpy Generator so every draw is reproducible."""

from __future__ import annotations

from typing import Callable

import numpy as np


def salt_and_pepper(x: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
    """scikit-image's convention: each pixel is replaced with probability `p` by 0 or by 1 (equally likely).

    So only about half of the replaced pixels of a binary image actually change.
    """
    x = np.asarray(x, dtype=np.float32)
    hit = rng.random(x.shape) < p
    salt = rng.random(x.shape) < 0.5
    return np.where(hit, salt.astype(np.float32), x)


def gaussian(x: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Additive Gaussian noise of standard deviation `sigma` (0-1 scale), clipped back to [0, 1]."""
    x = np.asarray(x, dtype=np.float32)
    return np.clip(x + rng.normal(0.0, sigma, x.shape).astype(np.float32), 0.0, 1.0)


def bit_flips(x: np.ndarray, k: float, rng: np.random.Generator) -> np.ndarray:
    """Flip exactly `k` distinct random pixels (x -> 1 - x) of each image in a batch (..., H, W)."""
    x = np.asarray(x, dtype=np.float32)
    k = int(round(k))
    flat = x.reshape(-1, x.shape[-2] * x.shape[-1]).copy()
    n = flat.shape[1]
    if not 0 <= k <= n:
        raise ValueError(f"Can flip between 0 and {n} pixels, not {k}.")
    # argsort of uniform keys = an independent random permutation per row; its first k are distinct pixels.
    idx = np.argsort(rng.random(flat.shape), axis=1)[:, :k]
    rows = np.arange(len(flat))[:, None]
    flat[rows, idx] = 1.0 - flat[rows, idx]
    return flat.reshape(x.shape)


def none(x: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    return np.asarray(x, dtype=np.float32).copy()


# name -> (function, human label, unit of the amount, default amount, max amount, slider step)
NOISES: dict[str, tuple[Callable[..., np.ndarray], str, str, float, float, float]] = {
    "salt_pepper": (salt_and_pepper, "Salt & pepper", "probability p", 0.10, 0.5, 0.01),
    "gaussian": (gaussian, "Gaussian", "sigma", 0.30, 0.8, 0.01),
    "bit_flips": (bit_flips, "Bit flips", "pixels flipped", 2, 10, 1),
    "none": (none, "None", "", 0, 1, 1),
}


def add_noise(x: np.ndarray, kind: str, amount: float, seed: int | np.random.Generator,
              table: dict | None = None) -> np.ndarray:
    """Apply noise `kind` of the given amount; `seed` makes it reproducible. `table` is a lab's own noise table in the
    layout of NOISES (default: NOISES)."""
    table = NOISES if table is None else table
    if kind not in table:
        raise ValueError(f"Unknown noise {kind!r}; choose one of {', '.join(table)}.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return table[kind][0](x, amount, rng)
