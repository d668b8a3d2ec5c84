"""The radio lab's part of the facade. `engine.api` re-exports everything in `__all__`: pages call `api.<name>`.

Numpy and plotly out. Keep heavy imports (torch) inside functions so that `import engine.api` stays cheap.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from engine import inference
from engine import radio_filters as rf
from engine.api.models import CheckpointError, extras, load, page_calls
from engine.data import radio
from engine.experiments.radio import render
from engine.radio_filters import LABELS, TOLERANCE

__all__ = ["RADIO_MODELS", "TraceView", "denoise_trace", "simulate_trace", "trace_view", "upload_view",
           "load_trace_file", "trace_figure", "spectrum_figure", "radio_curves", "curves_figure",
           "radio_noise_sets", "radio_thumbnail"]

RADIO_MODELS = ("radio-dae", "radio-dae-seed")
MAX_UPLOAD_BYTES = 5_000_000
MAX_UPLOAD_SAMPLES = 100_000
MIN_UPLOAD_SAMPLES = 50
MAX_ABS_VALUE = 1e15  # larger values overflow float32 arithmetic downstream (squares, spectra)
BEST_CLASSICAL = {"realistic": "matched", "uniform": "matched", "cosine": "sine_sub"}


def radio_noise_sets() -> tuple[str, ...]:
    """The simulator's noise sets, in the order the page offers them."""
    return radio.NOISE_SETS


def _check_set(noise: str) -> None:
    if noise not in radio.NOISE_SETS:
        raise ValueError(f"Unknown noise set {noise!r}; choose one of {', '.join(radio.NOISE_SETS)}.")


def _as_trace(trace: Any) -> np.ndarray:
    x = np.asarray(trace)
    if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
        raise ValueError(f"A trace must be real numbers; got {x.dtype}.")
    x = x.astype(np.float32).reshape(-1) if x.size == radio.N_SAMPLES else None
    if x is None:
        raise ValueError(f"A trace must have {radio.N_SAMPLES} samples (1 ns each); got shape {np.shape(trace)}. "
                         "Use load_trace_file to resample or window other lengths.")
    if not np.isfinite(x).all():
        raise ValueError("The trace contains NaN or infinite values.")
    if x.std() == 0:
        raise ValueError("The trace is constant; there is nothing to denoise.")
    return x


def denoise_trace(trace: Any, noise: str = "realistic", name: str = "radio-dae") -> np.ndarray:
    """Recover the pulse from one noisy trace of 500 samples (1 ns each); same length out. The networks are blind
    (one model for every noise set): `noise` is checked but only names which kind of trace this is."""

    _check_set(noise)
    if name not in RADIO_MODELS:
        raise ValueError(f"Unknown radio model {name!r}; choose one of {', '.join(RADIO_MODELS)}.")
    x = _as_trace(trace)  # checked before any model is loaded
    return inference.reconstruct(load(name), x[None])[0]


@dataclass
class TraceView:
    """One trace and what every method makes of it: outputs (500,), peak estimates, FFT magnitudes."""

    noise_set: str
    snr: float | None
    seed: int | None
    noisy: np.ndarray
    clean: np.ndarray | None  # the true pulse (simulated traces only)
    true_peak: int | None
    outputs: dict[str, np.ndarray] = field(default_factory=dict)  # label -> recovered trace
    peaks: dict[str, int] = field(default_factory=dict)  # label -> estimated peak sample
    freqs: np.ndarray | None = None  # MHz
    spectra: dict[str, np.ndarray] = field(default_factory=dict)  # label -> |FFT|
    errors: dict[str, str] = field(default_factory=dict)  # model -> why it is missing

    @property
    def hits(self) -> dict[str, bool]:

        if self.true_peak is None:
            return {}
        return {k: abs(p - self.true_peak) <= TOLERANCE for k, p in self.peaks.items()}


