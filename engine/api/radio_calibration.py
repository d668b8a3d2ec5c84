"""Calibrating the radio denoiser on a user's own station: their noise-only traces in, a session-only calibrated
copy of `radio-dae` out. `engine.api` re-exports `__all__`; the page keeps the returned objects in its session.

Calibration = conditioning on the station's measured noise spectrum (the network whitens every trace by it), and
optionally a short fine-tune (<= 60 s) of that copy on the station's noise plus simulated pulses. The shipped model
is never changed.

A user without noise-only traces can calibrate on their *event* traces (pulses inside, `events=True`): the pulses
are a few % of a trace's energy, so the mean spectrum of 16+ event traces is still the station's noise spectrum to
within ~10 % in band (on the held-out station, conditioning on groups of 16 event traces scores as well as on 4 000
noise-only traces: docs/radio.md). Such a calibration conditions only: fine-tuning on traces with pulses in them
would teach the copy that pulses are noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from engine import inference
from engine import radio_filters as rf
from engine.api.models import load
from engine.api.radio import read_numbers
from engine.data import radio
from engine.experiments.radio import calibrated, finetune

__all__ = ["NoiseCalibration", "CalibratedModel", "MIN_CALIBRATION_TRACES", "MAX_FINETUNE_S", "noise_calibration",
           "read_noise_file", "calibration_figure", "calibrate", "denoise_calibrated"]

MIN_CALIBRATION_TRACES = 16  # fewer leave the spectrum too noisy (each bin's estimate scatters by ~1/sqrt(K))
MAX_CALIBRATION_TRACES = 20_000
MAX_CALIBRATION_BYTES = 50_000_000
MAX_FINETUNE_S = 60.0
BASE_MODEL = "radio-dae"


@dataclass
class NoiseCalibration:
    """A station's noise-only traces (K, 500), each scaled to std 1, and their power spectrum (251,)."""

    traces: np.ndarray
    psd: np.ndarray
    freqs: np.ndarray
    note: str
    events: bool = False  # the traces carry pulses (no noise-only file): condition only, never fine-tune


@dataclass
class CalibratedModel:
    """A session-only copy of radio-dae conditioned on (and perhaps fine-tuned to) one station's noise."""

    model: Any
    calibration: NoiseCalibration
    finetune_steps: int = 0
    finetune_s: float = 0.0

    @property
    def label(self) -> str:
        return f"{BASE_MODEL} (calibrated)"


def noise_calibration(traces: Any, events: bool = False) -> NoiseCalibration:
    """Check a station's noise-only traces (one per row, 500 samples of 1 ns each) and measure their spectrum.
    `events`: the traces are recorded events with pulses in them, not noise only (see the module's docstring)."""
    x = np.asarray(traces)
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise ValueError(f"Noise traces must be real numbers; got {x.dtype}.")
    if x.ndim != 2:
        raise ValueError(f"Expected noise traces one per row (a 2-D table, K x {radio.N_SAMPLES}); got shape "
                         f"{x.shape}.")
    k, n = x.shape
    if n != radio.N_SAMPLES:
        raise ValueError(f"Each noise trace (row) must have {radio.N_SAMPLES} samples (1 ns each, like the traces "
                         f"the model reads); these have {n}. Cut or record them to {radio.N_SAMPLES} samples.")
    if k < MIN_CALIBRATION_TRACES:
        raise ValueError(f"Only {k} noise trace(s); at least {MIN_CALIBRATION_TRACES} are needed for a usable "
                         "spectrum (a few hundred are better).")
    if k > MAX_CALIBRATION_TRACES:
        raise ValueError(f"{k} noise traces; at most {MAX_CALIBRATION_TRACES} are used. Upload a subset.")
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).any(axis=1).sum())
        raise ValueError(f"{bad} noise trace(s) contain NaN or infinite values; remove those rows first.")
    x = x.astype(np.float64)
    std = x.std(axis=1)
    if (std == 0).any():
        raise ValueError(f"{int((std == 0).sum())} noise trace(s) are constant; remove those rows first.")
    x /= std[:, None]
    note = (f"{k} event traces of {n} samples: the station's spectrum is estimated from them, pulses and all "
            "(conditioning only, no fine-tuning)." if events else f"{k} noise-only traces of {n} samples.")
    return NoiseCalibration(x.astype(np.float32), rf.noise_psd(x), radio.FREQS, note, events)


