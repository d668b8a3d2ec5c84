"""Streamlit entry: page config, navigation over app_pages/, and a sidebar with the shipped models' status.

The page files live in app_pages/, not pages/: Streamlit treats a folder named pages/ beside the entry script as a
legacy multipage app until some session has run this file, so a shared link such as /letters opened first on a
fresh server would run the page alone, without this navigation and sidebar.
"""

import streamlit as st

from engine import api

# Import plotly, pandas, scipy, ... once, serialised, before any page does: 8 tabs opened at once on a cold server
# otherwise race through plotly's lazy pandas import (see engine/api/warmup.py).
api.warm_up(("streamlit_drawable_canvas",))

st.set_page_config(page_title="Latent Explorer", page_icon="🧭", layout="wide")

PAGES = {
    "": [st.Page("app_pages/home.py", title="Home", icon="🏠", default=True)],
    "Small labs": [
        st.Page("app_pages/letters.py", title="Letters: denoising in 2-D", icon="🔤", url_path="letters"),
        st.Page("app_pages/emoji.py", title="Emoji: a VAE that invents faces", icon="🙂", url_path="emoji"),
    ],
    "Digits (real MNIST)": [
        st.Page("app_pages/digits_map.py", title="A map you can draw into", icon="✏️", url_path="digits"),
        st.Page("app_pages/digits_denoise.py", title="Denoiser", icon="🧹", url_path="digits-denoise"),
        st.Page("app_pages/digits_pca.py", title="PCA vs autoencoder", icon="📉", url_path="digits-pca"),
        st.Page("app_pages/digits_projections.py", title="PCA, t-SNE, UMAP", icon="🔭", url_path="digits-projections"),
        st.Page("app_pages/digits_anomalies.py", title="Anomalies", icon="🚨", url_path="digits-anomalies"),
    ],
    "Galaxies": [
        st.Page("app_pages/galaxies.py", title="Walk through a VAE's sky", icon="🌌", url_path="galaxies"),
    ],
    "GANs": [
        st.Page("app_pages/gan_toy.py", title="Live toy GAN", icon="🎯", url_path="gan-toy"),
        st.Page("app_pages/gans.py", title="Galaxy GANs compared", icon="🌀", url_path="gans"),
    ],
    "Signals and photos": [
        st.Page("app_pages/radio.py", title="Radio: cosmic-ray pulses", icon="📡", url_path="radio"),
        st.Page("app_pages/denoise.py", title="Photo denoiser", icon="🖼️", url_path="denoise"),
    ],
}
nav = st.navigation(PAGES)


@st.cache_data(ttl=30, show_spinner=False)
def _models() -> list[api.ExperimentInfo]:
    return api.list_experiments()


with st.sidebar:
    st.markdown("**Shipped models**")
    for info in _models():
        if info.status == "ok":
            met = all(info.bars.values()) if info.bars else True
            value = f"{info.headline_value:g}" if info.headline_value is not None else "?"
            st.markdown(f"{'🟢' if met else '🟠'} `{info.name}` — {info.headline} = {value}")
        else:
            st.markdown(f"🔴 `{info.name}` — {info.status}", help=info.message)
    st.caption("Everything runs on your CPU, offline. Retrain any model with `python -m engine train NAME`.")

nav.run()
