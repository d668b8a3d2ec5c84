"""Classical radio filters: what a radio physicist would use instead of a network (batches of traces in/out).

- `bandpass`: 30-80 MHz Butterworth band-pass, run forwards and backwards (zero phase, so peaks do not move).
- `Wiener`: the Wiener filter S / (S + N) built from *ensemble* spectra (mean pulse and noise power spectra of the
  noise set), the best linear filter for the ensemble - but blind to what each trace's RFI is doing.
- `Wiener.matched`: the whitened matched filter: correlate with the mean pulse spectrum after dividing by the noise
  power spectrum. The pulse's phase varies trace to trace, so its output is read through the Hilbert envelope.
- `sine_subtract`: find the strongest spectral line, fit a sine at its (refined) frequency by least squares,
  subtract it, repeat while a line stands out: the standard remedy for narrow-band RFI.
Peak estimates of every method (networks included) go through the same `peak_estimate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

from engine.data import radio

TOLERANCE = 10  # samples: a peak estimate within +-10 samples (2 % of the trace) is a hit


def peak_estimate(y: np.ndarray) -> np.ndarray:
    """argmax |y| of each trace (N, 500) -> (N,), the issue's definition; the same for every method."""
    return np.abs(np.asarray(y)).argmax(axis=-1)


def peak_hits(y: np.ndarray, true_peak: np.ndarray) -> np.ndarray:
    """Boolean per trace: is the estimated peak within TOLERANCE samples of the true one?"""
    return np.abs(peak_estimate(y) - np.asarray(true_peak)) <= TOLERANCE


@lru_cache(maxsize=1)
def _butter_sos(order: int = 4) -> np.ndarray:
    return signal.butter(order, radio.BAND_MHZ, btype="bandpass", fs=radio.FS_MHZ, output="sos")


def bandpass(x: np.ndarray) -> np.ndarray:
    """30-80 MHz zero-phase Butterworth band-pass (order 4, applied forwards and backwards)."""
    return signal.sosfiltfilt(_butter_sos(), np.asarray(x, dtype=np.float64), axis=-1).astype(np.float32)


@dataclass
class Wiener:
    """Ensemble spectra of one noise set: mean power spectrum of unit-peak pulses and of std-1 noise."""

    pulse_power: np.ndarray  # (251,)
    noise_power: np.ndarray  # (251,)

    @classmethod
    def fit(cls, noise_set: str, n: int = 4000, seed: int = 99) -> "Wiener":
        """Measure the ensemble spectra on n simulated traces (a calibration draw, never the evaluation one)."""
        rng = np.random.default_rng(seed)
        p = np.fft.rfft(radio.pulses(rng, n), axis=1)
        nz = np.fft.rfft(radio.noise(rng, n, noise_set), axis=1)
        return cls((np.abs(p) ** 2).mean(0), (np.abs(nz) ** 2).mean(0))

    @classmethod
    def from_noise(cls, noise: np.ndarray, pulse_power: np.ndarray) -> "Wiener":
        """From a station's noise-only traces (K, 500) and the expected pulse power spectrum (what a physicist
        calibrating a matched filter on their own station has)."""
        nz = np.fft.rfft(np.asarray(noise, dtype=np.float64), axis=1)
        return cls(np.asarray(pulse_power, dtype=np.float64), (np.abs(nz) ** 2).mean(0))

    def filter(self, x: np.ndarray, snr: float | np.ndarray = 2.0) -> np.ndarray:
        """Wiener-filtered traces: the pulse estimate S/(S+N) X, with S scaled to the given SNR."""
        s = np.asarray(snr, dtype=np.float64).reshape(-1, 1) ** 2 * self.pulse_power
        h = s / (s + self.noise_power + 1e-12)
        return np.fft.irfft(np.fft.rfft(x, axis=-1) * h, radio.N_SAMPLES, axis=-1).astype(np.float32)

    def matched(self, x: np.ndarray) -> np.ndarray:
        """Whitened matched filter output, scaled so a trace's output peaks where the pulse would."""
        h = np.sqrt(self.pulse_power) / (self.noise_power + 1e-12)
        y = np.fft.irfft(np.fft.rfft(x, axis=-1) * h, radio.N_SAMPLES, axis=-1)
        return (y / (np.abs(y).max(axis=-1, keepdims=True) + 1e-12)).astype(np.float32)


def noise_psd(noise: np.ndarray) -> np.ndarray:
    """The noise power spectrum measured on noise-only traces (..., K, 500) -> (..., 251): the mean Hann-windowed
    periodogram of the traces, each scaled to std 1 first (so a file's units do not matter). This is what the
    networks are conditioned on after a calibration, and what `Wiener.from_noise` uses."""
    x = np.asarray(noise, dtype=np.float64)
    x = x / (x.std(axis=-1, keepdims=True) + 1e-12)
    return (np.abs(np.fft.rfft(x * np.hanning(x.shape[-1]), axis=-1)) ** 2).mean(-2)


