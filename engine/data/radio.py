"""Simulated cosmic-ray air-shower radio traces: a band-limited pulse in one of three kinds of noise.

Everything is vectorised numpy over a batch of traces and seeded, so a batch of traces is a pure function of
(noise set, SNR, seed). Units: samples of 1 ns (1 GHz sampling), frequencies in MHz.

- Pulse: built in the frequency domain inside the 30-80 MHz band of the antenna chain, with a random spectral slope
  (air-shower spectra fall with frequency by a varying amount), a random constant phase (0 gives a symmetric,
  unipolar-looking pulse, pi/2 a bipolar one) and a random arrival time; scaled to unit peak |amplitude|.
- Noise sets: `realistic` (galactic noise with power ~ f^-2.55 in 20-150 MHz, thermal white noise, 0-3 narrow RFI
  lines whose frequencies and amplitudes vary trace to trace, and an occasional short broadband transient),
  `uniform` (white, uniformly distributed) and `cosine` (one to three sine waves of random frequency and phase).
- SNR = max|pulse| / std(noise), the noise std taken over the full band and the whole trace (each trace's noise
  is scaled to std 1 exactly, so a trace at SNR s is `s * pulse + noise`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

N_SAMPLES = 500
FS_MHZ = 1000.0  # 1 GHz sampling
BAND_MHZ = (30.0, 80.0)  # the antenna chain's band: the pulse lives only here
GALACTIC_MHZ = (20.0, 150.0)
GALACTIC_INDEX = 2.55  # galactic noise power ~ f^-2.55
NOISE_SETS = ("realistic", "uniform", "cosine")
FREQS = np.fft.rfftfreq(N_SAMPLES, 1.0 / FS_MHZ)  # 0, 2, ..., 500 MHz
ARRIVAL = (60, 440)  # arrival sample range: keeps the pulse's ringing inside the trace
TRAIN_SNR = (1.0, 5.0)  # the SNR spread the models are trained and the per-set metrics evaluated on


@dataclass
class Traces:
    """A batch of simulated traces. `noisy = clean + noise`; `peak` = argmax |clean| (the true peak sample)."""

    noisy: np.ndarray  # (N, 500) float32
    clean: np.ndarray  # (N, 500) float32, the pulse scaled to the trace's SNR
    peak: np.ndarray  # (N,) int
    snr: np.ndarray  # (N,) float32
    noise_set: str
    rfi_in_band: np.ndarray | None = None  # (N,) int: RFI lines inside 30-80 MHz (realistic set)
    transient: np.ndarray | None = None  # (N,) bool: a broadband transient was added (realistic set)

    def __len__(self) -> int:
        return len(self.noisy)


def _taper(f: np.ndarray, lo: float, hi: float, edge: float) -> np.ndarray:
    """1 inside [lo, hi], 0 outside, with raised-cosine edges `edge` MHz wide inside the band (no hard steps, so
    the pulse rings only briefly)."""
    w = np.zeros_like(f)
    inside = (f >= lo) & (f <= hi)
    w[inside] = 1.0
    rise = inside & (f < lo + edge)
    w[rise] = 0.5 - 0.5 * np.cos(np.pi * (f[rise] - lo) / edge)
    fall = inside & (f > hi - edge)
    w[fall] = 0.5 - 0.5 * np.cos(np.pi * (hi - f[fall]) / edge)
    return w


BAND_WINDOW = _taper(FREQS, *BAND_MHZ, edge=8.0)


def _delay(t0: np.ndarray, block: int = 16) -> np.ndarray:
    """exp(-2 pi i f t0 / fs) at every FREQS (= k * df) for each delay t0: (n, len(FREQS)). The phase factor
    of bin k is z**k with z = exp(-2 pi i df t0 / fs); writing k = block * a + b needs only 2 * 16 complex
    exponentials per trace instead of 251 (the simulator's hot spot), equal to ~1e-15."""
    z = -2j * np.pi * (FREQS[1] - FREQS[0]) * t0[:, None] / FS_MHZ
    fine = np.exp(z * np.arange(block))
    coarse = np.exp(z * np.arange(0, len(FREQS) + block - 1, block))
    return (coarse[:, :, None] * fine[:, None, :]).reshape(len(t0), -1)[:, :len(FREQS)]


def pulses(rng: np.random.Generator, n: int) -> np.ndarray:
    """n unit-peak pulses (n, 500): random spectral slope, constant phase and arrival time."""
    slope = rng.uniform(-0.5, 2.5, (n, 1))  # amplitude falls by e^slope from 30 to 80 MHz (negative: rises)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    t0 = rng.uniform(*ARRIVAL, (n, 1))
    amp = BAND_WINDOW * np.exp(-slope * (FREQS - BAND_MHZ[0]) / (BAND_MHZ[1] - BAND_MHZ[0]))
    spec = amp * np.exp(1j * phase) * _delay(t0[:, 0])
    p = np.fft.irfft(spec, N_SAMPLES, axis=1)
    return p / np.abs(p).max(axis=1, keepdims=True)


GALACTIC_SHAPE = _taper(FREQS, *GALACTIC_MHZ, edge=6.0) * np.where(FREQS > 0, FREQS, 1.0) ** (-GALACTIC_INDEX / 2)
# Scaled so galactic noise alone has the same std as white noise of unit amplitude spectrum (the thermal part).
GALACTIC_UNIT = GALACTIC_SHAPE * np.sqrt(len(FREQS) / (GALACTIC_SHAPE ** 2).sum())


def _sines(rng: np.random.Generator, n: int, count: np.ndarray, f_lo: float, f_hi: float,
           amp_lo: float, amp_hi: float, info: dict | None = None) -> np.ndarray:
    """Sum of `count[i]` (<= 3) sines per trace, random frequency, phase and amplitude. `info["rfi_in_band"]`
    (if a dict is given) counts each trace's lines inside the 30-80 MHz band."""
    t = np.arange(N_SAMPLES)
    out = np.zeros((n, N_SAMPLES))
    in_band = np.zeros(n, dtype=int)
    for k in range(3):
        f = rng.uniform(f_lo, f_hi, n)
        ph = rng.uniform(0, 2 * np.pi, n)
        a = rng.uniform(amp_lo, amp_hi, n)
        on = np.flatnonzero(count > k)  # draws above are made for every trace so results do not depend on n
        arg = np.multiply.outer(2 * np.pi * f[on] / FS_MHZ, t)  # in place from here: fewer n x 500 temporaries
        arg += ph[on, None]
        np.sin(arg, out=arg)
        arg *= a[on, None]
        out[on] += arg
        in_band += (count > k) & (f >= BAND_MHZ[0]) & (f <= BAND_MHZ[1])
    if info is not None:
        info["rfi_in_band"] = in_band
    return out


def _std1(x: np.ndarray) -> np.ndarray:
    x /= x.std(axis=1, keepdims=True)  # in place: callers pass arrays they own
    return x


def noise(rng: np.random.Generator, n: int, noise_set: str, info: dict | None = None) -> np.ndarray:
    """n noise traces (n, 500) of the given set, each scaled to std 1 over the full band. For `realistic`, a
    dict passed as `info` receives per trace the number of RFI lines in the 30-80 MHz band and the transients."""
    if noise_set == "realistic":
        # Galactic plus thermal noise drawn in one go in the frequency domain: per trace a thermal share r of the
        # galactic level (galactic dominates at these frequencies), i.e. amplitude sqrt(G^2 + r^2 T^2).
        r = rng.uniform(0.2, 0.5, (n, 1))
        shape = np.sqrt(GALACTIC_UNIT ** 2 + r ** 2)
        spec = np.empty((n, len(FREQS)), dtype=complex)
        spec.real = rng.standard_normal((n, len(FREQS)))  # the same draws, in the same order, as re + 1j * im
        spec.imag = rng.standard_normal((n, len(FREQS)))
        spec *= shape
        x = _std1(np.fft.irfft(spec, N_SAMPLES, axis=1))
        # RFI: 0-3 narrow lines per trace (broadcasters, electronics) that change from trace to trace, with
        # amplitudes up to ~1.2x the Gaussian noise std, some inside the 30-80 MHz band.
        x += _sines(rng, n, rng.integers(0, 4, n), 25.0, 150.0, 0.1, 1.2, info)
        # Occasional (8 %) short broadband transient: a spike a few ns wide, unlike the band-limited pulse.
        hit = rng.random(n) < 0.08
        if info is not None:
            info["transient"] = hit
        if hit.any():
            m = int(hit.sum())
            t = np.arange(N_SAMPLES)
            tc, width = rng.uniform(20, 480, (m, 1)), rng.uniform(0.7, 2.5, (m, 1))
            f = rng.uniform(100, 300, (m, 1))
            a = rng.uniform(2.0, 5.0, (m, 1)) * rng.choice([-1, 1], (m, 1))
            x[hit] += a * np.exp(-0.5 * ((t - tc) / width) ** 2) * np.cos(2 * np.pi * f * (t - tc) / FS_MHZ)
        return _std1(x)
    if noise_set == "uniform":
        return _std1(rng.uniform(-1, 1, (n, N_SAMPLES)))
    if noise_set == "cosine":
        return _std1(_sines(rng, n, rng.integers(1, 4, n), 5.0, 250.0, 0.3, 1.0))
    raise ValueError(f"Unknown noise set {noise_set!r}; choose one of {', '.join(NOISE_SETS)}.")


def simulate(noise_set: str, n: int, snr: float | tuple[float, float] | np.ndarray, seed: int | None = None,
             rng: np.random.Generator | None = None) -> Traces:
    """n traces of `noise_set` at a fixed SNR, an SNR drawn uniformly from (lo, hi), or one SNR per trace."""
    rng = rng if rng is not None else np.random.default_rng(seed)
    p = pulses(rng, n)
    if isinstance(snr, tuple):
        s = rng.uniform(*snr, n)
    else:
        s = np.broadcast_to(np.asarray(snr, dtype=np.float64), (n,))
    if np.any(s < 0):
        raise ValueError("SNR must be non-negative.")
    clean = p * s[:, None]
    info: dict = {}
    noisy = clean + noise(rng, n, noise_set, info)
    return Traces(noisy.astype(np.float32), clean.astype(np.float32), np.abs(p).argmax(axis=1),
                  s.astype(np.float32), noise_set, info.get("rfi_in_band", np.zeros(n, dtype=int)),
                  info.get("transient", np.zeros(n, dtype=bool)))


def simulate_mixed(rng: np.random.Generator, n: int, snr: tuple[float, float] = TRAIN_SNR,
                   weights: tuple[float, ...] = (0.5, 0.25, 0.25)) -> tuple[np.ndarray, np.ndarray]:
    """A training batch mixing the noise sets (half realistic): (noisy, clean), shuffled."""
    counts = rng.multinomial(n, weights)
    parts = [simulate(ns, int(c), snr, rng=rng) for ns, c in zip(NOISE_SETS, counts) if c]
    noisy = np.concatenate([t.noisy for t in parts])
    clean = np.concatenate([t.clean for t in parts])
    order = rng.permutation(n)
    return noisy[order], clean[order]


def fingerprint() -> str:
    """A hash of the simulator's fixed ingredients (band window, galactic spectrum) and a reference batch."""
    ref = simulate("realistic", 4, 2.0, seed=0)
    h = hashlib.sha256(BAND_WINDOW.tobytes() + GALACTIC_SHAPE.tobytes() + ref.noisy.tobytes())
    return h.hexdigest()[:16]
