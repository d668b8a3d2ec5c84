"""`colorize-unet`: gray in, colour out. Given the CIELAB lightness L of a picture it predicts the two chroma
channels a and b; the output is (L, a, b) with the input's L untouched, so the colourised picture has exactly the
input's lightness (the network never sees or changes it).

A small U-Net, fully convolutional (any size that is a multiple of 8 after padding): 3 levels, 8x downsampling,
so each output pixel sees ~70 px of context (a sky is blue because of what is around it, not of its own gray).
The loss is the per-pixel colour error itself: the Euclidean distance in (a, b), which, with L shared, is the
CIE76 Delta E. A squared loss would pull every uncertain pixel further towards gray.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.layers import AEOutput
from engine.registry import register_model

L_SCALE, AB_SCALE = 100.0, 100.0  # network units: L / 100 in [0, 1], (a, b) / 100 roughly in [-1, 1]


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.SiLU(), nn.Conv2d(c_out, c_out, 3, padding=1),
                         nn.SiLU())


@dataclass
class ColorizeConfig:
    input_shape: tuple[int, ...] = (1, 64, 64)  # training crops; inference takes any size
    widths: tuple[int, ...] = (16, 32, 64)

    def __post_init__(self) -> None:
        self.input_shape, self.widths = tuple(self.input_shape), tuple(self.widths)

    @property
    def latent_dim(self) -> int:
        return self.widths[-1]


@register_model("colorize-unet")
class ColorizeUNet(nn.Module):
    Config = ColorizeConfig

    def __init__(self, cfg: ColorizeConfig):
        super().__init__()
        self.cfg = cfg
        w1, w2, w3 = cfg.widths
        self.e1, self.e2, self.e3 = _block(1, w1), _block(w1, w2), _block(w2, w3)
        self.mid = _block(w3, w3)
        self.d3, self.d2, self.d1 = _block(2 * w3, w2), _block(2 * w2, w1), _block(2 * w1, w1)
        self.out = nn.Conv2d(w1, 2, 1)

    def chroma(self, lightness: torch.Tensor) -> torch.Tensor:
        """(B, H, W) L in 0-100 -> (B, 2, H, W) predicted (a, b). Pads to a multiple of 8 and crops back."""
        b, h, w = lightness.shape
        ph, pw = (-h) % 8, (-w) % 8
        x = F.pad(lightness[:, None] / L_SCALE, (0, pw, 0, ph), mode="replicate")
        h1 = self.e1(x)
        h2 = self.e2(F.avg_pool2d(h1, 2))
        h3 = self.e3(F.avg_pool2d(h2, 2))
        m = self.mid(F.avg_pool2d(h3, 2))
        up = lambda t: F.interpolate(t, scale_factor=2, mode="nearest")  # noqa: E731
        y = self.d3(torch.cat([up(m), h3], 1))
        y = self.d2(torch.cat([up(y), h2], 1))
        y = self.d1(torch.cat([up(y), h1], 1))
        return (self.out(y) * AB_SCALE)[:, :, :h, :w]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Pooled bottleneck features of an L image (B, 1, H, W) or (B, H, W): a code, for the generic API."""
        x = x.reshape(len(x), *x.shape[-2:])
        h = self.e3(F.avg_pool2d(self.e2(F.avg_pool2d(self.e1(x[:, None] / L_SCALE), 2)), 2))
        return self.mid(F.avg_pool2d(h, 2)).mean((2, 3))

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        """`x`: (B, 1, H, W) lightness L (0-100); `target`: (B, 2, H, W) true (a, b). Loss: mean Delta E (CIE76)."""
        ab = self.chroma(x[:, 0])
        if target is None:
            raise ValueError("colorize-unet trains on (lightness, true chroma) pairs; give the target chroma.")
        de = torch.sqrt(((ab - target) ** 2).sum(1) + 1e-6)
        return AEOutput(recon=ab, z=ab.mean((2, 3)), loss=de.mean(), parts={"delta_e": float(de.mean().detach())})
