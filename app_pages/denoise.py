"""Photo denoiser: upload a photo (or pick a sample), optionally add known noise, compare with classical methods."""

import hashlib

import streamlit as st

from app_pages import denoise_views, url_state
from engine import api

st.title("🖼️ Photo denoiser")
st.caption(
    "A small convolutional network cleans a photo of any size, gray or colour. **Upload** your own noisy photo, or "
    "pick a **sample** and add noise of a known level to see how close the network gets to the clean picture "
    "(PSNR/SSIM). Then race it against classical denoisers. The URL keeps the sample, noise, level and seed."
)

S = st.session_state
SAMPLES = api.sample_image_names()
NOISE_LEVEL = {"gaussian": ("sigma (0-255)", 0.0, 100.0, 25.0, 1.0),  # label, min, max, default, step
               "salt_pepper": ("share of values", 0.0, 0.5, 0.1, 0.01)}
BIG_MP = 1.5  # above this a picture takes several seconds here: show progress and offer to stop


if "dn_source" not in S:  # first run of a session: state from the URL, defaults on anything malformed
    q = st.query_params
    S.dn_source = "Upload" if q.get("src") == "upload" else "Sample"
    S.dn_sample = q.get("sample") if q.get("sample") in SAMPLES else SAMPLES[0]
    S.dn_noise = q.get("noise") if q.get("noise") in api.IMAGE_NOISES else (
        "none" if S.dn_source == "Upload" else "gaussian")  # your own photo is noisy already
    spec = NOISE_LEVEL.get(S.dn_noise)
    S.dn_level = url_state.number("level", spec[3], spec[1], spec[2]) if spec else 0.0
    S.dn_seed = int(url_state.number("seed", 0, 0, 2**31 - 1))
    S.dn_kind = "camera" if S.dn_source == "Upload" else "gaussian"  # your own photo most likely came from a camera
for _k in ("dn_sample", "dn_level", "dn_seed"):  # Streamlit drops a widget's value after a run that does not draw it
    S[_k] = S[_k]  # (the sample picker in Upload mode, the level with no noise): re-set, it is kept


def _source_changed() -> None:
    # Your own photo is usually noisy already: start it with no added noise; a sample starts with some.
    S.dn_noise = "none" if S.dn_source == "Upload" else "gaussian"
    S.dn_kind = "camera" if S.dn_source == "Upload" else "gaussian"
    _noise_changed()


def _noise_changed() -> None:
    S.dn_level = NOISE_LEVEL[S.dn_noise][3] if S.dn_noise in NOISE_LEVEL else 0.0


@st.cache_data(max_entries=4, show_spinner=False)
def _read(data: bytes) -> api.LoadedImage:
    return api.load_image(data)


@st.cache_data(max_entries=4, show_spinner=False)
def _sample(name: str) -> api.LoadedImage:
    return api.sample_image(name)


# Arguments starting with "_" are not hashed by Streamlit: the key string stands for the picture.
@st.cache_data(max_entries=8, show_spinner=False)
def _noisy(key: str, _pic: api.LoadedImage, kind: str, level: float, seed: int):
    return api.add_image_noise(_pic, kind, level, seed)


@st.cache_data(max_entries=8, show_spinner=False)
def _denoised(key: str, _pixels, sigma, kind):
    return api.denoise_picture(_pixels, sigma, kind=kind)


# --- the picture --------------------------------------------------------------------------------------------
c1, c2, c3 = st.columns([1.2, 1.4, 1.2], gap="large")
with c1:
    st.radio("Picture", ["Sample", "Upload"], key="dn_source", horizontal=True, on_change=_source_changed)
    if S.dn_source == "Sample":
        st.selectbox("Sample (never seen in training)", SAMPLES, key="dn_sample")
        upload = None
    else:
        upload = st.file_uploader("Your photo", type=["png", "jpg", "jpeg", "gif", "tif", "tiff", "bmp", "webp"],
                                  key="dn_upload", help=f"Any size up to {api.MAX_MEGAPIXELS} megapixels.")
with c2:
    st.selectbox("Add noise", list(api.IMAGE_NOISES), key="dn_noise", format_func=api.IMAGE_NOISES.get,
                 on_change=_noise_changed, help="Add noise to a clean picture to measure the result against it.")
    if S.dn_noise in NOISE_LEVEL:
        label, lo, hi, _, step = NOISE_LEVEL[S.dn_noise]
        S.dn_level = min(max(float(S.dn_level), lo), hi)
        sl, sd = st.columns([3, 1])
        sl.slider(f"Level: {label}", lo, hi, step=step, key="dn_level")
        sd.number_input("Seed", 0, 2**31 - 1, step=1, key="dn_seed")
