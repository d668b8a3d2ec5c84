"""Blocks and the interface shared by every autoencoder family (pythae-style encode/decode/reconstruct)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class AEOutput:
    """What `forward` returns: the reconstruction (probabilities on the data scale), the latent code and the loss.
    `mu`/`logvar` are set by variational models only."""

    recon: torch.Tensor
    z: torch.Tensor
    loss: torch.Tensor
    mu: torch.Tensor | None = None
    logvar: torch.Tensor | None = None
    parts: dict[str, float] | None = None  # loss terms, for logging


def mlp(sizes: list[int], act: type[nn.Module] = nn.SiLU, last_act: bool = False) -> nn.Sequential:
    """Linear layers of the given widths with an activation between them (and after the last if asked)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or last_act:
            layers.append(act())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """Base of every autoencoder family: subclasses define `encode` (x -> z) and `decode_logits` (z -> logits)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.input_shape, self.latent_dim = tuple(cfg.input_shape), cfg.latent_dim
        self.n_in = math.prod(self.input_shape)  # pixels per input, the width of the first and last layer

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Latent codes (B, latent_dim) -> images (B, *input_shape) in [0, 1]."""
        return torch.sigmoid(self.decode_logits(z)).reshape(len(z), *self.input_shape)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def interpolate(self, a: torch.Tensor, b: torch.Tensor, steps: int, mode: str = "lerp") -> torch.Tensor:
        """Decode `steps` points on the path from encode(a) to encode(b): straight (lerp) or great-circle (slerp)."""
        za, zb = self.encode(a[None])[0], self.encode(b[None])[0]
        t = torch.linspace(0, 1, steps)[:, None]
        if mode == "lerp":
            z = (1 - t) * za + t * zb
        elif mode == "slerp":
            # slerp keeps the norm profile of Gaussian samples, which is where a VAE's decoder was trained.
            omega = torch.arccos(torch.clamp(torch.dot(za / za.norm(), zb / zb.norm()), -1 + 1e-7, 1 - 1e-7))
            if omega.abs() < 1e-4:
                z = (1 - t) * za + t * zb
            else:
                z = (torch.sin((1 - t) * omega) * za + torch.sin(t * omega) * zb) / math.sin(float(omega))
        else:
            raise ValueError(f"Interpolation mode must be 'lerp' or 'slerp', not {mode!r}.")
        return self.decode(z)

    def flat(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(len(x), -1)
