"""Streamlit entry: page config, navigation over app_pages/, and a sidebar with the shipped models' status.

The page files live in app_pages/, not pages/: Streamlit treats a folder named pages/ beside the entry script as a
legacy multipage app until some session has run this file, so a shared link such as /letters opened first on a
fresh server would run the page alone, without this navigation and sidebar.
"""

import streamlit as st

from engine import api

st.set_page_config(page_title="Latent Explorer", page_icon="🧭", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("app_pages/letters.py", title="Letters: denoising in 2-D", icon="🔤", url_path="letters"),
    st.Page("app_pages/emoji.py", title="Emoji: a VAE that invents faces", icon="🙂", url_path="emoji"),
    st.Page("app_pages/denoise.py", title="Photo denoiser", icon="🖼️", url_path="denoise"),
]
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
