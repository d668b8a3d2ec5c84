"""A *family* of antenna stations for training: every trace draws its own station (sky, amplifier chain, RFI), so a
network trained on it has seen many noises rather than one simulator's.

Each range below says why it is that wide. Everything is vectorised over traces and seeded: a batch is a pure
function of the generator's state. Units as in `engine.data.radio` (1 ns samples, MHz).

Ranges (the table with reasons is in docs/radio.md):
- galactic index 2.2-2.9 (power ~ f^-index): measured sky indices at 30-80 MHz are ~2.4-2.6 (the lab's realistic set
  uses 2.55), with a margin for the sky's direction and season; 3.0-3.3 stays out (the held-out station's);
- galactic band edges: lo 15-30 MHz, hi 110-200 MHz, soft (logistic): the antenna's sensitivity edges;
- thermal share 0.05-1.0 of the galactic level: a quiet site with a cold amplifier up to a warm one;
- analogue chain: Butterworth magnitude, lo 18-32 MHz, hi 82-160 MHz, order 2-8 (gentle to steep filter boards),
  applied to sky, thermal noise and pulse; white noise after it (digitiser, pick-up) 0-0.3 of the galactic level;
- RFI: 0-4 lines per station in 20-150 MHz except EXCLUDED_RFI_MHZ, 0.05-1.5 x noise std (log-uniform), amplitude
  modulation 0-2 MHz deep 0-0.8 (pure carriers to a few-MHz-wide lines); per trace new phases, amplitude x0.5-1.5;
- transients: 10 % of traces, 0.5-3 ns wide, 80-300 MHz carrier, 2-6 x noise std (switching spikes);
- pulse: slope -1..3 (amplitude e^-slope across 30-80 MHz), constant phase 0-2 pi, chirp -1..1 rad (dispersion),
  through the station's chain.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from engine.data.radio import BAND_MHZ, BAND_WINDOW, FREQS, FS_MHZ, N_SAMPLES, TRAIN_SNR, _delay

MAX_LINES = 4
# Frequencies no training station ever transmits on: the held-out family puts its RFI lines here (one window inside
# the pulse band, one in the FM band), so the held-out test asks for lines the network has never seen.
EXCLUDED_RFI_MHZ = ((57.0, 63.0), (98.0, 106.0))
RANGES = {
    "galactic_index": (2.2, 2.9),
    "galactic_lo": (15.0, 30.0),
    "galactic_hi": (110.0, 200.0),
    "thermal": (0.05, 1.0),
    "post_white": (0.0, 0.3),
    "chain_lo": (18.0, 32.0),
    "chain_hi": (82.0, 160.0),
    "chain_order": (2, 8),
    "rfi_freq": (20.0, 150.0),
    "rfi_amp": (0.05, 1.5),
    "rfi_mod_freq": (0.0, 2.0),
    "rfi_mod_depth": (0.0, 0.8),
    "pulse_slope": (-1.0, 3.0),
    "pulse_chirp": (-1.0, 1.0),
}
TRANSIENT_P = 0.10


@dataclass
class Stations:
    """One station per trace (arrays with the trace axis first)."""

    galactic_index: np.ndarray
    galactic_lo: np.ndarray
    galactic_hi: np.ndarray
    thermal: np.ndarray
    post_white: np.ndarray
    chain_lo: np.ndarray
    chain_hi: np.ndarray
    chain_order: np.ndarray
    rfi_count: np.ndarray  # (n,) 0-4
    rfi_freq: np.ndarray  # (n, MAX_LINES)
    rfi_amp: np.ndarray
    rfi_mod_freq: np.ndarray
    rfi_mod_depth: np.ndarray

    def __len__(self) -> int:
        return len(self.thermal)

    def repeat(self, k: int) -> "Stations":
        """Each station k times in a row (k noise traces of the same station)."""
        return Stations(**{f.name: np.repeat(getattr(self, f.name), k, axis=0) for f in fields(self)})


def _allowed_freqs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform in 20-150 MHz with the excluded windows cut out (drawn on the shortened line, then mapped back)."""
    lo, hi = RANGES["rfi_freq"]
    cut = sorted(EXCLUDED_RFI_MHZ)
    u = rng.uniform(lo, hi - sum(b - a for a, b in cut), shape)
    for a, b in cut:
        u = np.where(u >= a, u + (b - a), u)
    return u


def draw_stations(rng: np.random.Generator, n: int) -> Stations:
    """n stations drawn from the training ranges (RANGES), independently."""
    u = {k: rng.uniform(*RANGES[k], n) for k in ("galactic_index", "galactic_lo", "galactic_hi", "thermal",
                                                 "post_white", "chain_lo", "chain_hi")}
    order = rng.integers(RANGES["chain_order"][0], RANGES["chain_order"][1] + 1, n)
    count = rng.integers(0, MAX_LINES + 1, n)
    shape = (n, MAX_LINES)
    amp = np.exp(rng.uniform(*np.log(RANGES["rfi_amp"]), shape))
    return Stations(**u, chain_order=order, rfi_count=count, rfi_freq=_allowed_freqs(rng, shape), rfi_amp=amp,
                    rfi_mod_freq=rng.uniform(*RANGES["rfi_mod_freq"], shape),
                    rfi_mod_depth=rng.uniform(*RANGES["rfi_mod_depth"], shape))


