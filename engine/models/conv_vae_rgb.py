"""`conv-vae-rgb`: a convolutional VAE for colour images (the galaxies, 3×64×64).

Four stride-2 convolutions (64 -> 32 -> 16 -> 8 -> 4) read the image with weights shared across positions and
orientations of the same structure (an arm is an arm wherever it turns), which the seed's MLP must learn pixel by
pixel with 12 M weights; a fully connected layer gives (mu, log sigma^2). The decoder mirrors it with stride-2
transposed convolutions (kernel 4, which divides by the stride: no checkerboard), the last at half the width —
upsample-then-convolve blocks cost 2.5 s per batch of 64 on one CPU thread here, this ~0.3 s. The loss is the
shared GaussianVAE ELBO with `recon` "mse" (the seed's) or "bce", and an optional KL warm-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from engine.models.vae import WarmupGaussianVAE
from engine.registry import register_model


@dataclass
class ConvVAERGBConfig:
    input_shape: tuple[int, ...] = (3, 64, 64)
    channels: tuple[int, ...] = (32, 64, 96, 128)
    latent_dim: int = 32
    beta: float = 1.0
    recon: str = "mse"
    kl_warmup_steps: int = 0

    def __post_init__(self) -> None:
        self.input_shape, self.channels = tuple(self.input_shape), tuple(self.channels)
        f = 2 ** len(self.channels)
        if len(self.input_shape) != 3 or self.input_shape[1] % f or self.input_shape[2] % f:
            raise ValueError(f"conv-vae-rgb takes (C, H, W) images with sides divisible by {f}, "
                             f"not {self.input_shape}.")
        if self.recon not in ("bce", "mse"):
            raise ValueError(f"recon must be 'bce' or 'mse', not {self.recon!r}.")


@register_model("conv-vae-rgb")
class ConvVAERGB(WarmupGaussianVAE):
    Config = ConvVAERGBConfig

    def __init__(self, cfg: ConvVAERGBConfig):
        super().__init__(cfg)
        c, h, w = cfg.input_shape
        f = 2 ** len(cfg.channels)
        self.small = (cfg.channels[-1], h // f, w // f)
        n_small = cfg.channels[-1] * (h // f) * (w // f)
        enc, c_in = [], c
        for ch in cfg.channels:
            enc += [nn.Conv2d(c_in, ch, 3, stride=2, padding=1), nn.SiLU()]
            c_in = ch
        self.encoder = nn.Sequential(*enc, nn.Flatten(), nn.Linear(n_small, 2 * cfg.latent_dim))
        self.decoder_fc = nn.Sequential(nn.Linear(cfg.latent_dim, n_small), nn.SiLU())
        # Decoder widths mirror the encoder's, halved once more at full resolution where a layer costs the most.
        dec, chans = [], list(reversed(cfg.channels)) + [max(cfg.channels[0] // 2, 8)]
        for a, b in zip(chans[:-1], chans[1:]):
            dec += [nn.ConvTranspose2d(a, b, 4, stride=2, padding=1), nn.SiLU()]
        self.decoder_conv = nn.Sequential(*dec, nn.Conv2d(chans[-1], c, 3, padding=1))

    def stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x.reshape(len(x), *self.input_shape)).chunk(2, dim=1)
        return mu, logvar.clamp(-12, 8)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder_conv(self.decoder_fc(z).reshape(len(z), *self.small)).reshape(len(z), -1)
