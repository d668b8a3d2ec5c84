"""Sparse autoencoder: a penalty on the code's size switches most units off. Pick a strength, see one digit's code,
the features the units learned, and reconstruction error against active units beside PCA's."""

import streamlit as st

from engine import api

st.title("🧮 Digits: a sparse code")
st.caption(
    "Each model codes a digit with **128 units** — more than it needs — but pays an L1 penalty λ·Σ|z| for every "
    "bit of activity, so most units sit at exactly zero (a ReLU code). The stronger the penalty, the fewer units a "
    "digit uses and the more each unit has to mean something. Four models were trained, one per strength."
)

try:
    api.load(api.SPARSE)
except api.CheckpointError as e:
    st.error(f"The sparse autoencoders are not available. {e}")
    st.stop()

S = st.session_state
strengths = api.sparse_strengths()
if "sparse_lam" not in S:
    q = st.query_params.get("lam")
    S.sparse_lam = next((s for s in strengths if q is not None and f"{s:g}" == q), strengths[-1])
    try:
        S.sparse_digit = min(max(int(st.query_params.get("digit", 0)), 0), 999)
    except ValueError:
        S.sparse_digit = 0

a, b = st.columns([3, 1], vertical_alignment="bottom")
a.select_slider("Sparsity penalty λ", strengths, key="sparse_lam", format_func=lambda s: f"{s:g}")
b.number_input("Test digit #", 0, 999, key="sparse_digit")
lam = float(S.sparse_lam)
code = api.sparse_code(lam, int(S.sparse_digit))
metrics = api.sparse_metrics()[f"{lam:g}"]

left, right = st.columns([1, 3], gap="large")
with left:
    c1, c2 = st.columns(2)
    c1.image(api.sparse_digit_image(code.image, 4), caption=f"test digit ({code.label})", output_format="PNG")
    c2.image(api.sparse_digit_image(code.recon, 4), caption="reconstruction", output_format="PNG")
    st.metric("Active units for this digit", f"{code.active} / {len(code.code)}")
    st.metric("Its MSE per pixel", f"{code.mse:.4f}")
with right:
    st.plotly_chart(api.sparse_code_figure(code), width="stretch", key="sparse_code")

m1, m2, m3 = st.columns(3)
m1.metric("Mean active units (1 000 test digits)", f"{metrics['active_units_mean']:.1f}",
          help="Units with a non-zero value, averaged over the test digits.")
m2.metric("Test MSE per pixel", f"{metrics['recon_mse']:.4f}")
pixels = api.sparse_metrics()["pixels"]["linear_probe_acc"]
m3.metric("Linear probe accuracy", f"{metrics['linear_probe_acc']:.1%}",
          delta=f"{(metrics['linear_probe_acc'] - pixels) * 100:+.1f} points vs raw pixels",
          help="A logistic regression fitted on the training digits' codes, scored on the test digits' codes; "
               f"the same on the raw 784 pixels scores {pixels:.1%}.")

st.subheader("What the units learned")
grid, dead = api.sparse_features(lam)
st.caption("Each tile is one unit's decoder image — what it adds to a reconstruction when it is active (gray = 0, "
           "dark = ink added, light = ink removed) — most used units first. "
           + (f"{dead} units are never active on a test digit." if dead else "Every unit is used by some digit."))
st.image(grid, output_format="PNG")

st.subheader("Error against active units")
st.caption("Each point is one strength: its mean number of active units and its test error. The line is PCA with "
           "k components (k numbers per digit, all active). A sparse code chooses *which* units per digit; PCA uses "
           "the same k directions for every digit.")
st.plotly_chart(api.sparse_tradeoff_figure(lam), width="stretch", key="sparse_tradeoff")

st.query_params.from_dict({"lam": f"{lam:g}", "digit": str(S.sparse_digit)})
