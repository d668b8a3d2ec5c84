"""The seed's design (after Erdmann, Schlueter and Smida, arXiv:1901.04079): a 1-D convolutional denoising
autoencoder, 500 samples in, convolutions and 2x pooling down to 16 channels x 31 samples, mirrored decoder
(upsampling and convolutions) back to 500 samples. No skip connections: everything passes the 16 x 31 bottleneck.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from engine.models.trace_ae import TraceDenoiser, conv_block
from engine.registry import register_model


@dataclass
class Conv1DAEConfig:
    input_shape: tuple[int, ...] = (500,)
    channels: tuple[int, ...] = (16, 16, 16, 16)  # per level; four 2x poolings: 500 -> 250 -> 125 -> 62 -> 31
    kernel: int = 9
    window: int = 25  # loss: samples within +-window of the true peak ...
    window_weight: float = 4.0  # ... count (1 + window_weight) times
    latent_dim: int = 0  # filled in: the flattened bottleneck (+1 for the trace's scale)


@register_model("radio-conv-ae")
class Conv1DAE(TraceDenoiser):
    Config = Conv1DAEConfig

    def __init__(self, cfg: Conv1DAEConfig):
        n = cfg.input_shape[0]
        self.sizes = [n]
        for _ in cfg.channels:
            self.sizes.append(self.sizes[-1] // 2)
        cfg.latent_dim = cfg.channels[-1] * self.sizes[-1] + 1
        super().__init__(cfg)
        ch = (1,) + tuple(cfg.channels)
        self.down = nn.ModuleList(conv_block(a, b, cfg.kernel) for a, b in zip(ch[:-1], ch[1:]))
        self.pool = nn.MaxPool1d(2)
        rev = tuple(reversed(cfg.channels))
        self.up = nn.ModuleList(conv_block(a, b, cfg.kernel) for a, b in zip(rev, rev[1:] + (rev[-1],)))
        self.out = nn.Conv1d(rev[-1], 1, cfg.kernel, padding=cfg.kernel // 2)

    @property
    def feature_shapes(self) -> list[tuple[int, ...]]:
        return [(self.cfg.channels[-1], self.sizes[-1])]

    def features(self, xn: torch.Tensor) -> list[torch.Tensor]:
        h = xn
        for block in self.down:
            h = self.pool(block(h))
        return [h]

    def head(self, feats: list[torch.Tensor]) -> torch.Tensor:
        h = feats[0]
        for block, size in zip(self.up, reversed(self.sizes[:-1])):
            h = block(nn.functional.interpolate(h, size=size, mode="nearest"))
        return self.out(h)[:, 0]
