"""`conv-vae`: a convolutional variational autoencoder for small gray images (28×28 MNIST digits).

Two stride-2 convolutions (28 -> 14 -> 7) read the strokes with weights shared across positions, which an MLP
must learn pixel by pixel; on 4 000 training digits that is what keeps the 2-D code from overfitting. The decoder
mirrors it with transposed convolutions. The KL term is switched on gradually (`kl_warmup_steps`): at full
weight from the first step it collapses the 2-D code towards the origin before the decoder has learnt anything
to say, and the classes end up piled on top of each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from engine.models.vae import WarmupGaussianVAE
from engine.registry import register_model


@dataclass
class ConvVAEConfig:
    input_shape: tuple[int, ...] = (28, 28)
    channels: tuple[int, ...] = (32, 64)  # after the first and the second stride-2 convolution
    hidden: int = 128
    latent_dim: int = 2
    beta: float = 1.0  # final weight of the KL term (< 1: classes further apart, less prior-like plane)
    kl_warmup_steps: int = 0  # the KL weight rises linearly from 0 to beta over this many training steps

    def __post_init__(self) -> None:  # JSON gives lists back; keep tuples so configs compare equal
        self.input_shape, self.channels = tuple(self.input_shape), tuple(self.channels)
        if len(self.input_shape) != 2 or any(s % 4 for s in self.input_shape):
            raise ValueError(f"conv-vae takes gray images whose sides divide by 4, not {self.input_shape}.")


@register_model("conv-vae")
class ConvVAE(WarmupGaussianVAE):
    Config = ConvVAEConfig

    def __init__(self, cfg: ConvVAEConfig):
        super().__init__(cfg)
        c1, c2 = cfg.channels
        h, w = cfg.input_shape
        self.small = (c2, h // 4, w // 4)
        n_small = c2 * (h // 4) * (w // 4)
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1), nn.SiLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.SiLU(),
            nn.Flatten(), nn.Linear(n_small, cfg.hidden), nn.SiLU(),
            nn.Linear(cfg.hidden, 2 * cfg.latent_dim),
        )
        self.decoder_fc = nn.Sequential(nn.Linear(cfg.latent_dim, cfg.hidden), nn.SiLU(),
                                        nn.Linear(cfg.hidden, n_small), nn.SiLU())
        self.decoder_conv = nn.Sequential(
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.SiLU(),
            nn.ConvTranspose2d(c1, 1, 4, stride=2, padding=1),
        )

    def stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x.reshape(len(x), 1, *self.input_shape)).chunk(2, dim=1)
        return mu, logvar.clamp(-12, 8)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder_conv(self.decoder_fc(z).reshape(len(z), *self.small)).reshape(len(z), -1)