def simulate_trace(noise_set: str, snr: float, seed: int) -> radio.Traces:
    """One simulated trace (a batch of 1), reproducible from (noise set, SNR, seed)."""
    _check_set(noise_set)
    if not 0 <= float(snr) <= 20:
        raise ValueError("SNR must be between 0 and 20.")
    return radio.simulate(noise_set, 1, float(snr), seed=int(seed))


def _view(noisy: np.ndarray, noise_set: str, snr: float | None, seed: int | None, clean: np.ndarray | None,
          true_peak: int | None, extra_models: dict | None = None) -> TraceView:

    v = TraceView(noise_set, snr, seed, noisy, clean, true_peak)
    x = noisy[None]
    for name in RADIO_MODELS:
        try:
            v.outputs[name] = inference.reconstruct(load(name), x)[0]
        except CheckpointError as e:
            v.errors[name] = str(e)
    for label, model in (extra_models or {}).items():
        v.outputs[label] = inference.reconstruct(model, x)[0]
    best = BEST_CLASSICAL[noise_set]
    y = rf.apply(best, x, noise_set, 2.0 if snr is None else max(snr, 0.1))[0]
    if best == "matched":  # a correlation, not a pulse estimate: shown scaled to the pulse height it implies
        height = snr if snr else float(np.abs(v.outputs.get("radio-dae", noisy)).max())
        y = y * height
    v.outputs[rf.LABELS[best]] = y
    v.outputs["band-pass 30-80 MHz"] = rf.bandpass(x)[0]
    v.peaks = {"noisy input": int(rf.peak_estimate(x)[0])} | {k: int(rf.peak_estimate(o[None])[0])
                                                               for k, o in v.outputs.items()}
    v.freqs = radio.FREQS
    series = {"noisy input": noisy} | ({"true pulse": clean} if clean is not None else {}) | v.outputs
    v.spectra = {k: np.abs(np.fft.rfft(s)) for k, s in series.items()}
    return v


@lru_cache(maxsize=256)
def trace_view(noise_set: str, snr: float, seed: int) -> TraceView:
    """A simulated trace and every method's recovery of it (cached: the page's main call)."""
    tr = simulate_trace(noise_set, snr, seed)
    return _view(tr.noisy[0], noise_set, float(snr), int(seed), tr.clean[0], int(tr.peak[0]))


def upload_view(trace: Any, noise_set: str = "realistic", calibrated: Any = None) -> TraceView:
    """An uploaded 500-sample trace through every method (no true pulse known). `noise_set` picks the classical
    filter's noise model (the shipped networks are blind); `calibrated` (from `api.calibrate`) adds the session's
    calibrated copy of radio-dae."""
    _check_set(noise_set)
    extra = {} if calibrated is None else {calibrated.label: calibrated.model}
    return _view(_as_trace(trace), noise_set, None, None, None, None, extra)


def read_numbers(data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES) -> np.ndarray:
    """The strict reader behind every radio upload: `.npy` (no pickles, no .npz in disguise) or `.csv`/`.txt`
    numbers -> a real array as stored (any shape), or ValueError with a message a person can act on."""
    name = (filename or "").lower()
    if len(data) == 0:
        raise ValueError("The file is empty.")
    if len(data) > max_bytes:
        raise ValueError(f"The file is {len(data) / 1e6:.1f} MB; upload at most {max_bytes / 1e6:.0f} MB.")
    if name.endswith(".npy"):
        try:
            arr = np.load(io.BytesIO(data), allow_pickle=False)
        except Exception as e:  # noqa: BLE001  numpy raises several types for a broken header
            hint = (" It holds Python objects (a pickle), which are never loaded: save a plain numeric array with "
                    "np.save." if "allow_pickle" in str(e) else "")
            raise ValueError(f"Could not read {filename!r} as a NumPy .npy file ({e}).{hint}") from None
        if not isinstance(arr, np.ndarray):  # np.load also opens .npz archives, whatever the file is called
            arr.close()
            raise ValueError(f"{filename!r} is a NumPy .npz archive, not a single .npy array: save one array with "
                             "np.save('traces.npy', array).")
    elif name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(f"{filename!r} is not a text file (not UTF-8): save the trace as a CSV of numbers.") \
                from None
        arr = _parse_text(text, filename)
    else:
        raise ValueError(f"{filename!r} is not a .npy or .csv file. Upload one trace as a NumPy array (.npy) or a "
                         "CSV column of numbers.")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"{filename!r} must hold real numbers; it holds {arr.dtype}.")
    return arr


