"""Galaxy GANs side by side: the same latent seeds through four GANs (and the galaxy VAE), their diversity
metrics, a replay of training, ACGAN's class picker and the near-duplicate groups that show mode collapse."""

import streamlit as st

from app_pages import url_state
from engine import api

st.title("🌀 Four galaxy GANs, measured for diversity")
st.caption("A vanilla DCGAN, an ACGAN, a WGAN-GP and a WGAN-div trained on the same rendered galaxies with the same "
           "generator and the same number of generator steps. Precision asks whether samples look like real "
           "galaxies; recall and coverage ask whether the real variety is reproduced (Naeem et al. 2020, in the "
           "galaxy classifier's feature space).")

names = api.gan_names()
titles = api.gan_titles()
trained = [n for n in names if api.gan_trained(n)]
if not trained:
    st.warning("No galaxy GAN is trained yet. Train them with `python -m engine train gan-vanilla` (and "
               "gan-acgan, gan-wgan-gp, gan-wgan-div).")
    st.stop()

seed = st.number_input("Latent seed (the same latents go through every model)", 0, 99999,
                       int(url_state.number("seed", 0, 0, 99999)), key="gans_seed")
st.query_params["seed"] = str(int(seed))

shown = trained + ([api.VAE_NAME] if api.gan_trained(api.VAE_NAME) else [])
cols = st.columns(len(shown))
for col, name in zip(cols, shown):
    col.markdown(f"**{titles.get(name, name)}**")
    col.image(api.gan_samples(name, int(seed)), width="stretch")

rows = api.gan_metrics_rows()
left, right = st.columns([3, 2])
left.subheader("Metrics (2 000 samples vs 2 000 held-out renders)")
left.dataframe(rows, hide_index=True, width="stretch")
left.caption("duplicate_rate: share of samples whose nearest other sample is closer than the 1st percentile of "
             "real-to-real nearest distances. morph_w1: mean scaled Wasserstein-1 distance of Gini, M20, "
             "concentration, asymmetry, size and colour. class_agreement: ACGAN samples the classifier puts in "
             "the class asked for.")
right.subheader("Precision vs recall")
right.plotly_chart(api.gan_pr_figure(rows), width="stretch", key="gans_pr")

st.subheader("Replay training")
default_model = st.query_params.get("model", trained[0])
model = st.radio("Model", trained, index=trained.index(default_model) if default_model in trained else 0,
                 format_func=lambda n: titles.get(n, n), horizontal=True, key="gans_model")
st.query_params["model"] = model
steps = api.gan_replay_steps(model)
if steps:
    idx = st.select_slider("Generator step", options=list(range(len(steps))), value=len(steps) - 1,
                           format_func=lambda i: str(steps[i]), key="gans_replay")
    st.image(api.gan_replay(model, idx), caption=f"{titles.get(model, model)}: the same 16 latents at step "
             f"{steps[idx]}", width=420)

if "gan-acgan" in trained:
    st.subheader("ACGAN: pick a class")
    cls = st.radio("Class", [0, 1, 2], format_func=lambda k: api.GALAXY_CLASSES[k], horizontal=True,
                   index=int(url_state.number("cls", 0, 0, 2)), key="gans_cls")
    st.query_params["cls"] = str(cls)
    st.image(api.gan_samples("gan-acgan", int(seed), cls=int(cls)), width=420)

st.subheader(f"Near-duplicates among 500 samples of {titles.get(model, model)}")
with st.spinner("Comparing samples in the classifier's feature space…"):
    strips, rate = api.gan_duplicates(model)  # a fixed sample set per model: a property of the model, not the seed
st.caption(f"{100 * rate:.1f} % of the samples have a near-duplicate. Each row is one group of near-copies "
           "(largest first): many long rows is what mode collapse looks like.")
for strip in strips:
    st.image(strip)
if not strips:
    st.info("No near-duplicates: every sample is farther from the others than almost all real galaxies are.")
