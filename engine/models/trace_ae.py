"""Shared part of the 1-D trace denoisers: per-trace normalisation, the pulse-window loss, and the packing of a
network's features into one flat code so the generic encode/decode/reconstruct facade works on traces too.

The networks are blind: they see only the noisy trace, divided by its own standard deviation (so any amplitude
scale works), and predict the clean pulse on that scale; the output is multiplied back.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from engine.models.layers import AEOutput, Autoencoder


class TraceDenoiser(Autoencoder):
    """Base class: subclasses define `features(xn) -> list of tensors` and `head(features) -> (B, 500)` on the
    normalised scale, and `feature_shapes` (the shape of each feature tensor without the batch axis)."""

    def __init__(self, cfg):
        super().__init__(cfg)

    # -- the code: every feature tensor the decoder needs, flattened, plus the trace's scale -----------------------
    @property
    def feature_shapes(self) -> list[tuple[int, ...]]:
        raise NotImplementedError

    def features(self, xn: torch.Tensor) -> list[torch.Tensor]:
        raise NotImplementedError

    def head(self, feats: list[torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    @staticmethod
    def code_size(shapes: list[tuple[int, ...]]) -> int:
        return sum(math.prod(s) for s in shapes) + 1

    def _scale(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(len(x), -1).std(dim=1, keepdim=True).clamp_min(1e-6)

    def prepare(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Noisy traces (B, 500) -> the network's input (B, C, 500) on the normalised scale, and each trace's scale.
        Here one channel, the trace itself; a conditioned model adds channels (see unet1d)."""
        x = x.reshape(len(x), -1)
        s = self._scale(x)
        return (x / s)[:, None], s

    def denoise(self, x: torch.Tensor) -> torch.Tensor:
        """Noisy traces (B, 500) -> pulse estimates (B, 500) on the input's scale."""
        xin, s = self.prepare(x)
        return self.head(self.features(xin)) * s

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        xin, s = self.prepare(x)
        return torch.cat([f.flatten(1) for f in self.features(xin)] + [s], dim=1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        sizes = [math.prod(sh) for sh in self.feature_shapes]
        parts = torch.split(z, sizes + [1], dim=1)
        feats = [p.reshape(len(z), *sh) for p, sh in zip(parts[:-1], self.feature_shapes)]
        return (self.head(feats) * parts[-1]).reshape(len(z), *self.input_shape)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        return self.denoise(x).reshape(len(x), *self.input_shape)

    def forward(self, x: torch.Tensor, target: torch.Tensor) -> AEOutput:
        """MSE on the normalised scale, with the samples within `cfg.window` of the true peak weighted
        (1 + cfg.window_weight): most of a trace is noise only, and the peak region is what the metrics read."""
        target = target.reshape(len(target), -1)
        xin, s = self.prepare(x)
        feats = self.features(xin)
        out = self.head(feats)
        t = target / s
        peak = t.abs().argmax(dim=1, keepdim=True)
        idx = torch.arange(t.shape[1], device=t.device)[None]
        w = 1.0 + self.cfg.window_weight * ((idx - peak).abs() <= self.cfg.window).float()
        err = (out - t) ** 2
        loss = (w * err).mean()
        parts = {"mse": float(err.mean().detach())}
        ew = getattr(self.cfg, "energy_weight", 0.0)
        if ew > 0:  # the batch's energy bias, see UNet1DConfig.energy_weight
            loss = loss + ew * energy_bias(out, t, x.reshape(len(x), -1)[:, :t.shape[1]] / s, peak, self.cfg.window)
        return AEOutput(recon=(out * s).reshape(target.shape), z=feats[-1].flatten(1), loss=loss, parts=parts)


def energy_bias(out: torch.Tensor, t: torch.Tensor, xn: torch.Tensor, peak: torch.Tensor, window: int,
                min_snr: float = 2.5) -> torch.Tensor:
    """Squared mean log ratio of recovered to true pulse energy within +-window of the true peak, over the
    batch's traces at SNR >= min_snr (0 if none): a penalty on a *shared* bias only, so it asks for no per-trace
    accuracy the MSE does not already ask for. An MSE denoiser shrinks the pulses it is unsure of; this undoes the
    systematic part of that shrinkage (what the card's energy bias measures) at little cost in MSE."""
    idx = torch.arange(t.shape[1], device=t.device)[None]
    near = ((idx - peak).abs() <= window).float()
    snr = t.abs().amax(1) / (xn - t).std(1).clamp_min(1e-6)
    use = snr >= min_snr
    if not use.any():
        return out.new_zeros(())
    e_out, e_t = ((out ** 2) * near).sum(1)[use], ((t ** 2) * near).sum(1)[use]
    return torch.log((e_out + 1e-6) / (e_t + 1e-6)).mean() ** 2


def conv_block(c_in: int, c_out: int, k: int, n: int = 2, act: type[nn.Module] = nn.ELU) -> nn.Sequential:
    """n 'same'-padded 1-D convolutions with an activation after each."""
    layers: list[nn.Module] = []
    for i in range(n):
        layers += [nn.Conv1d(c_in if i == 0 else c_out, c_out, k, padding=k // 2), act()]
    return nn.Sequential(*layers)
