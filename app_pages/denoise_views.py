"""Parts of the photo page: a big picture's denoise with a progress bar and Stop, a zoomed crop of each picture
side by side, and classical denoisers raced against the network. Not a page itself (app.py lists the pages):
app_pages/denoise.py imports it."""

import numpy as np
import streamlit as st

from engine import api


# Arguments starting with "_" are not hashed by Streamlit: the key string stands for the picture.
@st.cache_data(max_entries=16, show_spinner=False)
def _baseline(key: str, name: str, _pixels, sigma):
    return api.run_image_baseline(name, _pixels, sigma)


def denoise_large(key: str, noisy: np.ndarray, sigma: float | None, kind: str, megapixels: float
                  ) -> api.DenoiseResult:
    """A big picture: a progress bar and a Stop button (a click reruns the page, which ends the work at the next
    tile); the result is kept for this session only, one picture at a time (a 24 MP result is ~300 MB)."""
    S = st.session_state
    if S.get("dn_big", (None,))[0] == key:
        return S.dn_big[1]
    if S.get("dn_stopped") == key:
        st.info("Stopped. Nothing was changed.")
        st.button("Denoise it after all", on_click=lambda: S.pop("dn_stopped", None), key="dn_resume")
        st.stop()
    stop = st.empty()  # cleared when the work is done: a Stop button beside a finished result confuses
    stop.button("⏹ Stop", key="dn_stop", on_click=lambda: S.update(dn_stopped=key),
                help="Stop denoising this picture; change a setting or press 'Denoise it after all' to start again.")
    bar = st.progress(0.0, text=f"Denoising {megapixels:.1f} megapixels tile by tile...")
    res = api.denoise_picture(noisy, sigma, on_progress=lambda f: bar.progress(f, text=f"Denoising... {f:.0%}"),
                              kind=kind)
    bar.empty()
    stop.empty()
    S.dn_big = (key, res)
    return res


def zoom_and_compare(noisy: np.ndarray, res: api.DenoiseResult, clean: np.ndarray | None, added: bool, key: str,
                     sigma: float | None, after: dict | None) -> None:
    """Zoom sliders and crops (noisy or input, network, clean when known), then the baselines the user picks, each
    shown on the same crop and scored against the clean picture when there is one. `key` names the noisy picture
    and the level given (None: estimated), `after` is the network's quality against the clean picture."""
    st.subheader("Zoom in")
    z = st.columns([2, 2, 1])
    cx = z[0].slider("Across (%)", 0, 100, 50, key="dn_cx") / 100
    cy = z[1].slider("Down (%)", 0, 100, 40, key="dn_cy") / 100
    zoom = z[2].selectbox("Zoom", [1, 2, 4, 8], index=1, key="dn_zoom", format_func=lambda v: f"{v}x")
    views = [("Noisy" if added else "Input", noisy), ("Network", res.pixels)]
    if clean is not None and added:
        views.append(("Clean", clean))
    for col, (name, px) in zip(st.columns(len(views)), views):
        col.image(api.zoom_crop(px, cx, cy, zoom), caption=name, width="stretch")

    st.subheader("Compare with classical denoisers")
    picked = st.multiselect("Baselines (each runs when picked; times are on this CPU)", api.image_baselines(),
                            key="dn_baselines",
                            help="BM3D appears when its optional package is installed." if "BM3D" not in
                            api.image_baselines() else None)
    if not picked:
        return
    scores = {"PSNR (dB)": round(after["psnr"], 2), "SSIM": round(after["ssim"], 3)} if after else {}
    rows = [{"method": "network", "seconds": round(res.seconds, 3), **scores}]
    for col, name in zip(st.columns(len(picked)), picked):
        with st.spinner(f"Running {name}..."):
            out, sec = _baseline(key, name, noisy, sigma)
        q = api.image_quality(clean, out) if clean is not None else {}
        rows.append({"method": name, "seconds": round(sec, 3),
                     **({"PSNR (dB)": round(q["psnr"], 2), "SSIM": round(q["ssim"], 3)} if q else {})})
        col.image(api.zoom_crop(out, cx, cy, zoom), caption=f"{name} — {sec:.2f} s", width="stretch")
    st.dataframe(rows, hide_index=True)
