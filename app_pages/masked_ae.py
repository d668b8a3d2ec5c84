"""Masked autoencoder: hide part of a digit — paint over it or hide random patches — and watch the network fill
it in, beside biharmonic inpainting and PCA with missing data, with the error on the hidden pixels only."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from engine import api

st.title("🩹 Digits: fill in what is hidden")
st.caption(
    "A masked autoencoder (He et al., 2021) is trained by hiding random patches of its input and asking for the "
    "hidden pixels back. This one saw 4 000 MNIST digits with 15–90 % of them hidden. **Paint** over a test digit "
    "to hide those pixels, or hide random 4×4 patches at a chosen ratio. Two classic fill-ins work on the very "
    "same pixels: biharmonic inpainting (smooth continuation from the edges) and PCA with missing data (the "
    "PCA digit that best matches the visible pixels)."
)

try:
    api.load(api.MASKED)
except api.CheckpointError as e:
    st.error(f"The masked autoencoder is not available. {e}")
    st.stop()

S = st.session_state
if "masked_digit" not in S:
    try:
        S.masked_digit = min(max(int(st.query_params.get("digit", 7)), 0), 999)
    except ValueError:
        S.masked_digit = 7

a, b = st.columns([1, 3], vertical_alignment="bottom")
a.number_input("Test digit #", 0, 999, key="masked_digit")
mode = b.radio("Hide pixels by", ["painting on the digit", "random patches"], horizontal=True, key="masked_mode")
index = int(S.masked_digit)

left, right = st.columns([1, 2.2], gap="large")
with left:
    if mode == "painting on the digit":
        st.markdown("**Paint the pixels to hide**")
        canvas = st_canvas(stroke_width=18, stroke_color="rgba(220, 40, 40, 0.55)",
                           background_image=api.masked_canvas_background(index), height=224, width=224,
                           drawing_mode="freedraw", return_image_data=True, key=f"masked_canvas_{index}")
        try:
            mask = api.canvas_mask(canvas.image_data)
        except ValueError as e:
            mask = None
            st.warning(str(e))
    else:
        ratio = st.slider("Share of patches hidden", 0.05, 0.95, 0.5, 0.05, key="masked_ratio")
        seed = st.number_input("Random seed", 0, 10_000, 0, key="masked_seed")
        mask = api.random_mask(ratio, int(seed))
        st.image(api.masked_view(api.masked_fill(index).image, mask, 8), caption="hidden patches in red",
                 output_format="PNG")

with right:
    if mask is None or not mask.any():
        st.info("Paint over part of the digit on the left: the hidden pixels are filled in here.")
    else:
        r = api.masked_fill(index, mask)
        st.markdown(f"**{r.hidden_share:.0%} of the pixels hidden** — PSNR on the hidden pixels only (higher is "
                    "better):")
        cols = st.columns(1 + len(api.MASK_METHODS))
        cols[0].image(api.masked_view(r.image, r.mask), caption=f"the digit ({r.label}), hidden in red",
                      output_format="PNG")
        cols[0].image(api.masked_view(r.image), caption="the original", output_format="PNG")
        for col, method in zip(cols[1:], api.MASK_METHODS):
            col.image(api.masked_view(r.outputs[method]), caption=f"{method}: {r.psnr[method]:.1f} dB",
                      output_format="PNG")
            col.image(api.masked_error_image(r.image, r.outputs[method], r.mask),
                      caption="error on the hidden pixels", output_format="PNG")

st.caption("Measured over 500 test digits per ratio (4×4 patches): see the model card (`python -m engine eval "
           "masked-ae`) and docs/more_autoencoders.md.")
st.query_params.from_dict({"digit": str(index)})
