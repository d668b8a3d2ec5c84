"""`mlp-ae`: a fully connected autoencoder. With a 2-D latent its code space can be drawn as a map."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.models.layers import AEOutput, Autoencoder, mlp
from engine.registry import register_model


@dataclass
class MLPAEConfig:
    input_shape: tuple[int, ...]
    hidden: tuple[int, ...] = (256, 128)
    latent_dim: int = 2
    # Gaussian noise added to the code while training. With a 2-D code it pushes classes apart, so that a
    # slightly-off code still decodes to the same glyph (a margin, like a VAE's without the prior).
    latent_noise: float = 0.0
    # If > 0, codes are squashed into (-bound, bound) by a tanh. Latent noise only creates margins when the codes
    # cannot simply move further apart; a bounded plane also makes a map that fits the screen.
    latent_bound: float = 0.0

    def __post_init__(self) -> None:  # JSON gives lists back; keep tuples so configs compare equal
        self.input_shape, self.hidden = tuple(self.input_shape), tuple(self.hidden)


@register_model("mlp-ae")
class MLPAutoencoder(Autoencoder):
    Config = MLPAEConfig

    def __init__(self, cfg: MLPAEConfig):
        super().__init__(cfg)
        self.encoder = mlp([self.n_in, *cfg.hidden, cfg.latent_dim])
        self.decoder = mlp([cfg.latent_dim, *reversed(cfg.hidden), self.n_in])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        z = self.encoder(self.flat(x))
        b = self.cfg.latent_bound
        return b * torch.tanh(z / b) if b > 0 else z

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        """Encode `x`, decode, and score the result against `target` (defaults to `x`; a DAE passes the clean one)."""
        target = x if target is None else target
        z = self.encode(x)
        if self.training and self.cfg.latent_noise > 0:
            z = z + self.cfg.latent_noise * torch.randn_like(z)
        logits = self.decode_logits(z)
        # Summed over pixels, averaged over the batch: the scale of the loss does not depend on image size.
        loss = F.binary_cross_entropy_with_logits(logits, self.flat(target), reduction="sum") / len(x)
        return AEOutput(recon=torch.sigmoid(logits).reshape(x.shape), z=z, loss=loss)
