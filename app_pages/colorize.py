"""Colourisation: a gray picture in, colour out — the network only predicts chroma, the lightness stays the
input's — beside the plain mean-chroma baseline, with the colour error (Delta E) when the true colours are known."""

import streamlit as st

from engine import api

st.title("🎨 Colour from gray")
st.caption(
    "The network sees only a picture's lightness (CIELAB L) and guesses its two chroma channels (a, b); the "
    "result keeps the input's lightness exactly. It learned from crops of the colour photos bundled with "
    "scikit-image, scikit-learn and matplotlib and from rendered galaxies — small data, so expect plausible "
    "rather than vivid colours. The baseline gives every pixel the training set's average chroma, a faint sepia. "
    "The examples were held out: the network never saw them."
)

try:
    api.load(api.COLORIZE)
except api.CheckpointError as e:
    st.error(f"The colourisation model is not available. {e}")
    st.stop()

S = st.session_state
examples = api.colorize_examples()
if "color_example" not in S:
    q = st.query_params.get("example")
    S.color_example = q if q in examples else examples[0]

a, b = st.columns([1, 2])
source = a.radio("Picture", ["a held-out example", "my own picture"], key="color_source")
if source == "a held-out example":
    b.selectbox("Example", examples, key="color_example")
    result = api.colorize_example(S.color_example)
    st.query_params.from_dict({"example": S.color_example})
else:
    upload = b.file_uploader("A gray or colour picture (PNG, JPEG)", type=["png", "jpg", "jpeg", "bmp", "tif",
                                                                          "tiff", "webp"], key="color_upload")
    if upload is None:
        st.info("Upload a picture: a colour one is made gray first, so its true colours can score the result.")
        st.stop()
    try:
        result = api.colorize_image(upload.getvalue())
    except ValueError as e:
        st.error(str(e))
        st.stop()

cols = st.columns(4 if result.original is not None else 3)
cols[0].image(result.gray, caption="what the network sees (lightness)", clamp=True, width="stretch")
cols[1].image(result.model, caption="colourised by the network", clamp=True, width="stretch")
cols[2].image(result.baseline, caption="baseline: mean training chroma", clamp=True, width="stretch")
if result.original is not None:
    cols[3].image(result.original, caption="the original colours", clamp=True, width="stretch")
st.caption(f"Largest lightness difference between input and output: {result.lightness_error:.1e} (L* runs 0–100).")

if result.delta_e_model is not None:
    st.subheader("Colour error ΔE against the original")
    de_m, de_b = float(result.delta_e_model.mean()), float(result.delta_e_baseline.mean())
    m1, m2 = st.columns(2)
    m1.metric("Network: mean ΔE", f"{de_m:.1f}", delta=f"{de_m - de_b:+.1f} vs baseline", delta_color="inverse")
    m2.metric("Baseline: mean ΔE", f"{de_b:.1f}")
    h1, h2, _, _ = st.columns(4)
    h1.image(api.delta_e_image(result.delta_e_model), caption="network ΔE (black 0, white ≥ 50)", width="stretch")
    h2.image(api.delta_e_image(result.delta_e_baseline), caption="baseline ΔE", width="stretch")
    st.caption("ΔE (CIE76) is the distance between two colours in CIELAB; about 2.3 is just noticeable. Both outputs "
               "share the input's lightness, so all of it is chroma error.")