def chain_response(st: Stations) -> np.ndarray:
    """|H(f)| of each station's analogue chain (n, len(FREQS)): Butterworth high-pass x low-pass magnitudes."""
    f = np.maximum(FREQS, 1e-3)[None]
    o2 = 2 * st.chain_order[:, None]
    return 1 / np.sqrt((1 + (st.chain_lo[:, None] / f) ** o2) * (1 + (f / st.chain_hi[:, None]) ** o2))


def noise_amplitude(st: Stations) -> np.ndarray:
    """The expected amplitude spectrum (n, len(FREQS)) of each station's Gaussian noise (sky + thermal through the
    chain, plus white noise after it), before the RFI lines and the scaling to std 1."""
    f = np.maximum(FREQS, 1e-3)[None]
    edges = 1 / (1 + np.exp(-(f - st.galactic_lo[:, None]) / 3)) / (1 + np.exp((f - st.galactic_hi[:, None]) / 6))
    g = edges * f ** (-st.galactic_index[:, None] / 2)
    g /= np.sqrt((g ** 2).mean(1, keepdims=True))  # galactic level: unit rms over the bins
    h = chain_response(st)
    return np.sqrt(h ** 2 * (g ** 2 + st.thermal[:, None] ** 2) + st.post_white[:, None] ** 2)


def noise(rng: np.random.Generator, st: Stations, transients: bool = True) -> np.ndarray:
    """One noise trace (n, 500) per station, std 1 over the full band (as in `radio.noise`)."""
    n = len(st)
    spec = (rng.standard_normal((n, len(FREQS))) + 1j * rng.standard_normal((n, len(FREQS))))
    x = np.fft.irfft(spec * noise_amplitude(st), N_SAMPLES, axis=1)
    x /= x.std(axis=1, keepdims=True)
    t = np.arange(N_SAMPLES) / FS_MHZ
    on = np.arange(MAX_LINES)[None] < st.rfi_count[:, None]  # (n, 4)
    jitter = rng.uniform(0.5, 1.5, (n, MAX_LINES))
    ph, mph = rng.uniform(0, 2 * np.pi, (2, n, MAX_LINES))
    a = (st.rfi_amp * jitter * on)[..., None]
    am = 1 + st.rfi_mod_depth[..., None] * np.sin(2 * np.pi * st.rfi_mod_freq[..., None] * t + mph[..., None])
    x += (a * am * np.sin(2 * np.pi * st.rfi_freq[..., None] * t + ph[..., None])).sum(1)
    hit = rng.random(n) < TRANSIENT_P
    if transients and hit.any():
        m = int(hit.sum())
        ts = np.arange(N_SAMPLES)
        tc, width = rng.uniform(20, 480, (m, 1)), rng.uniform(0.5, 3.0, (m, 1))
        fc, amp = rng.uniform(80, 300, (m, 1)), rng.uniform(2.0, 6.0, (m, 1)) * rng.choice([-1, 1], (m, 1))
        x[hit] += amp * np.exp(-0.5 * ((ts - tc) / width) ** 2) * np.cos(2 * np.pi * fc * (ts - tc) / FS_MHZ)
    return x / x.std(axis=1, keepdims=True)


def pulses(rng: np.random.Generator, st: Stations) -> np.ndarray:
    """One unit-peak pulse per station (n, 500): the lab's 30-80 MHz pulse with a random slope, constant phase and
    chirp, seen through the station's analogue chain."""
    n = len(st)
    slope = rng.uniform(*RANGES["pulse_slope"], (n, 1))
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    chirp = rng.uniform(*RANGES["pulse_chirp"], (n, 1))
    t0 = rng.uniform(60, 440, n)
    mid, half = sum(BAND_MHZ) / 2, (BAND_MHZ[1] - BAND_MHZ[0]) / 2
    amp = BAND_WINDOW * np.exp(-slope * (FREQS - BAND_MHZ[0]) / (2 * half)) * chain_response(st)
    spec = amp * np.exp(1j * (phase + chirp * ((FREQS - mid) / half) ** 2)) * _delay(t0)
    p = np.fft.irfft(spec, N_SAMPLES, axis=1)
    return p / np.abs(p).max(axis=1, keepdims=True)


@dataclass
class FamilyTraces:
    noisy: np.ndarray  # (n, 500) float32
    clean: np.ndarray
    peak: np.ndarray
    snr: np.ndarray
    stations: Stations
    psd: np.ndarray | None = None  # (n, 251): each station's spectrum from `calib` noise-only traces, if asked


def simulate(n: int, snr: float | tuple[float, float] = TRAIN_SNR, seed: int | None = None,
             rng: np.random.Generator | None = None, calib: int = 0) -> FamilyTraces:
    """n traces, each from its own station. `calib` > 0 also returns each station's noise spectrum measured on
    that many noise-only traces of it (what a user's calibration file gives), via `estimate_psd`."""
    from engine.radio_filters import noise_psd  # a sibling; imported here to keep this module's import light

    rng = rng if rng is not None else np.random.default_rng(seed)
    st = draw_stations(rng, n)
    p = pulses(rng, st)
    s = rng.uniform(*snr, n) if isinstance(snr, tuple) else np.full(n, float(snr))
    clean = p * s[:, None]
    noisy = clean + noise(rng, st)
    psd = None
    if calib:
        psd = noise_psd(noise(rng, st.repeat(calib)).reshape(n, calib, N_SAMPLES))
    return FamilyTraces(noisy.astype(np.float32), clean.astype(np.float32), np.abs(p).argmax(1),
                        s.astype(np.float32), st, psd)
