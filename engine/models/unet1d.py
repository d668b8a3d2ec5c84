"""A 1-D U-Net trace denoiser: the seed's encoder/decoder with skip connections, so fine timing detail need not
squeeze through the bottleneck, and more depth for context (the bottleneck sees ~the whole trace, which is what
tells a stationary RFI line or a broadband spike from the band-limited pulse).

Noise conditioning (`conditioned=True`): the network gets what a whitened matched filter gets, an estimate of the
noise power spectrum, as a second input channel - the trace *whitened* by that spectrum (and band-limited to
25-90 MHz), next to the trace itself. The spectrum comes, in this order, from the input (a row of 500 + 251 values:
trace, then spectrum - how training passes calibrated spectra), from `model.noise_psd` (set on a session copy by a
calibration on the user's noise-only traces), or, blind, from the trace itself (`self_psd`: the pulse's neighbourhood
cut out, then a multitaper spectrum smoothed to ~20 MHz; one trace's 500 samples hold ~the whole noise)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from scipy.signal import windows
from torch import nn

from engine.data.radio import BAND_MHZ, FREQS, N_SAMPLES, _taper
from engine.models.trace_ae import TraceDenoiser, conv_block
from engine.registry import register_model

N_FREQS = len(FREQS)
WHITEN_BAND_MHZ = (25.0, 90.0)  # a little wider than the pulse's 30-80 MHz, so chain edges stay visible
PSD_FLOOR = 1e-2  # relative to the in-band median: a bin far below the rest is not trusted to be that quiet


# Blind spectrum (issue 14, part 2). 4 DPSS tapers of time-bandwidth 2.5 (+-5 MHz): 4 nearly independent looks at
# one trace, ~a quarter of a single periodogram's variance (with the 5-bin mean on top, a per-bin log scatter of
# 0.34 on a known spectrum against 0.58 for part 1's Hann periodogram smoothed over 5 bins).
# The pulse is a few % of a trace's energy but all of it in 30-80 MHz, where it would be taken for noise (and
# whitened away): the +-PULSE_CUT samples around the strongest 30-80 MHz envelope are left out first (with their
# CUT_RAMP edges, at most 24 % of a trace, which costs a noise-only trace a little variance).
MT_NW, MT_TAPERS, MT_SMOOTH = 2.5, 4, 5
PULSE_CUT = 40  # samples either side; a band-limited pulse through a steep chain rings for ~30
CUT_RAMP = 20  # samples over which the cut fades in and out
_DPSS = torch.tensor(windows.dpss(N_SAMPLES, MT_NW, MT_TAPERS).copy(), dtype=torch.float32)
_PULSE_BAND = torch.tensor(_taper(FREQS, *BAND_MHZ, edge=5.0), dtype=torch.float32)


def self_psd(xn: torch.Tensor, smooth: int = MT_SMOOTH, cut: int = PULSE_CUT) -> torch.Tensor:
    """Blind noise spectrum of each trace (B, 500) -> (B, 251): the +-`cut` samples around the strongest 30-80 MHz
    envelope left out (0: none), then the mean of MT_TAPERS DPSS eigen-spectra, `smooth`-bin mean (10 MHz) on top.
    The scale is arbitrary (only the shape is used: `whiten` divides by the in-band median). On a noise-only trace
    the cut takes the loudest in-band stretch, so 30-80 MHz comes out ~5 % low: a fixed bias the network is trained
    with (training runs this very function), unlike the pulse, which would vary trace to trace."""
    n = xn.shape[-1]
    if cut > 0:
        bp = torch.fft.irfft(torch.fft.rfft(xn, dim=-1) * _PULSE_BAND.to(xn), n=n, dim=-1)
        env = nn.functional.avg_pool1d((bp ** 2)[:, None], 21, 1, 10, count_include_pad=False)[:, 0]
        # Raised-cosine edges: a hard cut would leak the strong low-frequency sky across the band.
        d = (torch.arange(n, device=xn.device)[None] - env.argmax(1, keepdim=True)).abs() - cut
        xn = xn * (0.5 - 0.5 * torch.cos(torch.pi * d.clamp(0, CUT_RAMP) / CUT_RAMP))
    p = (torch.fft.rfft(xn[:, None] * _DPSS.to(xn)[None], dim=-1).abs() ** 2).mean(1)
    return nn.functional.avg_pool1d(p[:, None], smooth, 1, smooth // 2, count_include_pad=False)[:, 0]


def whiten(xn: torch.Tensor, psd: torch.Tensor, band: torch.Tensor) -> torch.Tensor:
    """Traces (B, 500) divided in frequency by sqrt(psd) (B, 251) within `band` (a 0-1 taper), std 1 out."""
    inband = band > 0.5
    ref = psd[:, inband].median(dim=1, keepdim=True).values.clamp_min(1e-12)
    p = (psd / ref).clamp_min(PSD_FLOOR)
    w = torch.fft.irfft(torch.fft.rfft(xn, dim=-1) * band / p.sqrt(), n=xn.shape[-1], dim=-1)
    return w / w.std(dim=1, keepdim=True).clamp_min(1e-6)


@dataclass
class UNet1DConfig:
    input_shape: tuple[int, ...] = (500,)
    channels: tuple[int, ...] = (12, 16, 24, 32, 48)  # level widths; each level below the first halves the length
    kernel: int = 7
    window: int = 25
    window_weight: float = 4.0
    conditioned: bool = False  # a second input channel: the trace whitened by a noise spectrum (see above)
    # Weight of a penalty on the batch's mean log energy ratio (recovered / true, SNR >= 2.5; `trace_ae.energy_bias`):
    # 0 = plain MSE, which leaves the recovered pulses ~10 % short in energy.
    energy_weight: float = 0.0
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
        self.noise_psd: torch.Tensor | None = None  # (251,), set only on a calibrated session copy
        self.register_buffer("band", torch.tensor(_taper(FREQS, *WHITEN_BAND_MHZ, edge=5.0), dtype=torch.float32),
                             persistent=False)
        self.down = nn.ModuleList([conv_block(2 if cfg.conditioned else 1, ch[0], k, act=nn.GELU)]
                                  + [conv_block(a, b, k, act=nn.GELU) for a, b in zip(ch[:-1], ch[1:])])
        self.pool = nn.MaxPool1d(2)
        # Decoder level i: upsample from level i+1, concatenate the skip of level i, two convolutions.
        self.up = nn.ModuleList(conv_block(ch[i + 1] + ch[i], ch[i], k, act=nn.GELU) for i in range(len(ch) - 1))
        self.out = nn.Conv1d(ch[0], 1, 1)

    def prepare(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.reshape(len(x), -1)
        psd = None
        if x.shape[1] == N_SAMPLES + N_FREQS:  # trace + its noise spectrum (an all-zero spectrum: blind)
            x, psd = x[:, :N_SAMPLES], x[:, N_SAMPLES:]
        s = self._scale(x)
        xn = x / s
        if not self.cfg.conditioned:
            return xn[:, None], s
        blind = self_psd(xn)
        if psd is None and self.noise_psd is not None:
            psd = self.noise_psd.to(xn).expand(len(xn), -1)
        psd = blind if psd is None else torch.where(psd.sum(1, keepdim=True) > 0, psd, blind)
        return torch.stack([xn, whiten(xn, psd, self.band)], dim=1), s

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
