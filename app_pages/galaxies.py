"""Galaxies lab: walk a VAE's latent space between rendered and real (Hubble) galaxies, export the walk as a GIF,
see the path on a map of the codes, compare with PCA, traverse, do class arithmetic, sample the prior."""

import streamlit as st

from app_pages.url_state import number
from engine import api

S, Q = st.session_state, st.query_params

st.title("🌌 Galaxies: walk through a VAE's sky")
st.caption(
    "A variational autoencoder learned 64×64 rendered galaxies of three classes (barred spiral, elliptical, spiral). "
    "Pick two galaxies — rendered, real ones cut out of the Hubble Deep Field, or your own picture — and walk "
    "between their codes. A classifier says what each frame looks like."
)

models = list(api.GALAXY_MODELS)
model = st.radio("Model", models, horizontal=True, key="gal_model",
                 index=models.index(Q.get("model")) if Q.get("model") in models else 0,
                 help="galaxy-vae: convolutional, 32-D latent. galaxy-vae-seed: the seed's MLP (50-D), for comparison.")
try:
    api.load(model)
    api.load("galaxy-classifier")
except api.CheckpointError as e:
    st.error(f"A model of this page is not available. {e}")
    st.stop()

# --- gallery and choice -----------------------------------------------------------------------------------------
st.subheader("1 · Pick two galaxies")
g1, g2, g3 = st.tabs(["Rendered (held out)", "Real: Hubble Deep Field", "Upload your own"])
with g1:
    cls = st.selectbox("Class", ["all", *api.GALAXY_CLASSES], key="gal_cls")
    render_ids = api.galaxy_ids("renders", None if cls == "all" else api.GALAXY_CLASSES.index(cls), 16)
    st.image(api.galaxy_thumbs(render_ids), caption=render_ids, width=72)
with g2:
    hubble_ids = api.galaxy_ids("hubble", None, 60)
    st.image(api.galaxy_thumbs(hubble_ids), caption=hubble_ids, width=72)
    st.caption("Resolved sources segmented out of `skimage.data.hubble_deep_field()`; never trained on.")
with g3:
    up = st.file_uploader("A galaxy picture (any size; PNG, JPEG, ...)", type=None, key="gal_upload")
    if up is not None:
        try:
            S.gal_uploaded = api.galaxy_upload(up.getvalue())
            st.image(api.galaxy_thumbs(["u"], S.gal_uploaded), caption=["u · cropped and scaled"], width=128)
        except ValueError as e:
            S.pop("gal_uploaded", None)
            st.error(str(e))
upload = S.get("gal_uploaded")
options = list(dict.fromkeys(render_ids + api.galaxy_ids("renders", None, 24) + hubble_ids
                             + (["u"] if upload is not None else [])))
for key in ("a", "b"):
    if Q.get(key) and Q.get(key) not in options and api.galaxy_id_ok(Q.get(key)):
        options.append(Q.get(key))  # a shared link names a galaxy outside the first gallery page
c1, c2, c3, c4 = st.columns([2, 2, 2, 1.5])
a = c1.selectbox("Galaxy A", options, index=options.index(Q.get("a", "r0")) if Q.get("a") in options else 0,
                 key="gal_a", format_func=api.galaxy_label)
b_default = Q.get("b") if Q.get("b") in options else "h0"
b = c2.selectbox("Galaxy B", options, index=options.index(b_default), key="gal_b", format_func=api.galaxy_label)
steps = c3.slider("Steps", 3, 24, int(number("steps", 8, 3, 24)), key="gal_steps")
mode = c4.radio("Path", ["lerp", "slerp"], horizontal=True, key="gal_mode",
                index=1 if Q.get("mode") == "slerp" else 0,
                help="lerp: straight line; slerp: great circle, keeping the codes' length where the prior is.")
try:
    xa, xb = api.galaxy_image(a, upload), api.galaxy_image(b, upload)
except ValueError as e:
    st.error(str(e))
    st.stop()

