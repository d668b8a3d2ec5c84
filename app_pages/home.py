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
    ("digits", "app_pages/digits_map.py", "digits-vae2", "✏️ Digits",
     "Real handwritten digits on a 2-D VAE map: draw a digit and see where it lands, click to decode any point, "
     "select digits to see them, and compare PCA, t-SNE and UMAP views of a 16-D code. Teaches: latent "
     "structure, generalisation, projections."),
    ("radio", "app_pages/radio.py", "radio-dae", "📡 Radio",
     "Pull a cosmic-ray radio pulse out of noisy antenna traces, compare spectra, and race a blind network against "
     "the best classical filters. Teaches: denoising 1-D signals, spectra, matched filtering."),
    ("photo denoiser", "app_pages/denoise.py", "image-denoiser-gray", "🖼️ Photo denoiser",
     "Upload any photo and a small CNN cleans it in about a second, or add known noise to a sample and race the "
     "network against NL-means, TV and wavelet denoisers. Teaches: residual learning, noise levels, PSNR/SSIM."),
]

# Cards whose model has no 2-D latent grid to show draw their own picture; the rest show their decoded plane.
SPECIAL_THUMBNAILS = {"radio-dae": lambda: api.radio_thumbnail(),
                      "image-denoiser-gray": lambda: api.denoise_thumbnail()}


@st.cache_data(show_spinner=False)
def thumbnail(name: str):
    if name in SPECIAL_THUMBNAILS:
        return SPECIAL_THUMBNAILS[name]()
    span = None if name.startswith("letters") else 2.0
    return api.grid_image(name, n=8, span=span, scale=3)


for i, (lab, page, model, title, blurb) in enumerate(LABS):
    if i % 3 == 0:  # a row of three cards at a time, so reading order is row by row
        cols = st.columns(3)
    col = cols[i % 3]
    with col.container(border=True):
        st.subheader(title)
        try:
            st.image(thumbnail(model), width="stretch", output_format="PNG")
        except api.CheckpointError as e:
            st.warning(str(e))
        st.write(blurb)
        st.page_link(page, label=f"Open the {lab} lab", icon="➡️")
