"""`toy-gan`: a small MLP generator and discriminator/critic for 2-D points (the live GAN on the toy page).

The same pair serves every loss in engine.models.gan_losses; the critic has no normalisation layers, so a gradient
penalty on it means what the WGAN-GP paper says it means.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from engine.models.layers import mlp
from engine.registry import register_model


@dataclass
class ToyGANConfig:
    z_dim: int = 2
    hidden: int = 128
    depth: int = 3  # hidden layers in each network
    data_dim: int = 2
    # Data scale (the centres' per-axis spread): the generator's output is multiplied by it and the critic's input
    # divided by it, so both networks work in unit-scale coordinates, as the WGAN-GP reference code gets by
    # dividing its 25-Gaussian data by 2.828. Samples, densities and gradients stay in data units.
    scale: float = 1.0


@register_model("toy-gan")
class ToyGAN(nn.Module):
    """`generator`: z (B, z_dim) ~ N(0, I) -> points (B, 2); `critic`: points -> score (B,)."""

    Config = ToyGANConfig

    def __init__(self, cfg: ToyGANConfig):
        super().__init__()
        self.cfg = cfg
        # ReLU as in the toy experiments of the WGAN-GP and VEEGAN papers; a linear output so points are unbounded.
        self.generator = mlp([cfg.z_dim, *[cfg.hidden] * cfg.depth, cfg.data_dim], act=nn.ReLU)
        self._critic = mlp([cfg.data_dim, *[cfg.hidden] * cfg.depth, 1], act=nn.ReLU)

    def critic(self, x: torch.Tensor) -> torch.Tensor:
        return self._critic(x / self.cfg.scale).squeeze(-1)

    def generate(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z) * self.cfg.scale

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.cfg.z_dim, generator=generator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generate(z)
