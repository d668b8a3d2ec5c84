"""Radio lab: pull a cosmic-ray pulse out of a noisy antenna trace; compare networks and classical filters."""

import streamlit as st

from app_pages import url_state
from engine import api

st.title("📡 Radio: recover cosmic-ray pulses from noisy antenna traces")
st.caption(
    "A simulated air-shower radio pulse (30–80 MHz, 1 ns samples) is buried in noise. Two blind networks — they see "
    "only the noisy trace — and the best classical filter try to recover it; the marks show where each puts the "
    "pulse peak. Pick a noise set and SNR, step through traces, or upload your own. The URL keeps your choices."
)

SETS = api.radio_noise_sets()
SET_HELP = {"realistic": "galactic + thermal noise, 0–3 RFI lines per trace, occasional transient spikes",
            "uniform": "white noise drawn uniformly", "cosine": "one to three sine waves"}
S = st.session_state


if "radio_set" not in S:  # first run of a session: state from the URL
    q = st.query_params
    S.radio_set = q.get("noise") if q.get("noise") in SETS else "realistic"
    S.radio_snr = round(url_state.number("snr", 2.0, 0.5, 5.0) * 2) / 2
    S.radio_seed = int(url_state.number("seed", 0, 0, 2**31 - 1))


def _next() -> None:
    S.radio_seed = int(S.radio_seed) + 1


c1, c2, c3, c4 = st.columns([2, 3, 1.3, 1], vertical_alignment="bottom")
c1.radio("Noise set", SETS, key="radio_set", horizontal=True, help="; ".join(f"{k}: {v}" for k, v in SET_HELP.items()))
c2.slider("SNR (pulse peak / noise std)", 0.5, 5.0, step=0.5, key="radio_snr")
c3.number_input("Trace seed", 0, 2**31 - 1, step=1, key="radio_seed")
c4.button("Next trace ▶", on_click=_next, width="stretch")
st.query_params.update({"noise": S.radio_set, "snr": f"{S.radio_snr:g}", "seed": str(S.radio_seed)})


@st.cache_data(show_spinner=False, max_entries=64)
def _figures(noise_set: str, snr: float, seed: int):
    v = api.trace_view(noise_set, snr, seed)
    return v, api.trace_figure(v), api.spectrum_figure(v)


view, time_fig, fft_fig = _figures(S.radio_set, float(S.radio_snr), int(S.radio_seed))
for name, err in view.errors.items():
    st.warning(f"`{name}` is not available: {err}")

hits = view.hits
cols = st.columns(len(view.peaks))
for col, (label, peak) in zip(cols, view.peaks.items()):
    col.metric(label, f"{'✓' if hits[label] else '✗'} {peak} ns", f"{peak - view.true_peak:+d} ns", delta_color="off",
               delta_arrow="off", help="estimated peak (argmax |trace|); ✓ = within ±10 ns of the true peak")
st.caption(f"True peak at **{view.true_peak} ns**. A method scores when its peak is within ±10 ns of it.")

st.plotly_chart(time_fig, key="radio_time")
st.markdown("**Spectrum** — the pulse lives only in the shaded 30–80 MHz band; noise outside it is free to remove, "
            "RFI lines inside it are not.")
st.plotly_chart(fft_fig, key="radio_fft")

st.subheader("Accuracy against SNR")
st.caption(f"Share of traces whose peak is found within ±10 ns, on 4 000 held-out **{S.radio_set}** traces per "
           "point, measured when the models were trained (shipped with the checkpoints). Same traces for every method.")
try:
    st.plotly_chart(api.curves_figure(S.radio_set, float(S.radio_snr)), key="radio_curves")
except (ValueError, KeyError) as e:
    st.warning(f"No shipped curves: {e}")

st.subheader("Calibrate on your station")
st.caption("Upload **noise-only** traces from your antenna (`.npy` or `.csv`, one 500-sample trace per row, 16 or "
           "more). The network then whitens each trace by your noise spectrum, as a matched filter would; fine-tuning "
           "also adapts a copy to your noise. No noise-only traces? Tick the box and upload 16+ of your event traces: "
           "the spectrum is estimated from them. Used for your own traces below, in this session only.")
events = st.checkbox("I have no noise-only traces: use my event traces (pulses inside)", key="radio_cal_events",
                     help="The spectrum is then estimated from the events themselves; fine-tuning is off, as it would "
                          "learn your pulses as noise.")
# The uploader keeps its file when the label changes (its identity is its key).
cal_file = st.file_uploader("Event traces (16+ of one station)" if events else "Noise-only traces",
                            type=["npy", "csv"], key="radio_cal_upload")
if cal_file is None:
    S.pop("radio_cal", None)
else:
    try:
        cal = api.read_noise_file(cal_file.getvalue(), cal_file.name, events)
    except ValueError as e:
        st.error(str(e))
    else:
        st.caption(cal.note)
        st.plotly_chart(api.calibration_figure(cal), key="radio_cal_fig")
        a, b = st.columns([3, 1], vertical_alignment="bottom")
        secs = 0 if cal.events else a.slider(
            "Fine-tune for (s)", 0, int(api.MAX_FINETUNE_S), int(api.MAX_FINETUNE_S), step=5, key="radio_cal_secs",
            help="0 = condition on your spectrum only (instant). Fine-tuning on your noise adds more: "
                 "see docs/radio.md")
        if b.button("Calibrate", key="radio_cal_go", width="stretch"):
            bar = st.progress(0.0, text="calibrating…")
            S.radio_cal = api.calibrate(cal, secs, lambda f, text: bar.progress(f, text=text))
            bar.progress(1.0, text="calibrated")
if "radio_cal" in S:
    c = S.radio_cal
    tuned = f", fine-tuned {c.finetune_steps} steps" if c.finetune_steps else ""
    kind = "event" if c.calibration.events else "noise"
    st.success(f"Calibrated on {len(c.calibration.traces)} {kind} traces{tuned}: your traces below also go through "
               f"**{c.label}**.")

st.subheader("Your own trace")
st.caption("Upload one trace as a NumPy `.npy` array or a `.csv` column of numbers (1 ns samples). Other lengths are "
           "windowed or resampled to 500 samples; the note says which.")
up_col, set_col = st.columns([3, 2])
upload = up_col.file_uploader("Trace file", type=["npy", "csv"], key="radio_upload")
up_set = set_col.selectbox("Noise model for the classical filter", SETS, key="radio_upload_set",
                           help="The networks are blind; only the classical filter needs a noise model.")
if upload is not None:
    try:
        trace, note = api.load_trace_file(upload.getvalue(), upload.name)
        uv = api.upload_view(trace, up_set, S.get("radio_cal"))
    except ValueError as e:
        st.error(str(e))
    else:
        st.info(note)
        st.plotly_chart(api.trace_figure(uv), key="radio_up_time")
        st.plotly_chart(api.spectrum_figure(uv), key="radio_up_fft")