def read_noise_file(data: bytes, filename: str, events: bool = False) -> NoiseCalibration:
    """A `.npy` or `.csv` file of noise-only traces (or, `events`, event traces), one per row, -> NoiseCalibration
    (or ValueError)."""
    arr = read_numbers(data, filename, max_bytes=MAX_CALIBRATION_BYTES)
    if arr.ndim == 1:
        raise ValueError(f"{filename!r} holds a single row of {arr.size} values; a calibration needs many noise "
                         f"traces, one per row ({MIN_CALIBRATION_TRACES}+ rows of {radio.N_SAMPLES} samples).")
    return noise_calibration(arr, events)


@lru_cache(maxsize=1)
def _lab_psd(n: int = 2000) -> np.ndarray:
    return rf.noise_psd(radio.noise(np.random.default_rng(31), n, "realistic"))


def calibration_figure(cal: NoiseCalibration) -> Any:
    """The station's noise spectrum against the lab simulator's realistic set, both scaled to the same level in the
    30-80 MHz band, on a log scale from 0 to 250 MHz."""
    import plotly.graph_objects as go

    keep = cal.freqs <= 250
    band = (cal.freqs >= radio.BAND_MHZ[0]) & (cal.freqs <= radio.BAND_MHZ[1])
    fig = go.Figure()
    mine = "your event traces" if cal.events else "your noise"
    for label, p, colour in ((mine, cal.psd, "#d62728"), ("lab simulator (realistic)", _lab_psd(), "#777")):
        p = p / np.median(p[band])
        fig.add_scatter(x=cal.freqs[keep], y=np.maximum(p[keep], 1e-4), name=label, mode="lines",
                        line=dict(color=colour, width=2))
    fig.add_vrect(x0=radio.BAND_MHZ[0], x1=radio.BAND_MHZ[1], fillcolor="#ffd54f", opacity=0.25, line_width=0,
                  annotation_text="30-80 MHz band", annotation_position="top left")
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="frequency (MHz)",
                      yaxis_title="noise power (band median = 1)", yaxis_type="log",
                      legend=dict(orientation="h", y=1.14))
    return fig


def calibrate(cal: NoiseCalibration, finetune_s: float = 0.0,
              on_progress: Callable[[float, str], None] | None = None) -> CalibratedModel:
    """A session copy of radio-dae conditioned on the station's spectrum; with `finetune_s` > 0 (at most 60) also
    fine-tuned on the station's noise plus simulated pulses for that long. `on_progress(fraction, text)`."""
    finetune_s = float(finetune_s)
    if not 0 <= finetune_s <= MAX_FINETUNE_S:
        raise ValueError(f"Fine-tuning time must be between 0 and {MAX_FINETUNE_S:g} s; got {finetune_s:g}.")
    if cal.events and finetune_s > 0:
        raise ValueError("These are event traces (pulses inside): fine-tuning on them would teach the model that "
                         "pulses are noise. Calibrate with 0 s of fine-tuning, or upload noise-only traces.")
    base = load(BASE_MODEL)
    if finetune_s == 0:
        model = calibrated(base, cal.psd)
        if model is None:
            raise ValueError(f"The shipped {BASE_MODEL} takes no noise spectrum; retrain it to calibrate.")
        if on_progress is not None:
            on_progress(1.0, "conditioned on your station's noise spectrum")
        return CalibratedModel(model, cal)
    report = None if on_progress is None else (
        lambda f, steps: on_progress(f, f"fine-tuning on your noise: {steps} steps"))
    model, steps = finetune(base, cal.traces, finetune_s, report)
    return CalibratedModel(model, cal, steps, finetune_s)


def denoise_calibrated(cm: CalibratedModel, traces: Any) -> np.ndarray:
    """Traces (500,) or (N, 500) through the calibrated copy; same shape out."""
    x = np.asarray(traces, dtype=np.float32)
    if x.shape[-1] != radio.N_SAMPLES or x.ndim > 2 or not np.isfinite(x).all():
        raise ValueError(f"Traces must be finite, {radio.N_SAMPLES} samples each; got shape {x.shape}.")
    out = inference.reconstruct(cm.model, x.reshape(-1, radio.N_SAMPLES))
    return out.reshape(x.shape)

