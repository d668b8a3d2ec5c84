"""Emoji lab: the decoded 2-D latent plane of a VAE, novelty against the training faces, and latent walks."""

import streamlit as st

from engine import api

MODEL = "emoji-vae"
S = st.session_state

st.title("🙂 Emoji: a VAE that invents faces")
st.caption(
    "A variational autoencoder learned 24 pixel-art faces, each as a point on a 2-D plane. Its decoder can draw "
    "*any* point of that plane — including faces it never saw. Click a cell to compare it with the closest "
    "training face: more than 3 pixels apart counts as new."
)

try:
    api.load(MODEL)
except api.CheckpointError as e:
    st.error(f"The model `{MODEL}` is not available. {e}")
    st.stop()

NAMES = api.training_points(MODEL)[1]
c1, c2 = st.columns(2)
n = c1.slider("Grid size (cells per side)", 5, 25, 15, key="grid_n")
span = c2.slider("Span: the plane shown is [-span, span]²", 0.5, 4.0, 2.5, step=0.25, key="span",
                 help="The prior is N(0, I): most of the training faces sit within ±2.")

map_col, info_col = st.columns([3, 1.2], gap="large")
with map_col:
    event = st.plotly_chart(api.latent_map(MODEL, n=n, span=span, clicked=S.get("emoji_clicked"), opacity=0.95),
                            key="emoji_map", on_select="rerun", selection_mode="points", width="stretch")
    xy = api.clicked_xy(event)
    if xy is not None:
        S.emoji_clicked = xy
with info_col:
    if S.get("emoji_clicked") is None:
        st.info("Click a cell of the grid (or a labelled training face) to see it large.")
    else:
        info = api.point_info(MODEL, S.emoji_clicked)
        a, b = st.columns(2)
        a.image(api.render(MODEL, info.image, 8), caption=f"Decoded at ({info.z[0]:.2f}, {info.z[1]:.2f})",
                output_format="PNG")
        b.image(api.render(MODEL, api.training_image(MODEL, info.nearest), 8),
                caption=f"Nearest training face: {info.nearest}", output_format="PNG")
        if info.distance > 3:
            st.success(f"**New face** — {info.distance} pixels differ from every training face.")
        else:
            st.markdown(f"Close to **{info.nearest}**: {info.distance} pixel(s) apart — the decoder remembers it.")

st.subheader("Walk between two faces")
w1, w2, w3, w4 = st.columns([2, 2, 1.5, 1.5])
start = w1.selectbox("From", NAMES, index=NAMES.index("smile"), key="walk_from")
end = w2.selectbox("To", NAMES, index=NAMES.index("crying"), key="walk_to")
steps = w3.slider("Steps", 3, 16, 9, key="walk_steps")
mode = w4.radio("Path", ["lerp", "slerp"], horizontal=True, key="walk_mode",
                help="lerp: straight line between the codes; slerp: along a great circle, which keeps the codes' "
                     "length in the range the prior favours.")
path = api.interpolate(MODEL, api.training_image(MODEL, start), api.training_image(MODEL, end), steps, mode)
st.image(api.render_strip(MODEL, path), caption=f"{start} → {end}: decodings along the latent path",
         output_format="PNG")

st.subheader("Random faces from the prior")
seed = st.number_input("Seed", 0, 10_000, 0, key="sample_seed")
st.image(api.render_strip(MODEL, api.sample(MODEL, 12, seed)),
         caption="12 draws z ~ N(0, I), decoded: what the VAE generates without being shown anything",
         output_format="PNG")
