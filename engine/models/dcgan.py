"""`dcgan`: the galaxy GANs' shared DCGAN-style generator and their discriminator/critic (Radford et al. 2016).

One generator for all four GANs (vanilla, ACGAN, WGAN-GP, WGAN-div): z -> 4x4 -> transposed-conv doublings with
batch norm and ReLU -> tanh, so images live in [-1, 1] inside the GAN (`to_unit` maps them to [0, 1]). With
`n_classes` > 0 the generator is conditional (a learned class embedding multiplies z, as in Odena et al.'s ACGAN)
and the discriminator gets a class head that returns logits (for cross-entropy; no softmax in the model).
The discriminator follows each paper: DCGAN's strided convs with LeakyReLU 0.2 and batch norm after the first
layer (`critic_norm="batch"`, vanilla GAN and ACGAN); no batch norm for a gradient-penalty critic
(`critic_norm="none"`, WGAN-GP / WGAN-div), because the penalty is per-sample and batch norm couples the samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from engine.registry import register_model


@dataclass
class DCGANConfig:
    image_size: int = 32  # 32 or 64
    channels: int = 3
    z_dim: int = 64
    width: int = 32  # channels of the critic's first layer; the generator mirrors it
    n_classes: int = 0  # > 0: conditional generator and a class head on the discriminator (ACGAN)
    critic_norm: str = "batch"  # "batch" (DCGAN) or "none" (gradient-penalty critics)

    def __post_init__(self) -> None:
        if self.image_size not in (16, 32, 64, 128):
            raise ValueError(f"image_size must be 16, 32, 64 or 128, not {self.image_size}.")
        if self.critic_norm not in ("batch", "none"):
            raise ValueError(f"critic_norm must be 'batch' or 'none', not {self.critic_norm!r}.")


@register_model("dcgan")
class DCGAN(nn.Module):
    Config = DCGANConfig

    def __init__(self, cfg: DCGANConfig):
        super().__init__()
        self.cfg = cfg
        n_up = int(math.log2(cfg.image_size // 4))  # 4x4 -> image_size in doublings
        w = cfg.width
        chans = [w * 2 ** i for i in reversed(range(n_up))]  # e.g. [4w, 2w, w] for 32x32
        self.input_shape = (cfg.channels, cfg.image_size, cfg.image_size)
        self.latent_dim = cfg.z_dim
        self.n_classes = cfg.n_classes
        # Generator: project z to 4x4x(2*chans[0]), then double the side n_up times.
        g: list[nn.Module] = [nn.Linear(cfg.z_dim, 4 * 4 * chans[0] * 2, bias=False),
                              nn.Unflatten(1, (chans[0] * 2, 4, 4)), nn.BatchNorm2d(chans[0] * 2), nn.ReLU(True)]
        c_in = chans[0] * 2
        for c in chans:
            g += [nn.ConvTranspose2d(c_in, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(True)]
            c_in = c
        g += [nn.Conv2d(c_in, cfg.channels, 3, 1, 1), nn.Tanh()]
        self.generator = nn.Sequential(*g)
        self.embed = nn.Embedding(cfg.n_classes, cfg.z_dim) if cfg.n_classes else None
        # Discriminator / critic: halve the side n_up times, then a linear score (and class logits).
        d: list[nn.Module] = []
        c_in = cfg.channels
        for i, c in enumerate(reversed(chans)):
            d.append(nn.Conv2d(c_in, c, 4, 2, 1, bias=cfg.critic_norm == "none" or i == 0))
            if cfg.critic_norm == "batch" and i > 0:  # DCGAN: no batch norm on the discriminator's input layer
                d.append(nn.BatchNorm2d(c))
            d.append(nn.LeakyReLU(0.2, True))
            c_in = c
        d.append(nn.Flatten())
        self.features = nn.Sequential(*d)
        self.score = nn.Linear(c_in * 16, 1)
        self.classify = nn.Linear(c_in * 16, cfg.n_classes) if cfg.n_classes else None

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.cfg.z_dim, generator=generator)

    def generate(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Latents (B, z_dim) [and classes (B,)] -> images (B, C, H, W) in [-1, 1]."""
        if self.embed is not None:
            if y is None:
                raise ValueError("This GAN is conditional: give a class per latent.")
            z = z * self.embed(y)
        return self.generator(z)

    def critic(self, x: torch.Tensor):
        """Images in [-1, 1] -> score (B,), or (score, class logits (B, n_classes)) for a conditional GAN."""
        h = self.features(x)
        s = self.score(h).squeeze(-1)
        return (s, self.classify(h)) if self.classify is not None else s

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.generate(z, y)

    @staticmethod
    def to_unit(x: torch.Tensor) -> torch.Tensor:
        return (x.clamp(-1, 1) + 1) / 2

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None, y: torch.Tensor | None = None) -> torch.Tensor:
        """`n` images in [0, 1] from N(0, I) latents (classes `y`, or uniformly drawn ones for ACGAN)."""
        z = self.sample_z(n, generator)
        if self.embed is not None and y is None:
            y = torch.randint(self.cfg.n_classes, (n,), generator=generator)
        return self.to_unit(self.generate(z, y))
