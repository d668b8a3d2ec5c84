"""Letters lab: edit a 5x7 letter, add noise, watch the denoising autoencoder restore it and place it on the map."""

import streamlit as st

from app_pages import url_state
from engine import api

st.title("🔤 Letters: a denoising autoencoder in two dimensions")
st.caption(
    "Every letter is squeezed into just **two numbers** — a point on the map below — and redrawn from them. "
    "Toggle pixels, add noise, and see whether the network still finds the right letter. Click anywhere on the map "
    "to see what the decoder draws there. The URL keeps your letter, noise and seed: copy it to share the view."
)

GLYPHS = api.letter_glyphs()
NOISES = api.noise_kinds()
MODELS = {"letters-dae": "denoising AE (trained on noisy letters)", "letters-ae": "plain AE (trained on clean letters)"}
S = st.session_state


def _from_url() -> None:
    """First run of a session: take the state from the URL, falling back to defaults on anything malformed."""
    q = st.query_params
    S.glyph = q.get("glyph") if q.get("glyph") in GLYPHS else "a"
    try:
        S.px = api.letter_from_code(q["px"]) if "px" in q else GLYPHS[S.glyph].copy()
    except ValueError:
        S.px = GLYPHS[S.glyph].copy()
        st.toast("The pixel code in the URL was not valid; starting from the glyph.")
    S.noise = q.get("noise") if q.get("noise") in NOISES else "salt_pepper"
    spec = NOISES[S.noise]
    S.amount = url_state.number("amount", float(spec["default"]), 0.0, float(spec["max"]))
    S.seed = int(url_state.number("seed", 0, 0, 2**31 - 1))
    S.model = q.get("model") if q.get("model") in MODELS else "letters-dae"
    S.clicked = None


if "px" not in S:
    _from_url()


def _reset_to_glyph() -> None:
    S.px = GLYPHS[S.glyph].copy()


def _toggle(r: int, c: int) -> None:
    S.px[r, c] = 1.0 - S.px[r, c]


def _noise_changed() -> None:
    S.amount = float(NOISES[S.noise]["default"])


def _new_seed() -> None:
    S.seed = int(S.seed) + 1


try:
    api.load(S.model)
except api.CheckpointError as e:
    st.error(f"The model `{S.model}` is not available. {e}")
    st.stop()

left, mid, right = st.columns([1.1, 1.3, 3], gap="large")
with left:
    st.markdown("**Your letter** — click pixels to toggle")
    for r in range(S.px.shape[0]):
        for c, col in enumerate(st.columns(S.px.shape[1], gap="small")):
            on = S.px[r, c] > 0.5
            col.button("█" if on else "·", key=f"px_{r}_{c}", on_click=_toggle, args=(r, c),
                       type="primary" if on else "secondary", width="stretch")
with mid:
    st.selectbox("Start from glyph", list(GLYPHS), key="glyph", on_change=_reset_to_glyph)
    st.radio("Noise", list(NOISES), key="noise", format_func=lambda k: NOISES[k]["label"], horizontal=True,
             on_change=_noise_changed)
    spec = NOISES[S.noise]
    if S.noise != "none":
        st.slider(f"Amount ({spec['unit']})", 0.0, float(spec["max"]), key="amount", step=float(spec["step"]))
    s1, s2 = st.columns([2, 1], vertical_alignment="bottom")
    s1.number_input("Noise seed", min_value=0, step=1, key="seed")
    s2.button("🎲", on_click=_new_seed, help="Draw fresh noise (seed + 1)")
    st.radio("Model", list(MODELS), key="model", format_func=MODELS.get)

res = api.denoise_letter(S.px, S.noise, S.amount, S.seed, name=S.model)
with right:
    cols = st.columns(4)
    cols[0].image(api.render(S.model, S.px, 20), caption="Your input", output_format="PNG")
    cols[1].image(api.render(S.model, res.noisy, 20), caption="Noisy: what the network sees",
                  output_format="PNG")
    cols[2].image(api.render(S.model, res.output, 20), caption="Network output", output_format="PNG")
    cols[3].image(api.render(S.model, GLYPHS[res.nearest], 20),
                  caption=f"Nearest glyph '{res.nearest}' ({res.distance} px off)", output_format="PNG")
    verdict = ("✅ restored exactly" if res.distance == 0
               else f"⚠️ {res.distance} pixel(s) differ from '{res.nearest}'")
    st.markdown(f"Output reads as **'{res.nearest}'** — {verdict}. Template matching on the noisy input "
                f"(the classical baseline) says **'{res.nearest_to_noisy}'**.")

st.subheader("The 2-D latent map")
st.caption("Blue points: where each clean letter is encoded. Red star: your noisy input. Underneath: what the "
           "decoder draws at every point of the plane — regions show which codes become which letter.")
map_col, click_col = st.columns([3, 1], gap="large")
with map_col:
    event = st.plotly_chart(api.latent_map(S.model, n=20, current=res.z, clicked=S.clicked), key="map",
                            on_select="rerun", selection_mode="points", width="stretch")
    xy = api.clicked_xy(event)
    if xy is not None:
        S.clicked = xy
with click_col:
    if S.clicked is None:
        st.info("Click anywhere on the map to decode that point.")
    else:
        info = api.point_info(S.model, S.clicked)
        st.image(api.render(S.model, info.image, 24), caption=f"Decoded at ({info.z[0]:.2f}, {info.z[1]:.2f})",
                 output_format="PNG")
        st.markdown(f"Closest letter: **'{info.nearest}'** ({info.distance} px off)")
        if st.button("Edit this letter", key="edit_clicked"):
            S.px = (info.image > 0.5).astype("float32")
            st.rerun()

with st.expander("🏋️ Train a letters autoencoder yourself — watch the loss fall (10–25 s on a 2-core CPU)"):
    st.caption("Trains `letters-ae` from scratch on this machine, in memory: the shipped model is not touched. "
               "Few epochs leave letters blurred or merged on the map; more epochs pull them apart.")
    t1, t2, t3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    epochs = t1.slider("Epochs (100 steps each)", 1, 30, 8, key="train_epochs")
    train_seed = t2.number_input("Seed", 0, 1000, 0, key="train_seed")
    if t3.button("Train", type="primary", key="train_go"):
        bar, curve = st.progress(0.0, text="starting"), st.empty()

        def show(step, total, history):
            bar.progress(step / total, text=f"step {step} / {total} — loss {history[-1]:.4f}")
            every = max(1, len(history) // 200)
            curve.line_chart({"step": list(range(1, len(history) + 1, every)), "loss": history[::every]},
                             x="step", y="loss", height=180)

        # Redraw every 100 steps: each redraw ships the curve to the browser, which shares this CPU.
        result = api.train_preview("letters-ae", epochs, train_seed, on_progress=show, every=100)
        g, m = st.columns([1, 2])
        g.image(result.grid, caption="Its decoded latent grid", output_format="PNG")
        m.metric("Wrong pixels over all 26 glyphs", result.metrics["wrong_pixels_total"])
        m.caption(f"Trained in {result.seconds:.1f} s. The shipped model (30 epochs) gets 0.")

st.query_params.from_dict({"glyph": S.glyph, "px": api.letter_code(S.px), "noise": S.noise,
                           "amount": f"{S.amount:g}", "seed": str(S.seed), "model": S.model})