def oracle_amplitude(x: np.ndarray, pulse: np.ndarray, noise_power: np.ndarray) -> np.ndarray:
    """Per trace, the least-squares amplitude of the *true* pulse shape in the noisy trace, noise whitened by the
    ensemble spectrum (1 = exact). Not a filter anyone could run (it is told each trace's pulse), but the reference
    for energy: a^2 - 1 is the relative energy error of the best unbiased estimate with the shape known."""
    p, xf = np.fft.rfft(pulse, axis=-1), np.fft.rfft(x, axis=-1)
    return (np.conj(p) * xf / noise_power).real.sum(-1) / (np.abs(p) ** 2 / noise_power).sum(-1)


@lru_cache(maxsize=None)
def wiener_for(noise_set: str) -> Wiener:
    """The ensemble Wiener/matched filter of a noise set (fitted once per process, ~0.1 s)."""
    return Wiener.fit(noise_set)


def _fit_sines(x: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares sines at frequencies f (N, K) MHz for each trace x (N, 500): fitted waves (N, K, 500) and
    their residual energies (N, K)."""
    t = np.arange(radio.N_SAMPLES) / radio.FS_MHZ
    arg = 2 * np.pi * f[..., None] * t
    c, s = np.cos(arg), np.sin(arg)
    # 2x2 normal equations per (trace, candidate frequency).
    cc, ss, cs = (c * c).sum(-1), (s * s).sum(-1), (c * s).sum(-1)
    xc, xs = (x[:, None] * c).sum(-1), (x[:, None] * s).sum(-1)
    det = cc * ss - cs * cs + 1e-12
    a, b = (xc * ss - xs * cs) / det, (xs * cc - xc * cs) / det
    wave = a[..., None] * c + b[..., None] * s
    resid = ((x[:, None] - wave) ** 2).sum(-1)
    return wave, resid


def sine_subtract(x: np.ndarray, max_lines: int = 4, prominence: float = 12.0, pad: int = 8) -> np.ndarray:
    """Remove up to `max_lines` sine waves per trace: each round takes the strongest line of the zero-padded
    spectrum, refines its frequency on a fine grid by least squares and subtracts the fitted sine, while the line's
    power stands `prominence` times above the median of the spectrum."""
    y = np.array(x, dtype=np.float64, ndmin=2)
    n = radio.N_SAMPLES
    freqs = np.fft.rfftfreq(n * pad, 1.0 / radio.FS_MHZ)
    step = freqs[1]
    for _ in range(max_lines):
        power = np.abs(np.fft.rfft(y, n * pad, axis=1)) ** 2
        k = power[:, 1:].argmax(1) + 1
        line = power[np.arange(len(y)), k] > prominence * np.median(power, axis=1)
        if not line.any():
            break
        idx = np.flatnonzero(line)
        # Parabolic interpolation of the log power around the padded peak refines the frequency well below a bin.
        lp = np.log(power[idx[:, None], np.clip(k[idx, None] + np.arange(-1, 2), 0, power.shape[1] - 1)] + 1e-30)
        shift = 0.5 * (lp[:, 0] - lp[:, 2]) / (lp[:, 0] - 2 * lp[:, 1] + lp[:, 2] - 1e-12)
        f = (freqs[k[idx]] + np.clip(shift, -1, 1) * step)[:, None]
        wave, _ = _fit_sines(y[idx], f)
        y[idx] -= wave[:, 0]
    return y.astype(np.float32).reshape(np.shape(x))


BASELINES = ("bandpass", "wiener", "matched", "sine_sub")
LABELS = {"bandpass": "band-pass 30-80 MHz", "wiener": "Wiener (ensemble)", "matched": "whitened matched filter",
          "sine_sub": "sine subtraction"}


def apply(method: str, x: np.ndarray, noise_set: str, snr: float | np.ndarray = 2.0) -> np.ndarray:
    """Run a classical method by name on a batch of traces of a noise set (a registry, not an if-chain)."""
    table = {
        "bandpass": lambda: bandpass(x),
        "wiener": lambda: wiener_for(noise_set).filter(x, snr),
        "matched": lambda: wiener_for(noise_set).matched(x),
        "sine_sub": lambda: sine_subtract(x),
    }
    if method not in table:
        raise ValueError(f"Unknown method {method!r}; choose one of {', '.join(BASELINES)}.")
    return table[method]()
