"""FFDNet-style image denoiser with a small U-Net body: half resolution in, told (or estimating) the noise level.

Why this shape. From FFDNet (Zhang, Zuo & Zhang, 2018): a pixel-unshuffle turns an H x W image into four
H/2 x W/2 sub-images, so every 3x3 convolution costs a quarter as much; a noise-level map as an extra input channel
lets one network cover sigma in [0, 55]; the network predicts the noise and the output is the input minus it
(residual learning, as in DnCNN), which trains much faster than predicting the clean picture.
The body is a 3-level U-Net rather than FFDNet's flat stack: on a CPU budget it sees ~4x further (strong noise
needs context) at about half the cost per pixel of a flat 12x48 stack, which measured faster to train here.
No batch norm: it buys little without large batches and would make tiled inference depend on the tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.layers import AEOutput
from engine.registry import register_model


@dataclass
class FFDNetConfig:
    channels: int = 1  # image channels (1: gray; colour goes through the gray model per decorrelated channel)
    widths: tuple[int, ...] = (32, 64, 128)  # feature maps per U-Net level (half, quarter, eighth resolution)
    convs: int = 2  # 3x3 convolutions per block
    scale: int = 2  # pixel-unshuffle factor


def _block(cin: int, cout: int, n: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(n):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


@register_model("ffdnet")
class FFDNet(nn.Module):
    Config = FFDNetConfig

    def __init__(self, cfg: FFDNetConfig):
        super().__init__()
        self.cfg = cfg
        w, sub = list(cfg.widths), cfg.channels * cfg.scale**2
        self.head = _block(sub + 1, w[0], cfg.convs)
        self.down = nn.ModuleList(nn.Sequential(nn.Conv2d(a, b, 2, stride=2), nn.ReLU(inplace=True),
                                                _block(b, b, cfg.convs)) for a, b in zip(w[:-1], w[1:]))
        self.up = nn.ModuleList(nn.ConvTranspose2d(b, a, 2, stride=2) for a, b in zip(w[:-1], w[1:]))
        self.dec = nn.ModuleList(_block(a, a, cfg.convs) for a in w[:-1])
        self.tail = nn.Conv2d(w[0], sub, 3, padding=1)
        nn.init.zeros_(self.tail.weight)  # start as the identity (predicted noise 0), then learn the noise
        nn.init.zeros_(self.tail.bias)
        # Multiplier on an *estimated* noise level before it becomes the map: fitted on training pictures right
        # after training (see engine.experiments.images.calibrate_level) and saved with the weights. NaN: not
        # fitted yet, treated as 1.
        self.register_buffer("level_gain", torch.tensor(float("nan")))

    def train(self, mode: bool = True) -> "FFDNet":
        """Entering training mode forgets the fitted level gain: it describes the weights it was fitted on, and a
        continued run (`train --init`) changes them (a stale gain of 1.0 cost 0.16 dB on camera at sigma 25)."""
        if mode:
            self.level_gain.fill_(float("nan"))
        return super().train(mode)

    @property
    def multiple(self) -> int:
        """Full-resolution sizes must be multiples of this (unshuffle, then one halving per extra level)."""
        return self.cfg.scale * 2 ** (len(self.cfg.widths) - 1)

    @property
    def receptive_field(self) -> int:
        """Full-resolution pixels per side that one output pixel can see: how far tiles must overlap.
        Each 3x3 conv at level l reaches 2^l half-resolution pixels further; the 2x2 strided and transposed convs
        add one level-(l+1) pixel each way."""
        n, c = len(self.cfg.widths), self.cfg.convs
        half = c * 2 * 1 + 1  # head and last decoder block at level 0, and the tail conv
        for lvl in range(1, n):
            blocks = 1 if lvl == n - 1 else 2  # the bottom level has one block, the others one down and one up
            half += blocks * c * 2**lvl + 2 * 2**lvl
        return self.cfg.scale * (half + 1)

    def denoise(self, noisy: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """noisy (B, C, H, W) on the 0-1 scale, H and W multiples of `multiple`; sigma (B,) noise std, same scale."""
        s = self.cfg.scale
        x = F.pixel_unshuffle(noisy, s)
        level = sigma.reshape(-1, 1, 1, 1).expand(-1, 1, x.shape[2], x.shape[3]).to(x.dtype)
        h = self.head(torch.cat([x, level], 1))
        skips = []
        for down in self.down:
            skips.append(h)
            h = down(h)
        for up, dec in zip(reversed(self.up), reversed(self.dec)):
            h = dec(up(h) + skips.pop())
        return noisy - F.pixel_shuffle(self.tail(h), s)

    def forward(self, x: torch.Tensor, target: torch.Tensor | None = None) -> AEOutput:
        """x (B, C + 1, H, W): the noisy image and, as the last channel, its noise level (constant per image)."""
        noisy, sigma = x[:, :-1], x[:, -1, 0, 0]
        out = self.denoise(noisy, sigma)
        loss = F.mse_loss(out, target) if target is not None else torch.zeros(())  # MSE: what PSNR measures
        return AEOutput(recon=out, z=sigma, loss=loss, parts={"mse": float(loss.detach())})
