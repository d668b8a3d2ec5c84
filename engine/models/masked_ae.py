"""`masked-conv-ae`: fills in the masked parts of a 28x28 digit (the masked-autoencoder task of He et al. 2021,
with a convolutional network instead of a ViT).

The input is the visible pixels (masked ones set to 0) and the mask itself as a second channel, so the network
knows a black pixel that is hidden from one that is really black. A small U-Net: 28 -> 14 -> 7, three dilated
convolutions at 7x7 so that every output sees the whole digit (a 75 % mask leaves a few scattered patches), and
skips back up. As in MAE the loss is only on the masked pixels; the visible pixels of the output are the input's.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.layers import AEOutput
from engine.registry import register_model


def _conv(c_in: int, c_out: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation), nn.SiLU())


@dataclass
class MaskedAEConfig:
    input_shape: tuple[int, ...] = (28, 28)
    width: int = 32  # channels at 28x28; 14x14 and 7x7 have twice as many

    def __post_init__(self) -> None:
        self.input_shape = tuple(self.input_shape)

    @property
    def latent_dim(self) -> int:  # the 7x7 feature map is the code
        return 2 * self.width * 7 * 7


@register_model("masked-conv-ae")
class MaskedConvAE(nn.Module):
    Config = MaskedAEConfig

    def __init__(self, cfg: MaskedAEConfig):
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        self.inc = _conv(2, w)
        self.down1 = nn.Sequential(nn.Conv2d(w, 2 * w, 3, 2, 1), nn.SiLU(), _conv(2 * w, 2 * w))  # 14
        self.down2 = nn.Sequential(nn.Conv2d(2 * w, 2 * w, 3, 2, 1), nn.SiLU())  # 7
        self.mid = nn.Sequential(_conv(2 * w, 2 * w, 1), _conv(2 * w, 2 * w, 2), _conv(2 * w, 2 * w, 3))
        self.up2 = nn.Sequential(nn.ConvTranspose2d(2 * w, 2 * w, 4, 2, 1), nn.SiLU())  # 14
        self.dec2 = _conv(4 * w, 2 * w)
        self.up1 = nn.Sequential(nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.SiLU())  # 28
        self.dec1 = _conv(2 * w, w)
        self.out = nn.Conv2d(w, 1, 3, padding=1)

    def fill_logits(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits of every pixel from the visible ones; `mask` is 1 where hidden. (B, 28, 28) -> (B, 28, 28)."""
        x, mask = x.reshape(len(x), 1, 28, 28), mask.reshape(len(x), 1, 28, 28).to(x.dtype)
        h1 = self.inc(torch.cat([x * (1 - mask), mask], 1))
        h2 = self.down1(h1)
        h = self.mid(self.down2(h2))
        h = self.dec2(torch.cat([self.up2(h), h2], 1))
        h = self.dec1(torch.cat([self.up1(h), h1], 1))
        return self.out(h)[:, 0]

    def fill(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The image with its masked pixels filled in and its visible pixels kept exactly."""
        mask = mask.reshape(x.shape).to(x.dtype)
        pred = torch.sigmoid(self.fill_logits(x, mask)).reshape(x.shape)
        return x * (1 - mask) + pred * mask

    # Not the shared Autoencoder interface (its input is an image *and* a mask): encode is the 7x7 feature map of
    # an unmasked image, reconstruct fills nothing.
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        zero = torch.zeros(len(x), 1, 28, 28)
        h = self.inc(torch.cat([x.reshape(len(x), 1, 28, 28), zero], 1))
        return self.mid(self.down2(self.down1(h))).flatten(1)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.fill(x, torch.zeros_like(x))

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        """`x`: (B, 2, 28, 28) the image and its mask (1 = hidden) stacked, as the experiment's batches give them;
        `target` the full image. Loss: binary cross-entropy summed over the masked pixels, averaged over the batch
        (squared error through the sigmoid sat on the "paint the mean digit" plateau for hundreds of steps, as it
        did for the digits denoiser; cross-entropy has no such plateau)."""
        img, mask = x[:, 0], x[:, 1]
        target = img if target is None else target.reshape(img.shape)
        logits = self.fill_logits(img, mask)
        pred = torch.sigmoid(logits)
        bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        loss = (bce * mask).sum((1, 2)).mean()
        mse = (((pred.detach() - target) ** 2) * mask).sum() / mask.sum().clamp(min=1.0)
        parts = {"masked_mse": float(mse)}
        return AEOutput(recon=img * (1 - mask) + pred * mask, z=pred, loss=loss, parts=parts)
