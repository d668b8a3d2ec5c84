"""Digits latent map: the 2-D code of a VAE trained on real MNIST digits; click to decode, draw to place, select
to see the digits."""

import streamlit as st
from streamlit_drawable_canvas import st_canvas

from engine import api

MODEL = api.DIGITS_MAP
S = st.session_state

st.title("✏️ Digits: a map of handwriting you can draw into")
st.caption(
    "A variational autoencoder squeezed 4 000 real MNIST digits through a code of just **two numbers**, so every "
    "digit is a point on this plane and every point decodes to a digit (the faint tiles underneath). The dots are "
    "1 000 test digits it never trained on, coloured by what they really are. **Click** anywhere to decode that "
    "point, **draw** a digit on the right to see where it lands, or **drag a box/lasso** to see the digits inside."
)

try:
    api.load(MODEL)
    api.digit_points(MODEL)
except api.CheckpointError as e:
    st.error(f"The model `{MODEL}` is not available. {e}")
    st.stop()

c1, c2 = st.columns([1, 2])
n = c1.slider("Background tiles per side", 10, 30, 20, key="digits_grid_n")
MOUSE = {"click to decode": False, "box select": "select", "lasso select": "lasso"}
mouse = c2.radio("The mouse on the map", list(MOUSE), horizontal=True, key="digits_mouse",
                 help="Click: decode the point under the mouse. Box / lasso: drag around test digits to see them.")

map_col, side_col = st.columns([3, 1.4], gap="large")
with side_col:
    st.markdown("**Draw a digit** (one stroke or several)")
    canvas = st_canvas(stroke_width=16, stroke_color="#000000", background_color="#ffffff", height=224, width=224,
                       drawing_mode="freedraw", return_image_data=True, key="digits_canvas")
    try:
        drawn = api.read_drawing(canvas.image_data, MODEL)
    except ValueError as e:
        drawn = None
        st.warning(str(e))
    if drawn is None:
        st.info("Draw a digit above: its point appears on the map as a red star.")
    else:
        a, b = st.columns(2)
        a.image(api.digit_image(MODEL, drawn.image, 4), caption="What the encoder sees (28×28, centred)",
                output_format="PNG")
        b.image(api.digit_image(MODEL, drawn.recon, 4), caption="Its reconstruction", output_format="PNG")
        st.markdown(f"Lands at **({drawn.z[0]:.2f}, {drawn.z[1]:.2f})** — its 5 nearest training digits there say "
                    f"**{drawn.guess}** ({drawn.votes} of 5).")

# Read the map's last event before drawing it, so a click's ring shows in this run, not the next. A changed figure
# is a new chart to Streamlit (its selection starts empty), so the click and the selection are kept in the session.
xy, ids = api.digits_map_event(S.get("digits_map"))
if xy is not None:
    S.digits_clicked, S.digits_selected = xy, None
elif ids is not None:
    S.digits_selected = ids
with map_col:
    fig = api.digits_map(MODEL, n=n, drawn=None if drawn is None else drawn.z, clicked=S.get("digits_clicked"),
                         dragmode=MOUSE[mouse])
    st.plotly_chart(fig, key="digits_map", on_select="rerun", selection_mode=("points", "box", "lasso"),
                    width="stretch")

with side_col:
    if S.get("digits_clicked") is not None:
        z = S.digits_clicked
        info = api.point_info(MODEL, z)
        st.image(api.digit_image(MODEL, info.image, 6), output_format="PNG",
                 caption=f"Decoded at ({z[0]:.2f}, {z[1]:.2f}) — closest training digit is a {info.nearest}")
    else:
        st.caption("Click the map to decode a point large here.")

selected = S.get("digits_selected")
if selected:
    picture, caption = api.digit_thumbnails(MODEL, selected)
    st.subheader("Selected test digits")
    st.image(picture, caption=caption, output_format="PNG")
elif selected is not None:
    st.info("The selection holds no test digits: drag around some coloured dots.")