# --- the walk ---------------------------------------------------------------------------------------------------
st.subheader("2 · The walk")
walk = api.galaxy_walk(model, xa, xb, steps, mode)
st.image(walk.strip, caption=f"{a} → {b}: {steps} decodings along the {mode} path", output_format="PNG")
w1, w2 = st.columns([3, 1])
w1.plotly_chart(api.galaxy_probs_figure(walk.probs), key="gal_probs", width="stretch")
w2.download_button("⬇️ Animated GIF (forth and back)", lambda: api.galaxy_gif(walk.frames),
                   file_name=f"galaxy-walk-{a}-{b}.gif", mime="image/gif", key="gal_gif")
kind = w2.radio("Map", ["pca", "umap"], horizontal=True, key="gal_map_kind",
                help="PCA of the codes (instant) or UMAP computed when the model was trained.")
marks = dict(zip((f"A {a}", f"B {b}"), api.encode(model, [xa, xb])))
st.plotly_chart(api.galaxy_map(model, kind, walk.codes, marks), key="gal_map", width="stretch")

# --- reconstruction, traversal, arithmetic ----------------------------------------------------------------------
st.subheader("3 · Reconstruction against PCA (galaxy A)")
rec = api.galaxy_reconstruction(model, xa)
st.image(list(api.galaxy_thumbs_from(rec.images)), width=160,
         caption=["input", f"VAE: {rec.psnr_vae:.1f} dB", f"PCA, same size: {rec.psnr_pca:.1f} dB"])

st.subheader("4 · Traverse and edit galaxy A")
t1, t2 = st.columns([2, 1])
with t1:
    cols = st.columns(4)
    offs = [cols[i].slider(f"PC {i + 1} (σ)", -3.0, 3.0, 0.0, 0.25, key=f"gal_pc{i}") for i in range(4)]
    strength = st.slider("Make it barred: + strength × (mean barred − mean spiral code)", -1.5, 2.0, 0.0, 0.25,
                         key="gal_bar")
with t2:
    edited = [api.galaxy_traverse(model, xa, offs), api.galaxy_arithmetic(model, xa, strength)]
    st.image(api.galaxy_thumbs_from(edited), caption=["traversed", f"barred × {strength:g}"], width=150)

# --- the prior ----------------------------------------------------------------------------------------------------
st.subheader("5 · Galaxies from the prior")
p1, p2 = st.columns([1, 2])
seed = p1.number_input("Seed", 0, 100_000, int(number("seed", 0, 0, 100_000)), key="gal_seed")
prior = p2.radio("Prior", api.GALAXY_PRIORS, horizontal=True, key="gal_prior",
                 index=1 if Q.get("prior") == "normal" else 0,
                 format_func=lambda p: {"learned": "learned (fitted to the codes)", "normal": "N(0, I)"}[p])
samples = api.galaxy_samples(model, 12, seed, prior)
st.image(api.galaxy_thumbs_from(samples), width=72)
st.caption(f"Drawn from {api.galaxy_prior(model, prior)}.")
probs = api.galaxy_classify(samples).mean(0)
st.caption("Classifier's mean class shares of these 12: "
           + ", ".join(f"{c} {p:.0%}" for c, p in zip(api.GALAXY_CLASSES, probs)))
if st.button(f"Compare {api.GALAXY_MORPH_N} samples' morphology with the renders", key="gal_morph"):
    now, card = api.galaxy_morphology(model, seed=seed, prior=prior)
    these = f"W1 / spread (these {api.GALAXY_MORPH_N})"
    st.dataframe({"statistic": list(now), these: [round(v, 3) for v in now.values()],
                  "W1 / spread (2 000, card)": [round(card.get(k, float("nan")), 3) for k in now]},
                 hide_index=True)
    st.caption("Wasserstein-1 distance between the samples' and 1 000 held-out renders' statistics, divided by "
               "the statistic's spread in the renders: 0 is indistinguishable, 1 a shift by one spread.")

Q.from_dict({"model": model, "a": a, "b": b, "steps": str(steps), "mode": mode, "seed": str(seed), "prior": prior})
