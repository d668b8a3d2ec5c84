"""Live toy GAN: train a small GAN on 2-D points in the browser and watch it cover, or collapse onto, the modes."""

import time
from collections import deque

import streamlit as st

from engine import api

st.title("A GAN you can watch learn")
st.caption("A small generator (purple points) learns to imitate the real data (dark blobs) while a "
           "discriminator or critic (background: green = looks real, purple = looks fake) judges it. Arrows show "
           "where the generator's gradient pushes each sample. Each visitor trains their own model, on this CPU.")

with st.expander("Settings (changing one restarts training)", expanded=True):
    c1, c2, c3, c4 = st.columns(4)
    loss = c1.selectbox("Loss", list(api.TOY_LOSSES), format_func=api.TOY_LOSSES.get, index=1, key="toy_loss")
    data = c2.radio("Data", list(api.TOY_DATA), format_func=api.TOY_DATA.get, key="toy_data")
    seed = c3.number_input("Seed", 0, 9999, 0, key="toy_seed")
    n_critic = c4.number_input("Critic steps per generator step", 1, 10, 1 if loss == "gan" else 5,
                                key=f"toy_nc_{loss}")
    c1, c2, c3, c4 = st.columns(4)
    lam = c1.number_input("λ (WGAN-GP penalty)", 0.0, 100.0, 10.0, disabled=loss != "wgan-gp", key="toy_lam",
                          help="10 is the paper's setting for images. Its authors' code for 2-D data uses 0.1: "
                               "with 10 the grid's samples smear between the modes (docs/gans.md).")
    k = c2.number_input("k (WGAN-div weight)", 0.0, 20.0, 2.0, disabled=loss != "wgan-div", key="toy_k")
    p = c2.number_input("p (WGAN-div power)", 1.0, 10.0, 6.0, disabled=loss != "wgan-div", key="toy_p")
    lr = c3.select_slider("Adam learning rate", [1e-4, 3e-4, 1e-3, 3e-3], 1e-3, key="toy_lr")
    beta1 = c4.select_slider("Adam β1", [0.0, 0.5, 0.9], 0.5, key="toy_b1")
    beta2 = c4.select_slider("Adam β2", [0.9, 0.99, 0.999], 0.9, key="toy_b2")
    points = ()
    if data == "drawn":
        from streamlit_drawable_canvas import st_canvas

        st.caption("Click to place points (each becomes one mode); then press Reset.")
        canvas = st_canvas(drawing_mode="point", point_display_radius=4, stroke_color="#27ae60",
                           background_color="#f4f4f4", width=300, height=300, key="toy_canvas")
        objects = (canvas.json_data or {}).get("objects", []) if canvas is not None else []
        points = tuple(api.toy_points_from_canvas(objects, 300, 300))

settings = dict(loss=loss, data=data, seed=seed, lam=lam, k=k, p=p, lr=lr, beta1=beta1, beta2=beta2,
                n_critic=n_critic, points=points)

def _toggle() -> None:  # a callback runs before the script, so the button's label is already the new one
    st.session_state.toy_playing = not st.session_state.get("toy_playing", False)


b1, b2, b3, b4 = st.columns([1, 1, 1, 3])
playing = st.session_state.setdefault("toy_playing", False)
b1.button("⏸ Pause" if playing else "▶ Play", key="toy_play", type="primary", on_click=_toggle)
step_once = b2.button("One step", key="toy_step", disabled=playing)
reset = b3.button("Reset", key="toy_reset")
speed = b4.slider("Speed: generator steps per update", 1, 50, 5, key="toy_speed")

if reset or st.session_state.get("toy_settings") != settings:
    try:
        st.session_state.toy = api.toy_new(**settings)
        st.session_state.toy_settings = settings
    except ValueError as e:
        st.warning(str(e))
        st.stop()
if step_once:
    api.toy_run(st.session_state.toy, 1)


@st.fragment(run_every=0.05 if playing else None)
def live() -> None:
    if st.session_state.get("toy_playing"):
        api.toy_run(st.session_state.toy, speed)
    frame = api.toy_frame(st.session_state.toy)
    ticks = st.session_state.setdefault("toy_ticks", deque(maxlen=20))
    ticks.append(time.perf_counter())
    left, right = st.columns([3, 2])
    left.image(frame.image, caption=f"Background: {frame.critic_label}. Circles: each mode's 3σ region "
               "(green = covered, red = missed).", output_format="JPEG")
    m1, m2, m3 = right.columns(3)
    m1.metric("Modes covered", f"{frame.modes} / {frame.n_modes}")
    m2.metric("High quality", f"{frame.hq_pct:.1f} %")
    m3.metric("Generator steps", frame.step)
    rate = (len(ticks) - 1) / (ticks[-1] - ticks[0]) if len(ticks) > 2 and ticks[-1] > ticks[0] else 0.0
    right.caption(f"Reverse KL of the mode histogram {frame.reverse_kl:.3f} · training {frame.train_seconds:.1f} s"
                  + (f" · view {rate:.1f} updates/s" if st.session_state.get("toy_playing") else ""))
    if len(frame.losses["step"]) > 1:
        right.image(api.toy_loss_image(frame.losses), caption="Losses against generator steps",
                    output_format="PNG")
    else:
        right.info("Press Play (or One step) to start training.")


live()
st.caption("Modes covered and high quality follow VEEGAN (Srivastava et al. 2017) over 2 500 samples: a sample is "
           "high quality within 3σ of its nearest mode; a mode is covered when a high-quality sample is nearest "
           "to it. `python -m engine bench gan-toy` runs every loss on the ring and the grid over 5 seeds.")
