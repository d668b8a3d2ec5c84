"""A 1-D U-Net trace denoiser: the seed's encoder/decoder with skip connections, so fine timing detail need not
squeeze through the bottleneck, and more depth for context (the bottleneck sees ~the whole trace, which is what
tells a stationary RFI line or a broadband spike from the band-limited pulse)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from engine.models.trace_ae import TraceDenoiser, conv_block
from engine.registry import register_model


@dataclass
class UNet1DConfig:
    input_shape: tuple[int, ...] = (500,)
    channels: tuple[int, ...] = (12, 16, 24, 32, 48)  # level widths; each level below the first halves the length
    kernel: int = 7
    window: int = 25
    window_weight: float = 4.0
    latent_dim: int = 0  # filled in: all skip features and the bottleneck, flattened (+1 for the scale)


@register_model("radio-unet")
class UNet1D(TraceDenoiser):
    Config = UNet1DConfig

    def __init__(self, cfg: UNet1DConfig):
        self.sizes = [cfg.input_shape[0]]
        for _ in cfg.channels[1:]:
            self.sizes.append(self.sizes[-1] // 2)
        cfg.latent_dim = self.code_size([(c, s) for c, s in zip(cfg.channels, self.sizes)])
        super().__init__(cfg)
        ch, k = cfg.channels, cfg.kernel
        self.down = nn.ModuleList([conv_block(1, ch[0], k, act=nn.GELU)]
                                  + [conv_block(a, b, k, act=nn.GELU) for a, b in zip(ch[:-1], ch[1:])])
        self.pool = nn.MaxPool1d(2)
        # Decoder level i: upsample from level i+1, concatenate the skip of level i, two convolutions.
        self.up = nn.ModuleList(conv_block(ch[i + 1] + ch[i], ch[i], k, act=nn.GELU) for i in range(len(ch) - 1))
        self.out = nn.Conv1d(ch[0], 1, 1)

    @property
    def feature_shapes(self) -> list[tuple[int, ...]]:
        return [(c, s) for c, s in zip(self.cfg.channels, self.sizes)]

    def features(self, xn: torch.Tensor) -> list[torch.Tensor]:
        feats, h = [], xn
        for i, block in enumerate(self.down):
            h = block(h if i == 0 else self.pool(h))
            feats.append(h)
        return feats  # skips of every level, the last one is the bottleneck

    def head(self, feats: list[torch.Tensor]) -> torch.Tensor:
        h = feats[-1]
        for i in reversed(range(len(feats) - 1)):
            h = nn.functional.interpolate(h, size=feats[i].shape[-1], mode="linear", align_corners=False)
            h = self.up[i](torch.cat([h, feats[i]], dim=1))
        return self.out(h)[:, 0]
