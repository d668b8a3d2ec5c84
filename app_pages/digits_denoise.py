"""Digits denoiser: noise a batch of MNIST test digits (or your own digit) and compare the DAE with NL-means and a
median filter, PSNR and SSIM under each picture."""

import streamlit as st

from app_pages import url_state
from engine import api

st.title("🧹 Digits: a denoising autoencoder against the classics")
st.caption(
    "Pick a noise and its level: a batch of real MNIST test digits is corrupted and cleaned by the convolutional "
    "denoising autoencoder (`digits-dae`), by NL-means (with the h that scored best on the 1 000 test digits) and "
    "by a 3×3 median filter. Under each digit: PSNR (dB, higher is better) and SSIM (1 = identical) against the "
    "clean digit. Upload a picture of your own digit at the bottom. The URL keeps your settings."
)

NOISES = api.digit_noise_kinds()
S = st.session_state


if "dn_noise" not in S:  # first run of the session: state from the URL, defaults for anything malformed
    S.dn_noise = st.query_params.get("noise") if st.query_params.get("noise") in NOISES else "gaussian"
    S.dn_amount = url_state.number("amount", NOISES[S.dn_noise]["default"], 0.0, NOISES[S.dn_noise]["max"])
    S.dn_seed = int(url_state.number("seed", 0, 0, 2**31 - 1))
    S.dn_start = int(url_state.number("start", 0, 0, 9999))


def _noise_changed() -> None:
    S.dn_amount = float(NOISES[S.dn_noise]["default"])


try:
    api.load(api.DAE)
except api.CheckpointError as e:
    st.error(f"The denoiser is not available. {e}")
    st.stop()

c1, c2, c3, c4 = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
c1.radio("Noise", list(NOISES), key="dn_noise", format_func=lambda k: NOISES[k]["label"], horizontal=True,
         on_change=_noise_changed)
spec = NOISES[S.dn_noise]
c2.slider(f"Level ({spec['unit']})", 0.0, float(spec["max"]), key="dn_amount", step=float(spec["step"]))
c3.number_input("Noise seed", min_value=0, step=1, key="dn_seed")
c4.number_input("First digit #", min_value=0, max_value=9999, step=8, key="dn_start",
                help="Which test digits to show (8 from this index)")


@st.cache_data(show_spinner=False, max_entries=64)
def _batch(kind: str, amount: float, seed: int, start: int):
    r = api.denoise_digits(kind, amount, seed, 8, start)
    return {m: api.digit_strip(r.outputs[m], 5) for m in r.outputs}, api.digit_strip(r.clean, 5), r.psnr, r.ssim


def _show(strips, clean_strip, ps, ss) -> None:
    rows = [("clean", clean_strip, None, None)] + [(m, strips[m], ps[m], ss[m]) for m in api.METHODS]
    for label, img, p, s in rows:
        left, right = st.columns([1, 5], vertical_alignment="center")
        if p is None:
            left.markdown("**clean**")
        else:
            finite = [v for v in p if v != float("inf")]
            mean_p = f"{sum(finite) / len(finite):.1f} dB" if finite else "∞ dB"
            left.markdown(f"**{label}**  \nPSNR {mean_p} · SSIM {sum(s) / len(s):.3f}")
        right.image(img, output_format="PNG")
        if p is not None:
            right.caption("  ·  ".join(f"{a:.1f} dB / {b:.2f}" if a != float("inf") else f"∞ / {b:.2f}"
                                       for a, b in zip(p, s)))


_show(*_batch(S.dn_noise, float(S.dn_amount), int(S.dn_seed), int(S.dn_start)))
st.caption("Means over the 8 digits beside each row; per digit (PSNR / SSIM) under it.")

st.subheader("Your own digit")
st.caption("Any picture of one digit — a photo of paper, a scan, a drawing; any size or colour. It is scaled and "
           "centred the way MNIST digits are, the noise above is added, and every method cleans it.")
up = st.file_uploader("Upload a digit image", type=["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"],
                      key="dn_upload")
if up is not None:
    try:
        r = api.denoise_digit_upload(up.getvalue(), S.dn_noise, float(S.dn_amount), int(S.dn_seed))
    except ValueError as e:
        st.error(f"Could not use that file: {e}")
    else:
        cols = st.columns(5)
        cols[0].image(api.digit_strip(r.clean, 6), caption="your digit, MNIST-style", output_format="PNG")
        for col, m in zip(cols[1:], api.METHODS):
            p = r.psnr[m][0]
            cap = f"{m}: " + ("identical" if p == float("inf") else f"{p:.1f} dB · SSIM {r.ssim[m][0]:.2f}")
            col.image(api.digit_strip(r.outputs[m], 6), caption=cap, output_format="PNG")

st.query_params.from_dict({"noise": S.dn_noise, "amount": f"{float(S.dn_amount):g}", "seed": str(S.dn_seed),
                           "start": str(S.dn_start)})