def load_trace_file(data: bytes, filename: str) -> tuple[np.ndarray, str]:
    """Read one trace from an uploaded `.npy` or `.csv` file: (500 samples, a note on what was done to it).

    A longer trace is windowed (500 samples centred on its largest |value|); a shorter one is resampled to 500
    samples (Fourier method), i.e. assumed to span the same 500 ns. Anything else raises ValueError."""
    from scipy import signal

    arr = read_numbers(data, filename)
    arr = np.squeeze(arr)
    if arr.ndim == 2 and 2 in arr.shape and min(arr.shape) == 2:  # (time, value) columns: keep the values
        arr = arr[:, 1] if arr.shape[1] == 2 else arr[1]
    if arr.ndim != 1:
        raise ValueError(f"Expected a single trace (one column or one row); {filename!r} holds shape "
                         f"{arr.shape}. Save one trace per file.")
    n = len(arr)
    if n < MIN_UPLOAD_SAMPLES:
        raise ValueError(f"The trace has only {n} samples; at least {MIN_UPLOAD_SAMPLES} are needed.")
    if n > MAX_UPLOAD_SAMPLES:
        raise ValueError(f"The trace has {n} samples; at most {MAX_UPLOAD_SAMPLES} are accepted.")
    if not np.isfinite(arr).all():
        raise ValueError("The trace contains NaN or infinite values; remove or fill them first.")
    if np.abs(arr).max() > MAX_ABS_VALUE:  # 1e300 would become inf in float32 (and its power overflows sooner)
        raise ValueError(f"The trace reaches {np.abs(arr).max():.3g}; values must stay below {MAX_ABS_VALUE:g} "
                         "in size. Rescale it (e.g. to volts or ADC counts) first.")
    if np.std(arr) == 0:
        raise ValueError("The trace is constant; there is nothing to denoise.")
    arr = arr.astype(np.float64)
    note = f"{n} samples, used as they are (1 ns each)."
    if n > radio.N_SAMPLES:
        start = int(np.clip(np.abs(arr).argmax() - radio.N_SAMPLES // 2, 0, n - radio.N_SAMPLES))
        arr = arr[start:start + radio.N_SAMPLES]
        note = (f"The trace has {n} samples; the models take {radio.N_SAMPLES}, so the window of samples "
                f"{start}-{start + radio.N_SAMPLES - 1} around its largest value is shown.")
    elif n < radio.N_SAMPLES:
        arr = signal.resample(arr, radio.N_SAMPLES)
        note = (f"The trace has {n} samples; it was resampled to {radio.N_SAMPLES} (assumed to span the same "
                f"{radio.N_SAMPLES} ns at 1 GHz).")
    return arr.astype(np.float32), note


def _one_decimal_comma_column(lines: list[tuple[int, str]]) -> bool:
    """'0,152' per row: one column with decimal commas, or (time, value) integer pairs? Decimal commas when every
    data row is two bare integers and the header (if any) names one column, or the first column is not strictly
    increasing (a time column is)."""
    pair = re.compile(r"\s*\"?(-?\d+),(\d+)\"?\s*")
    data = [pair.fullmatch(r) for _, r in lines]
    header = [r for (_, r), m in zip(lines, data) if m is None]
    if len(header) > 1 or (header and lines[0][1] != header[0]) or not any(data):
        return False
    if header:
        return "," not in header[0] and ";" not in header[0]
    first = [int(m.group(1)) for m in data if m]
    return any(b <= a for a, b in zip(first, first[1:]))


def _parse_text(text: str, filename: str) -> np.ndarray:
    """CSV / text of numbers -> array. Header lines are allowed only before the first row of numbers; a text cell
    after that is an error naming its line (never silently dropped). Separators: tab, ';', ',' or spaces; with ';',
    tab or spaces a comma between digits is a decimal comma; quoted numbers are unquoted."""
    lines = [(i + 1, r) for i, r in enumerate(text.splitlines()) if r.strip()]
    sample = "\n".join(r for _, r in lines[:50])
    if "\t" in sample:
        delim = "\t"
    elif ";" in sample and sample.count(";") >= sample.count(","):
        delim = ";"
    elif "," in sample:
        delim = ","
    else:
        delim = None  # whitespace
    decimal_comma = delim != "," and re.search(r"\d,\d", sample) is not None
    if delim == "," and _one_decimal_comma_column(lines):
        delim, decimal_comma = None, True
    rows: list[list[float]] = []
    for lineno, line in lines:
        cells = [c.strip().strip("\"'").strip() for c in (line.split(delim) if delim else line.split())]
        cells = [c.replace(",", ".") if decimal_comma else c for c in cells if c]
        try:
            values = [float(c) for c in cells]
        except ValueError:
            if not rows:
                continue  # a header line before the numbers
            raise ValueError(f"Line {lineno} of {filename!r} is not numbers ({line.strip()[:40]!r}). A CSV trace "
                             "holds one value per row (or one row of values), with an optional header line.") \
                from None
        if values:
            rows.append(values)
    if not rows:
        raise ValueError(f"No numbers found in {filename!r}: it should be a CSV with one value per row (or one row "
                         "of values), optionally with a header line.")
    if len({len(r) for r in rows}) > 1:
        raise ValueError(f"The rows of {filename!r} have different numbers of values; save one trace as one "
                         "column (or one row).")
    return np.array(rows, dtype=np.float64)


# --- figures ---------------------------------------------------------------------------------------------------

COLOURS = {"noisy input": "#b8b8b8", "true pulse": "#111111", "radio-dae": "#1f77b4", "radio-dae-seed": "#ff7f0e",
           "radio-dae (calibrated)": "#e377c2",
           "whitened matched filter": "#2ca02c", "sine subtraction": "#d62728", "band-pass 30-80 MHz": "#9467bd",
           "noisy input (no filter)": "#9e9e9e", "Wiener (ensemble)": "#8c564b"}


def trace_figure(v: TraceView, show_bandpass: bool = False) -> Any:
    """Time-domain plot: noisy input, true pulse, both networks and the best classical filter, with the true peak
    (dashed line) and each method's estimated peak (a marker on its curve)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    t = np.arange(radio.N_SAMPLES)
    series = {"noisy input": v.noisy} | ({"true pulse": v.clean} if v.clean is not None else {}) | v.outputs
    for label, y in series.items():
        if label == "band-pass 30-80 MHz" and not show_bandpass:
            continue
        c = COLOURS.get(label, "#17becf")
        width = 1 if label == "noisy input" else 2
        fig.add_scatter(x=t, y=y, name=label, mode="lines", line=dict(color=c, width=width))
        if label in v.peaks:
            p = v.peaks[label]
            fig.add_scatter(x=[p], y=[y[p]], mode="markers", marker=dict(color=c, size=11, symbol="x"),
                            name=f"{label} peak", showlegend=False, hovertemplate=f"{label} peak: %{{x}} ns")
    if v.true_peak is not None:
        fig.add_vline(x=v.true_peak, line=dict(color="#111111", dash="dash", width=1),
                      annotation_text="true peak", annotation_position="top left")
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="time (ns)",
                      yaxis_title="amplitude (noise std = 1)" if v.snr is not None else "amplitude",
                      legend=dict(orientation="h", y=1.12))
    return fig


def spectrum_figure(v: TraceView) -> Any:
    """FFT magnitude of each trace on a log scale, 0-250 MHz, with the antenna band (30-80 MHz) shaded."""
    import plotly.graph_objects as go

    fig = go.Figure()
    keep = v.freqs <= 250
    for label, s in v.spectra.items():
        if label == "band-pass 30-80 MHz":
            continue
        fig.add_scatter(x=v.freqs[keep], y=np.maximum(s[keep], 1e-3), name=label, mode="lines",
                        line=dict(color=COLOURS.get(label, "#17becf"), width=1 if label == "noisy input" else 2))
    fig.add_vrect(x0=radio.BAND_MHZ[0], x1=radio.BAND_MHZ[1], fillcolor="#ffd54f", opacity=0.25, line_width=0,
                  annotation_text="30-80 MHz band", annotation_position="top left")
    fig.update_layout(height=340, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="frequency (MHz)",
                      yaxis_title="|FFT| (log)", yaxis_type="log", legend=dict(orientation="h", y=1.14))
    return fig


@lru_cache(maxsize=8)
def radio_curves(noise_set: str) -> dict[str, np.ndarray]:
    """Accuracy against SNR shipped in the checkpoints (computed at training time on 4 000 held-out traces per
    point): {"snr": ..., "<method>": ...}; the baselines are read from the radio-dae checkpoint."""

    _check_set(noise_set)
    out: dict[str, np.ndarray] = {}
    for name in reversed(RADIO_MODELS):  # radio-dae last, so its run's baselines are the ones kept
        try:
            ex = extras(name)
        except CheckpointError:
            continue
        out["snr"] = ex["snr"]
        for k, arr in ex.items():
            if k.startswith(noise_set + "."):
                method = k.split(".", 1)[1]
                out[name if method == "model" else method] = arr
    return out


def curves_figure(noise_set: str, snr: float | None = None) -> Any:
    """The shipped accuracy-against-SNR curves of the networks and every baseline for one noise set."""
    import plotly.graph_objects as go


    c = radio_curves(noise_set)
    fig = go.Figure()
    labels = {"raw": "noisy input (no filter)"} | LABELS
    for k, y in c.items():
        if k == "snr":
            continue
        label = labels.get(k, k)
        fig.add_scatter(x=c["snr"], y=y, name=label, mode="lines+markers",
                        line=dict(color=COLOURS.get(label, "#17becf"),
                                  width=3 if k in RADIO_MODELS else 1.5, dash=None if k in RADIO_MODELS else "dot"))
    if snr is not None:
        fig.add_vline(x=snr, line=dict(color="#888", width=1))
    # Seven curves wrap the legend into two rows; above the plot they hid the curves near 1 (the cosine set),
    # so it goes under the axis title.
    fig.update_layout(height=400, margin=dict(l=10, r=10, t=20, b=10), xaxis_title="SNR (peak / noise std)",
                      yaxis_title=f"peak accuracy (±{TOLERANCE} ns)", yaxis_range=[0, 1.02],
                      legend=dict(orientation="h", yanchor="top", y=-0.2, x=0))
    return fig


def radio_thumbnail() -> Any:
    """A small picture for the home page: a noisy trace and radio-dae's recovery of it."""
    from PIL import Image


    v = trace_view("realistic", 3.0, 2)
    rows = render(np.stack([v.noisy, v.outputs.get("radio-dae", v.noisy)]), h=64, step=1)
    img = np.concatenate([rows[0], np.full((4, rows.shape[2]), 225, np.uint8), rows[1]])
    return Image.fromarray(img).resize((img.shape[1], img.shape[0] * 2))


def _radio_page_calls(name: str):
    def calls() -> dict:
        tr = simulate_trace("realistic", 2.0, 0)
        seeds = itertools.count(10_000)  # a new trace each call: time the page's cold path, not the cache

        def view_and_figures():
            v = trace_view("realistic", 2.0, next(seeds))
            return trace_figure(v), spectrum_figure(v)

        return {"denoise_trace": lambda: denoise_trace(tr.noisy, name=name),
                "new trace: trace_view + both figures (cold)": view_and_figures}

    return calls


for _name in RADIO_MODELS:
    page_calls(_name)(_radio_page_calls(_name))
