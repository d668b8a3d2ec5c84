"""Metrics shared by the labs. Image-quality metrics come from scikit-image rather than being re-derived here."""

from __future__ import annotations

import numpy as np


def binarise(x: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    return np.asarray(x) > threshold


def wrong_pixels(pred: np.ndarray, target: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Per image (first axis): how many pixels differ after thresholding both at `threshold`."""
    p, t = binarise(pred, threshold), binarise(target, threshold)
    return (p != t).reshape(len(p), -1).sum(1)


def exact_rate(pred: np.ndarray, target: np.ndarray, threshold: float = 0.5) -> float:
    """Share of images restored with zero wrong pixels."""
    return float((wrong_pixels(pred, target, threshold) == 0).mean())


def distinct_binary(images: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """The distinct binarised images among `images` (N, ...), as a (M, D) bool array."""
    flat = binarise(images, threshold).reshape(len(images), -1)
    return np.unique(flat, axis=0)


def min_hamming(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of bool array a (N, D): the smallest Hamming distance to a row of b (M, D), and that row."""
    d = (a[:, None, :] != b[None, :, :]).sum(-1)
    idx = d.argmin(1)
    return d[np.arange(len(a)), idx], idx


def psnr(clean: np.ndarray, test: np.ndarray, data_range: float = 1.0) -> float:
    from skimage.metrics import peak_signal_noise_ratio

    return float(peak_signal_noise_ratio(clean, test, data_range=data_range))


def ssim(clean: np.ndarray, test: np.ndarray, data_range: float = 1.0, channel_axis: int | None = None) -> float:
    from skimage.metrics import structural_similarity

    return float(structural_similarity(clean, test, data_range=data_range, channel_axis=channel_axis))


def mode_assignment(samples: np.ndarray, centres: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's nearest centre (N,) and whether it is high quality, i.e. within 3 sigma of it (N,)."""
    x, c = np.asarray(samples, np.float64), np.asarray(centres, np.float64)
    if x.ndim != 2 or c.ndim != 2 or x.shape[1] != c.shape[1] or not len(x) or not len(c):
        raise ValueError(f"Need samples (N, D) and centres (K, D); got {x.shape} and {c.shape}.")
    d = np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(-1))
    nearest = d.argmin(1)
    return nearest, d[np.arange(len(x)), nearest] <= 3 * sigma


def modes_covered(samples: np.ndarray, centres: np.ndarray, sigma: float) -> np.ndarray:
    """(K,) bool: mode k is covered when some high-quality sample has it as nearest centre (VEEGAN)."""
    nearest, hq = mode_assignment(samples, centres, sigma)
    covered = np.zeros(len(centres), bool)
    covered[nearest[hq]] = True
    return covered


def mode_metrics(samples: np.ndarray, centres: np.ndarray, sigma: float) -> dict[str, float]:
    """VEEGAN's mode metrics for samples (N, D) of a Gaussian mixture with `centres` (K, D) and std `sigma`.

    A sample is high quality when it lies within 3 sigma of its nearest centre; a mode is covered when at least one
    high-quality sample has it as nearest centre. `reverse_kl` is KL(q || p) of the histogram q of every sample's
    nearest centre against the data's uniform mode shares p: 0 for a perfect spread, log K when all samples sit
    at one mode (the collapse it punishes; it is finite whatever the model does).
    """
    nearest, hq = mode_assignment(samples, centres, sigma)
    k = len(centres)
    q = np.bincount(nearest, minlength=k) / len(nearest)
    nz = q > 0
    return {"modes": int(len(np.unique(nearest[hq]))), "hq": float(hq.mean()),
            "reverse_kl": float((q[nz] * np.log(q[nz] * k)).sum())}
