"""Anomalies: an autoencoder trained only on digits reconstructs digits well and everything else badly, so its
reconstruction error flags inputs that are not digits."""

import streamlit as st

from engine import api

st.title("🚨 Digits: spotting what is not a digit")
st.caption(
    "An autoencoder with an 8-number code (`digits-ae-k`, k = 8) learned only MNIST digits. Its reconstruction "
    "error is low for digits and high for letters, faces and noise. Compare the error histograms, move the "
    "threshold to trade false alarms for detections on the ROC curves, and inspect any input — or upload your own."
)

try:
    api.load(api.AEK)
except api.CheckpointError as e:
    st.error(f"The autoencoder is not available. {e}")
    st.stop()

S = st.session_state
SETS = {"digits": "test digits", **api.anomaly_sets()}
if "an_source" not in S:
    S.an_source = st.query_params.get("set") if st.query_params.get("set") in SETS else "letters"
    try:
        S.an_index = min(max(int(st.query_params.get("i", 0)), 0), 999)
    except ValueError:
        S.an_index = 0
    S.an_threshold = round(api.anomaly_threshold_default(), 4)

upload = st.file_uploader("Upload any image to score it (optional)", key="an_upload",
                          type=["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"])
res, upload_error = None, None
if upload is not None:
    try:
        res = api.anomaly_heatmap(upload=upload.getvalue())
        upload_error = res.score
    except ValueError as e:
        st.error(f"Could not use that file: {e}")

st.slider("Threshold on the reconstruction error (MSE per pixel)", 0.001, 0.1, key="an_threshold", step=0.001,
          format="%.3f")
thr = float(S.an_threshold)
roc = api.anomaly_roc(thr)
h, r = st.columns(2)
with h:
    st.plotly_chart(api.anomaly_histogram(upload_error, thr), width="stretch", key="an_hist")
with r:
    st.plotly_chart(roc.figure, width="stretch", key="an_roc")
cols = st.columns(len(SETS))
for col, (key, label) in zip(cols, SETS.items()):
    if key == "digits":
        col.metric("digits flagged (false alarms)", f"{roc.flagged[key]:.1%}")
    else:
        col.metric(f"{label.split(' (')[0]} detected", f"{roc.flagged[key]:.1%}", help=f"AUC {roc.auc[key]:.3f}")

st.subheader("Per-pixel error")
if res is None:
    a, b = st.columns(2)
    a.selectbox("Input from", list(SETS), key="an_source", format_func=SETS.get)
    b.number_input("Item #", 0, 999, step=1, key="an_index")
    try:
        res = api.anomaly_heatmap(S.an_source, int(S.an_index))
    except ValueError as e:
        st.warning(str(e))
        st.stop()
else:
    st.caption("Showing your upload (scaled and centred like an MNIST digit). Remove it to browse the sets.")
verdict = "🚨 flagged as not a digit" if res.score > thr else "✅ passes as a digit"
st.markdown(f"Reconstruction error **{res.score:.4f}** — higher than {res.digit_percentile:.1%} of test digits: "
            f"{verdict} at this threshold.")
c1, c2, c3 = st.columns(3)
c1.image(api.digit_strip(res.image, 8), caption="input", output_format="PNG")
c2.image(api.digit_strip(res.recon, 8), caption="reconstruction", output_format="PNG")
c3.image(api.error_heatmap(res.error_map, 8), caption="squared error per pixel (bright = wrong)",
         output_format="PNG")

st.query_params.from_dict({"set": S.an_source, "i": str(S.an_index)})
