"""The HELD-OUT station: a noise (and chain) the networks never train on, written apart from the training simulators
(`radio.py`, `radio_family.py`) so that it does not share their code paths, only the physics and the constants of the
trace (500 samples at 1 GHz, pulse in 30-80 MHz, SNR = pulse peak / full-band noise std).

What makes it a stranger (each outside what training draws):
- **Sky**: galactic power ~ f^-3.15 (training: index 2.2-2.9; the realistic set 2.55), a steeper low-frequency sky.
- **Amplifier chain**: a 4th-order Chebyshev type-I band-pass, 26-92 MHz with 2 dB pass-band ripple (training chains
  are ripple-free Butterworth magnitudes), applied to sky, thermal noise and pulse alike.
- **RFI**: a station with four fixed carriers, at 59.4, 61.8, 101.3 and 104.7 MHz - all inside the windows no
  training station ever uses (`radio_family.EXCLUDED_RFI_MHZ`), two of them inside the pulse band. Each trace turns
  each carrier on with probability 0.7, with amplitude 0.3-1.1 x noise std and a random phase.
- **Transients**: 6 % of traces carry a ringing burst (a decaying 120-200 MHz oscillation, 5-15 ns decay), not the
  Gaussian spike of training.
- **Pulse**: a power-law spectrum (amplitude ~ (f/30 MHz)^-alpha, alpha 0-2.5) in a Tukey window over 30-80 MHz,
  constant phase, through the Chebyshev chain (training pulses: exponential slopes, Butterworth chains).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

FS = 1000.0  # MHz
N = 500
F = np.fft.rfftfreq(N, 1 / FS)
SKY_INDEX = 3.15
THERMAL = 0.3  # white amplitude relative to the sky's rms level, before the chain
CHAIN = dict(order=4, ripple_db=2.0, edges_mhz=(26.0, 92.0))
RFI_MHZ = (59.4, 61.8, 101.3, 104.7)
RFI_ON, RFI_AMP = 0.7, (0.3, 1.1)
BURST_P = 0.06


@lru_cache(maxsize=1)
def chain_gain() -> np.ndarray:
    """|H(f)| of the held-out amplifier chain at the trace's FFT bins (analog Chebyshev type I)."""
    b, a = signal.cheby1(CHAIN["order"], CHAIN["ripple_db"], 2 * np.pi * np.array(CHAIN["edges_mhz"]),
                         btype="bandpass", analog=True)
    _, h = signal.freqs(b, a, worN=2 * np.pi * F)
    return np.abs(h)


def _sky_and_thermal(rng: np.random.Generator, n: int) -> np.ndarray:
    sky = np.where(F > 0, F, np.inf) ** (-SKY_INDEX / 2)
    sky /= np.sqrt(np.mean(sky ** 2))
    amp = chain_gain() * np.sqrt(sky ** 2 + THERMAL ** 2)
    white = rng.normal(size=(n, 2, len(F)))
    return np.fft.irfft(amp * (white[:, 0] + 1j * white[:, 1]), N)


def noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """n noise-only traces of the held-out station, each scaled to std 1."""
    x = _sky_and_thermal(rng, n)
    x /= x.std(axis=1, keepdims=True)
    t = np.arange(N) / FS
    for f0 in RFI_MHZ:
        on = rng.random(n) < RFI_ON
        a = rng.uniform(*RFI_AMP, n) * on
        x += a[:, None] * np.cos(2 * np.pi * f0 * t[None] + rng.uniform(0, 2 * np.pi, (n, 1)))
    burst = np.flatnonzero(rng.random(n) < BURST_P)
    for i in burst:  # a few per thousand traces: a loop is clearer than masks
        t0, fr, tau = rng.uniform(10, 470), rng.uniform(120, 200), rng.uniform(5, 15)
        dt = np.arange(N) - t0
        x[i] += rng.uniform(2, 5) * (dt >= 0) * np.exp(-np.clip(dt, 0, None) / tau) * np.sin(2 * np.pi * fr * dt / FS)
    return x / x.std(axis=1, keepdims=True)


def pulses(rng: np.random.Generator, n: int) -> np.ndarray:
    """n unit-peak pulses of the held-out station (power-law spectra, through its chain)."""
    band = np.zeros(len(F))
    idx = np.flatnonzero((F >= 30) & (F <= 80))
    band[idx] = signal.windows.tukey(len(idx), 0.3)
    alpha = rng.uniform(0, 2.5, (n, 1))
    phi = rng.uniform(0, 2 * np.pi, (n, 1))
    t0 = rng.uniform(60, 440, (n, 1))
    spec = band * chain_gain() * (np.maximum(F, 1) / 30.0) ** (-alpha) * np.exp(1j * (phi - 2 * np.pi * F * t0 / FS))
    p = np.fft.irfft(spec, N)
    return p / np.abs(p).max(axis=1, keepdims=True)


@dataclass
class HeldOut:
    noisy: np.ndarray
    clean: np.ndarray
    peak: np.ndarray
    snr: np.ndarray


def simulate(n: int, snr: float | tuple[float, float], seed: int) -> HeldOut:
    """n held-out traces at a fixed SNR or an SNR uniform in (lo, hi)."""
    rng = np.random.default_rng(seed)
    p = pulses(rng, n)
    s = rng.uniform(*snr, n) if isinstance(snr, tuple) else np.full(n, float(snr))
    clean = p * s[:, None]
    noisy = clean + noise(rng, n)
    return HeldOut(noisy.astype(np.float32), clean.astype(np.float32), np.abs(p).argmax(1), s.astype(np.float32))
