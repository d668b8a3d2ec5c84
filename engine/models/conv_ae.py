"""Convolutional autoencoders for 28x28 digits.

`conv-dae`: the Keras tutorial's denoising autoencoder (Conv 32 -> pool -> Conv 32 -> pool, then upsample mirrored)
with optional extra convolutions per level and a wider bottleneck. Its "code" is the 7x7 feature map, flattened.
`conv-ae-k`: a family of deterministic bottleneck autoencoders, one per latent size k, trained together (one
checkpoint, one card) for the PCA comparison; `encode`/`decode` act as the sub-model of `default_k`, `sub(k)` gives
any other one.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.layers import AEOutput, Autoencoder
from engine.registry import register_model


def _block(c_in: int, c_out: int, depth: int) -> list[nn.Module]:
    """`depth` 3x3 convolutions with ReLU, the first one changing the width."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1), nn.ReLU()]
    return layers


@dataclass
class ConvDAEConfig:
    input_shape: tuple[int, ...] = (28, 28)
    channels: tuple[int, ...] = (32, 32)  # width at 28x28 and at 14x14 (the Keras seed: 32, 32)
    depth: int = 1  # convolutions per level (the seed: 1)
    loss: str = "bce"  # "bce" (the seed's) or "mse" (what PSNR measures)

    def __post_init__(self) -> None:
        self.input_shape, self.channels = tuple(self.input_shape), tuple(self.channels)

    @property
    def latent_dim(self) -> int:  # the 7x7 feature map is the code
        return self.channels[1] * 7 * 7


@register_model("conv-dae")
class ConvDAE(Autoencoder):
    Config = ConvDAEConfig

    def __init__(self, cfg: ConvDAEConfig):
        super().__init__(cfg)
        c1, c2 = cfg.channels
        self.encoder = nn.Sequential(*_block(1, c1, cfg.depth), nn.MaxPool2d(2),
                                     *_block(c1, c2, cfg.depth), nn.MaxPool2d(2))
        self.decoder = nn.Sequential(*_block(c2, c2, cfg.depth), nn.Upsample(scale_factor=2),
                                     *_block(c2, c1, cfg.depth), nn.Upsample(scale_factor=2),
                                     nn.Conv2d(c1, 1, 3, padding=1))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x.reshape(len(x), 1, 28, 28)).flatten(1)

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z.reshape(len(z), self.cfg.channels[1], 7, 7)).flatten(1)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        target = x if target is None else target
        z = self.encode(x)
        logits = self.decode_logits(z)
        return AEOutput(recon=torch.sigmoid(logits).reshape(x.shape), z=z,
                        loss=_pixel_loss(logits, target, self.cfg.loss))


def _pixel_loss(logits: torch.Tensor, target: torch.Tensor, kind: str) -> torch.Tensor:
    """Summed over pixels, averaged over the batch."""
    t = target.reshape(len(target), -1)
    if kind == "bce":
        return F.binary_cross_entropy_with_logits(logits, t, reduction="sum") / len(t)
    if kind == "mse":
        return F.mse_loss(torch.sigmoid(logits), t, reduction="sum") / len(t)
    raise ValueError(f"Unknown loss {kind!r}; use 'bce' or 'mse'.")


class _BottleneckAE(nn.Module):
    """Conv encoder 28 -> 14 -> 7 -> 4 (stride-2), an MLP to k numbers, and the mirror image back."""

    def __init__(self, k: int, width: int, hidden: int):
        super().__init__()
        w = width
        self.enc = nn.Sequential(
            nn.Conv2d(1, w, 3, 2, 1), nn.SiLU(), nn.Conv2d(w, 2 * w, 3, 2, 1), nn.SiLU(),
            nn.Conv2d(2 * w, 2 * w, 3, 2, 1), nn.SiLU(), nn.Flatten(),
            nn.Linear(2 * w * 16, hidden), nn.SiLU(), nn.Linear(hidden, k))
        self.dec_mlp = nn.Sequential(nn.Linear(k, hidden), nn.SiLU(), nn.Linear(hidden, 2 * w * 16), nn.SiLU())
        self.dec_conv = nn.Sequential(  # 4 -> 7 -> 14 -> 28
            nn.ConvTranspose2d(2 * w, 2 * w, 3, 2, 1), nn.SiLU(),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.SiLU(),
            nn.ConvTranspose2d(w, 1, 4, 2, 1))  # no conv at full size: it would cost most of the compute
        self.w = w

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x.reshape(len(x), 1, 28, 28))

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec_conv(self.dec_mlp(z).reshape(len(z), 2 * self.w, 4, 4)).flatten(1)


@dataclass
class ConvAEKConfig:
    input_shape: tuple[int, ...] = (28, 28)
    ks: tuple[int, ...] = (2, 4, 8, 16, 32)
    width: int = 16  # channels of the first conv (the next two have twice as many)
    hidden: int = 128
    default_k: int = 2  # the sub-model encode/decode use (2: its code is the 2-D scatter)

    def __post_init__(self) -> None:
        self.input_shape, self.ks = tuple(self.input_shape), tuple(int(k) for k in self.ks)
        if self.default_k not in self.ks:
            raise ValueError(f"default_k={self.default_k} is not one of ks={self.ks}.")

    @property
    def latent_dim(self) -> int:
        return self.default_k


@register_model("conv-ae-k")
class ConvAEK(Autoencoder):
    """Several bottleneck AEs sharing nothing but a checkpoint; trained at once on the same batches (loss = sum)."""

    Config = ConvAEKConfig

    def __init__(self, cfg: ConvAEKConfig):
        super().__init__(cfg)
        self.subs = nn.ModuleDict({str(k): _BottleneckAE(k, cfg.width, cfg.hidden) for k in cfg.ks})

    def sub(self, k: int) -> _BottleneckAE:
        if str(k) not in self.subs:
            raise ValueError(f"No autoencoder with latent size {k}; available: {', '.join(self.subs)}.")
        return self.subs[str(k)]

    def encode(self, x: torch.Tensor, k: int | None = None) -> torch.Tensor:
        return self.sub(k or self.cfg.default_k).encode(x)

    def decode_logits(self, z: torch.Tensor, k: int | None = None) -> torch.Tensor:
        return self.sub(k or self.cfg.default_k).decode_logits(z)

    def reconstruct_k(self, x: torch.Tensor, k: int) -> torch.Tensor:
        s = self.sub(k)
        return torch.sigmoid(s.decode_logits(s.encode(x))).reshape(x.shape)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        # MSE is what the PCA comparison measures, so every sub-model minimises it directly.
        target = x if target is None else target
        total, parts, recon, z = 0.0, {}, None, None
        for k, s in self.subs.items():
            zk = s.encode(x)
            logits = s.decode_logits(zk)
            loss = _pixel_loss(logits, target, "mse")
            total = total + loss
            parts[f"mse_k{k}"] = float(loss.detach()) / logits.shape[1]
            if int(k) == self.cfg.default_k:
                recon, z = torch.sigmoid(logits).reshape(x.shape), zk
        return AEOutput(recon=recon, z=z, loss=total, parts=parts)
