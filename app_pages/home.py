"""Home: what this is, and one card per lab."""

import streamlit as st

from engine import api

st.title("Latent Explorer")
st.markdown(
    "See what autoencoders learn. Each lab squeezes data through a tiny **latent space** you can look at, click "
    "and walk through — the models are real, trained on this machine's CPU, and shipped with the app."
)

LABS = [
    ("letters", "app_pages/letters.py", "letters-dae", "🔤 Letters",
     "Draw a 5×7 letter, add noise, and watch a denoising autoencoder restore it — and see where your scribble "
     "lands on a 2-D map of the alphabet. Teaches: bottlenecks, denoising, decision regions."),
    ("emoji", "app_pages/emoji.py", "emoji-vae", "🙂 Emoji",
     "Slide through the 2-D latent plane of a VAE trained on 24 pixel faces, and find the faces it invented. "
     "Teaches: generative decoders, interpolation, novelty vs. memorisation."),
    ("denoiser", "app_pages/denoise.py", "image-denoiser-gray", "🖼️ Photo denoiser",
     "Upload any photo and a small CNN cleans it in about a second, or add known noise to a sample and race the "
     "network against NL-means, TV and wavelet denoisers. Teaches: residual learning, noise levels, PSNR/SSIM."),
]


@st.cache_data(show_spinner=False)
def thumbnail(name: str):
    if name == api.DENOISER:
        return api.denoise_thumbnail()
    span = None if name.startswith("letters") else 2.0
    return api.grid_image(name, n=8, span=span, scale=3)


cols = st.columns(len(LABS))
for col, (lab, page, model, title, blurb) in zip(cols, LABS):
    with col.container(border=True):
        st.subheader(title)
        try:
            st.image(thumbnail(model), width="stretch", output_format="PNG")
        except api.CheckpointError as e:
            st.warning(str(e))
        st.write(blurb)
        st.page_link(page, label=f"Open the {lab} lab", icon="➡️")
