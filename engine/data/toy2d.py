"""2-D toy distributions for the live GAN: a ring of 8 Gaussians, a 5x5 grid of Gaussians, and user-drawn points.

Each is a mixture of equal-weight isotropic Gaussians given by its `centres` (K, 2) and `sigma`; the VEEGAN mode
metrics (engine.metrics.mode_metrics) are measured against exactly these centres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class Mixture:
    """Equal-weight isotropic Gaussian mixture: what the toy GAN learns and what its modes are counted against."""

    name: str
    centres: np.ndarray  # (K, 2) float32
    sigma: float
    extent: float  # half-width of the square the page draws: every mode sits well inside [-extent, extent]^2

    @property
    def scale(self) -> float:
        """The centres' per-axis spread (at least sigma): the toy GAN's unit of length."""
        return float(max(self.centres.std(0).mean(), self.sigma))

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """`n` points (n, 2): a uniformly chosen centre plus N(0, sigma^2) noise, drawn from `generator`."""
        c = torch.from_numpy(self.centres)
        idx = torch.randint(len(c), (n,), generator=generator)
        return c[idx] + self.sigma * torch.randn(n, 2, generator=generator)

    def density(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """The mixture's density on the grid xs x ys, shape (len(ys), len(xs)) (row = y), for the heat map."""
        gx, gy = np.meshgrid(xs, ys)
        d2 = (gx[..., None] - self.centres[:, 0]) ** 2 + (gy[..., None] - self.centres[:, 1]) ** 2
        return np.exp(-d2 / (2 * self.sigma**2)).sum(-1) / (len(self.centres) * 2 * np.pi * self.sigma**2)


def ring(n_modes: int = 8, radius: float = 2.0, sigma: float = 0.02) -> Mixture:
    """Centres at angles 2*pi*k/n. (`linspace(0, 2*pi, 8)`, common in public code, puts the first and last centre
    on the same point and so builds 7 modes, not 8.)"""
    a = 2 * np.pi * np.arange(n_modes) / n_modes
    centres = np.stack([radius * np.cos(a), radius * np.sin(a)], 1).astype(np.float32)
    return Mixture(f"ring{n_modes}", centres, sigma, extent=radius * 1.5)


def grid(side: int = 5, spacing: float = 2.0, sigma: float = 0.05) -> Mixture:
    """Centres at {-4, -2, 0, 2, 4}^2 for the defaults."""
    v = (np.arange(side) - (side - 1) / 2) * spacing
    centres = np.stack(np.meshgrid(v, v), -1).reshape(-1, 2).astype(np.float32)
    return Mixture(f"grid{side * side}", centres, sigma, extent=float(v.max()) + spacing * 0.75)


MAX_DRAWN = 200


def drawn(points, sigma: float = 0.05) -> Mixture:
    """A mixture over user-drawn points (list of (x, y) in data units): each point becomes one mode.
    Raises ValueError for fewer than 2 or more than MAX_DRAWN points, or points that are not finite."""
    p = np.asarray(points, dtype=np.float32).reshape(-1, 2) if len(points) else np.zeros((0, 2), np.float32)
    if len(p) < 2:
        raise ValueError("Draw at least 2 points for the generator to learn.")
    if len(p) > MAX_DRAWN:
        raise ValueError(f"Draw at most {MAX_DRAWN} points (got {len(p)}).")
    if not np.isfinite(p).all():
        raise ValueError("The drawn points must be finite numbers.")
    return Mixture("drawn", p, sigma, extent=float(max(2.0, np.abs(p).max() * 1.25)))


DATASETS = {"ring": ring, "grid": grid}  # by name, for the page, the bench and the trainer
