"""Numpy in, numpy out: the only place where arrays cross into torch for inference (no autograd, eval mode)."""

from __future__ import annotations

import numpy as np
import torch

from engine.models.layers import Autoencoder


def _t(x: np.ndarray) -> torch.Tensor:
    # np.array copies: callers may pass read-only arrays (the font), which torch must not alias.
    return torch.from_numpy(np.array(x, dtype=np.float32))


@torch.inference_mode()
def encode(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    return model.encode(_t(x)).numpy()


@torch.inference_mode()
def decode(model: Autoencoder, z: np.ndarray) -> np.ndarray:
    return model.decode(_t(z)).numpy()


@torch.inference_mode()
def reconstruct(model: Autoencoder, x: np.ndarray) -> np.ndarray:
    return model.reconstruct(_t(x)).numpy()


def grid_codes(n: int, span: float) -> np.ndarray:
    """An n x n grid of 2-D codes covering [-span, span]^2, row-major with the first row at the *top* (y = +span),
    so that tiling the decodings row by row gives a picture whose axes match a plot with y pointing up."""
    xs = np.linspace(-span, span, n, dtype=np.float32)
    gx, gy = np.meshgrid(xs, xs[::-1])
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def span_covering(codes: np.ndarray) -> float:
    """A half-width, in steps of 0.5, that shows every code with a 15 % margin (latents need not be N(0, I))."""
    return float(np.ceil(np.abs(codes).max() * 1.15 * 2) / 2)


def decode_grid(model: Autoencoder, n: int, span: float) -> np.ndarray:
    """Decodings of `grid_codes(n, span)`, shaped (n, n, *input_shape)."""
    imgs = decode(model, grid_codes(n, span))
    return imgs.reshape(n, n, *imgs.shape[1:])
