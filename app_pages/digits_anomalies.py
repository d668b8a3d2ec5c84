"""Anomalies: models trained only on digits find digits unsurprising and everything else surprising. Two scores:
the VAE's negative ELBO (its likelihood bound) and an autoencoder's reconstruction error — the second misses more
letters, and the page shows it."""

import streamlit as st

from engine import api

st.title("🚨 Digits: spotting what is not a digit")
st.caption(
    "Models that learned only MNIST digits score how surprising an input is. The default score is the negative "
    "ELBO of a VAE with a 16-number code (`digits-vae16`): the cross-entropy of its reconstruction plus the cost "
    "of the code, in nats — a bound on how unlikely the VAE finds the image. Switch to the reconstruction error of "
    "a plain autoencoder (`digits-ae-k`, k = 8) to see more letters slip through: letters come back almost as "
    "well as digits, and only the likelihood also prices how unusual their code is. Move the threshold to trade "
    "false alarms for detections, inspect any input, or upload your own."
)

SCORES = api.anomaly_scores()
S = st.session_state
SETS = {"digits": "test digits", **api.anomaly_sets()}
if "an_source" not in S:
    S.an_score = st.query_params.get("score") if st.query_params.get("score") in SCORES else "elbo"
    S.an_source = st.query_params.get("set") if st.query_params.get("set") in SETS else "letters"
    try:
        S.an_index = min(max(int(st.query_params.get("i", 0)), 0), 999)
    except ValueError:
        S.an_index = 0

st.radio("Anomaly score", list(SCORES), key="an_score", horizontal=True, format_func=lambda k: SCORES[k].label)
score = S.an_score
spec = SCORES[score]
try:
    api.load(spec.model)
except api.CheckpointError as e:
    st.error(f"The model behind this score is not available. {e}")
    st.stop()
lo, hi, step = spec.slider
# One threshold per score (their units differ), kept outside the widget: Streamlit forgets a widget's state in a
# run where it is not drawn, i.e. while the other score is shown.
thresholds = S.setdefault("an_thresholds", {})
if score not in thresholds:
    thresholds[score] = min(max(round(api.anomaly_threshold_default(score) / step) * step, lo), hi)

upload = st.file_uploader("Upload any image to score it (optional)", key="an_upload",
                          type=["png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff"])
res = None
if upload is not None:
    try:
        res = api.anomaly_heatmap(upload=upload.getvalue(), score=score)
    except ValueError as e:
        st.error(f"Could not use that file: {e}")

thr = st.slider(f"Threshold on the {spec.unit}", lo, hi, thresholds[score], step=step, key=f"an_threshold_{score}",
                format="%.3f" if step < 1 else "%.0f")
thresholds[score] = thr
roc = api.anomaly_roc(thr, score)
h, r = st.columns(2)
with h:
    st.plotly_chart(api.anomaly_histogram(res.score if res else None, thr, score), width="stretch", key="an_hist")
with r:
    st.plotly_chart(roc.figure, width="stretch", key="an_roc")
cols = st.columns(len(SETS))
for col, (key, label) in zip(cols, SETS.items()):
    if key == "digits":
        col.metric("digits flagged (false alarms)", f"{roc.flagged[key]:.1%}")
    else:
        col.metric(f"{label.split(' (')[0]} detected", f"{roc.flagged[key]:.1%}", help=f"AUC {roc.auc[key]:.3f}")

st.subheader("Per-pixel score")
if res is None:
    a, b = st.columns(2)
    a.selectbox("Input from", list(SETS), key="an_source", format_func=SETS.get)
    b.number_input("Item #", 0, 999, step=1, key="an_index")
    try:
        res = api.anomaly_heatmap(S.an_source, int(S.an_index), score=score)
    except ValueError as e:
        st.warning(str(e))
        st.stop()
else:
    st.caption("Showing your upload (scaled and centred like an MNIST digit). Remove it to browse the sets.")
verdict = "🚨 flagged as not a digit" if res.score > thr else "✅ passes as a digit"
value = f"{res.score:.1f}" if score == "elbo" else f"{res.score:.4f}"
st.markdown(f"{spec.unit[0].upper() + spec.unit[1:]} **{value}** — higher than {res.digit_percentile:.1%} of test "
            f"digits: {verdict} at this threshold.")
c1, c2, c3 = st.columns(3)
c1.image(api.digit_strip(res.image, 8), caption="input", output_format="PNG")
c2.image(api.digit_strip(res.recon, 8), caption="reconstruction", output_format="PNG")
c3.image(api.error_heatmap(res.error_map, 8, spec.heat_max), caption=spec.heat_caption, output_format="PNG")

st.query_params.from_dict({"score": score, "set": S.an_source, "i": str(S.an_index)})
