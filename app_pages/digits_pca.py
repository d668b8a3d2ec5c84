"""PCA vs autoencoder: reconstruction error against latent size, the same digits through both, and the two 2-D
codes side by side with their 5-NN accuracy."""

import streamlit as st

from engine import api

st.title("📉 Digits: PCA against autoencoders")
st.caption(
    "PCA is the best *linear* code of k numbers; an autoencoder may bend its code. The plot gives the test "
    "reconstruction error of both for k = 2 … 32 (1 000 MNIST test digits, both fitted on the 4 000 training "
    "digits). Pick a k to see the same digits reconstructed by both; below, the two 2-D codes of every test digit."
)

try:
    api.load(api.AEK)
except api.CheckpointError as e:
    st.error(f"The autoencoders are not available. {e}")
    st.stop()

S = st.session_state
KS = [2, 4, 8, 16, 32]
if "pca_k" not in S:
    q = st.query_params.get("k", "8")
    S.pca_k = int(q) if q in {str(k) for k in KS} else 8
    try:
        S.pca_start = min(max(int(st.query_params.get("start", 0)), 0), 9999)
    except ValueError:
        S.pca_start = 0


@st.cache_resource(show_spinner=False)
def _figures():
    return api.pca_mse_figure(), api.pca_ae_scatter()


@st.cache_data(show_spinner=False, max_entries=64)
def _recon(k: int, start: int):
    r = api.pca_ae_reconstructions(k, start, 10)
    return (api.digit_strip(r.original, 5), api.digit_strip(r.pca, 5), api.digit_strip(r.ae, 5),
            sum(r.mse_pca) / len(r.mse_pca), sum(r.mse_ae) / len(r.mse_ae))


mse_fig, (fig_pca, fig_ae, acc_pca, acc_ae) = _figures()
left, right = st.columns([2, 3], gap="large")
with left:
    st.plotly_chart(mse_fig, width="stretch", key="mse_plot")
with right:
    a, b = st.columns([3, 1], vertical_alignment="bottom")
    a.select_slider("Latent size k", KS, key="pca_k")
    b.number_input("First digit #", 0, 9999, step=10, key="pca_start")
    orig, pca, ae, m_pca, m_ae = _recon(int(S.pca_k), int(S.pca_start))
    st.markdown("**original**")
    st.image(orig, output_format="PNG")
    st.markdown(f"**PCA, k = {S.pca_k}** — MSE {m_pca:.4f}")
    st.image(pca, output_format="PNG")
    st.markdown(f"**autoencoder, k = {S.pca_k}** — MSE {m_ae:.4f} ({m_ae / m_pca:.0%} of PCA's)")
    st.image(ae, output_format="PNG")

st.subheader("The two 2-D codes")
st.caption("Each point is a test digit, coloured by its class. 5-NN accuracy: a 5-nearest-neighbour classifier "
           "fitted on the training digits' codes and scored on the test digits — how well each 2-D code keeps "
           "the classes apart.")
l2, r2 = st.columns(2)
with l2:
    st.metric("5-NN accuracy, PCA-2", f"{acc_pca:.1%}")
    st.plotly_chart(fig_pca, width="stretch", key="scatter_pca")
with r2:
    st.metric("5-NN accuracy, autoencoder-2", f"{acc_ae:.1%}", delta=f"{(acc_ae - acc_pca) * 100:+.1f} points")
    st.plotly_chart(fig_ae, width="stretch", key="scatter_ae")

st.query_params.from_dict({"k": str(S.pca_k), "start": str(S.pca_start)})