with c3:
    blind = st.toggle("Estimate the noise level", value=True, key="dn_blind",
                      help="The network is blind: it estimates sigma itself. Turn off to set it by hand.")
    manual = None if blind else st.slider("Noise level for the network (sigma, 0-255)", 0, 75, 25, key="dn_sigma")
    noise_kind = st.radio("Noise kind", list(api.NOISE_KINDS), format_func=api.NOISE_KINDS.get, key="dn_kind",
                          disabled=not blind,
                          help="'Camera photo' uses a network fine-tuned on simulated camera noise (brighter where "
                               "the light is, demosaicked or not, tone-curved, JPEG-compressed) and estimates its "
                               "level the way such noise needs; 'even grain' the Gaussian one.")

st.query_params.from_dict({"src": "upload" if S.dn_source == "Upload" else "sample", "sample": S.dn_sample,
                           "noise": S.dn_noise, "level": f"{float(S.dn_level):g}", "seed": str(int(S.dn_seed))})

if S.dn_source == "Upload" and upload is None:
    st.info("Upload a photo to denoise it (PNG, JPEG, GIF, TIFF, BMP or WebP), or switch to a sample.")
    st.stop()
try:
    if upload is not None:
        data = upload.getvalue()
        key, pic, stem = hashlib.sha1(data).hexdigest(), _read(data), upload.name.rsplit(".", 1)[0]
    else:
        key, pic, stem = f"sample:{S.dn_sample}", _sample(S.dn_sample), S.dn_sample
except ValueError as e:
    st.error(str(e))
    st.stop()
for note in pic.notes:
    st.info(note)


kind, level, seed = S.dn_noise, float(S.dn_level), int(S.dn_seed)
clean = pic.pixels if kind != "none" or upload is None else None  # a sample is its own clean reference
noisy_key = f"{key}|{kind}|{level:g}|{seed}"
try:
    noisy = _noisy(noisy_key, pic, kind, level, seed)
    if pic.megapixels > BIG_MP:
        res = denoise_views.denoise_large(f"{noisy_key}|{manual}|{noise_kind}", noisy, manual, noise_kind,
                                          pic.megapixels)
    else:
        with st.spinner("Denoising..."):
            res = _denoised(f"{noisy_key}|{manual}|{noise_kind}", noisy, manual, noise_kind)
except ValueError as e:  # a missing checkpoint names the command that rebuilds it
    st.error(str(e))
    st.stop()

# --- results ------------------------------------------------------------------------------------------------
m = st.columns(4)
m[0].metric("Noise level (sigma, 0-255)", f"{res.sigma:.1f}", help="Estimated from the picture" if res.sigma_estimated
            else "Set by hand")
m[1].metric("Network time", f"{res.seconds:.2f} s", help=f"{pic.pixels.shape[1]}x{pic.pixels.shape[0]} pixels")
if res.impulses:
    m[3].metric("Salt & pepper impulses replaced", f"{res.impulses:,}")
if clean is not None:
    before, after = api.image_quality(clean, noisy), api.image_quality(clean, res.pixels)
    m[2].metric("PSNR vs clean", f"{after['psnr']:.2f} dB", f"{after['psnr'] - before['psnr']:+.2f} dB vs noisy")
    if not res.impulses:
        m[3].metric("SSIM vs clean", f"{after['ssim']:.3f}", f"{after['ssim'] - before['ssim']:+.3f} vs noisy")

left, right = st.columns(2)
left.image(api.preview(noisy), caption="Noisy" if kind != "none" else "Input", width="stretch",
           output_format="JPEG")
right.image(api.preview(res.pixels), caption=f"Denoised by {res.model}", width="stretch", output_format="JPEG")
if res.one_pass:
    how = ("the fast model in one pass, ~4× quicker for ~0.2–0.3 dB less" if res.model == api.FAST_DENOISER
           else "one pass instead of two, ~1.7× quicker for ~0.06 dB less")
    right.caption(f"Over {api.FAST_ABOVE_MP:g} megapixels: {how}.")
st.download_button("⬇️ Download the denoised picture (PNG)", api.to_png(res.pixels, pic.alpha, pic.bits),
                   file_name=f"{stem}-denoised.png", mime="image/png", key="dn_download")

denoise_views.zoom_and_compare(noisy, res, clean, kind != "none", f"{noisy_key}|{manual}", manual,
                               after if clean is not None else None)
