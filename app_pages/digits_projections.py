"""Digits projections: the 16-D codes of a VAE flattened to 2-D by PCA, t-SNE and UMAP (computed when training)."""

import streamlit as st

from engine import api

MODEL = api.DIGITS_PROJ
S = st.session_state

st.title("🔭 Digits: three ways to flatten a 16-D code")
st.caption(
    "A VAE gave each of 1 000 test digits a code of **16 numbers**. No screen shows 16 dimensions, so here are "
    "three ways to squash them to 2-D, computed once when the model was trained. Each dot is a digit, coloured by "
    "its true class; **drag a box or a lasso** on any of them to see the digits you caught."
)

try:
    api.load(MODEL)
    scores = api.projection_scores(MODEL)
except api.CheckpointError as e:
    st.error(f"The model `{MODEL}` is not available. {e}")
    st.stop()

ABOUT = {
    "pca": "linear: the two directions of largest spread. Distances keep their meaning; clusters overlap.",
    "tsne": "keeps each digit's nearest neighbours; gaps and cluster sizes between clusters mean little.",
    "umap": "keeps neighbours like t-SNE and packs each class into a tighter island.",
}


def _remember(method: str) -> None:
    S.proj_last = method  # the chart selected most recently is the one whose digits are shown


cols = st.columns(3)
events = {}
for col, (m, label) in zip(cols, api.PROJECTIONS.items()):
    with col:
        st.markdown(f"**{label}** — {ABOUT[m]}")
        events[m] = st.plotly_chart(api.digit_projection(m, MODEL, height=420), key=f"proj_{m}",
                                    on_select=lambda m=m: _remember(m), selection_mode=("box", "lasso"),
                                    width="stretch")

st.subheader("What each projection keeps")
rows = [{"projection": api.PROJECTIONS[m], "neighbours kept (trustworthiness, k=10)": round(v["trustworthiness"], 3),
         "global layout kept (Spearman ρ of distances)": round(v["distance_rho"], 3),
         "classes apart (5-NN accuracy in 2-D)": round(v["knn5_acc_2d"], 3)} for m, v in scores.items()]
st.dataframe(rows, hide_index=True)
best_local = max(scores, key=lambda m: scores[m]["trustworthiness"])
best_global = max(scores, key=lambda m: scores[m]["distance_rho"])
best_class = max(scores, key=lambda m: scores[m]["knn5_acc_2d"])
st.markdown(
    f"Measured on these 1 000 digits: **{api.PROJECTIONS[best_local]}** keeps local neighbourhoods best, "
    f"**{api.PROJECTIONS[best_global]}** keeps the large-scale distances best, and **{api.PROJECTIONS[best_class]}**"
    " separates the classes best. Trustworthiness asks whether a dot's 2-D neighbours are its true 16-D "
    "neighbours; ρ compares every pairwise distance before and after; 5-NN accuracy asks whether the classes "
    "stay apart. Pick the view that answers your question: PCA for true distances, t-SNE or UMAP for who is next to "
    "whom."
)

# The chart selected most recently wins; without that record (a selection restored from the session), any chart
# that holds a selection.
order = [S.get("proj_last")] + list(api.PROJECTIONS)
method = next((m for m in order if m and api.selected_ids(events[m])), None)
ids = api.selected_ids(events[method]) if method else []
if ids:
    picture, caption = api.digit_thumbnails(MODEL, ids)
    st.subheader(f"Selected in {api.PROJECTIONS[method]}")
    st.image(picture, caption=caption, output_format="PNG")
else:
    st.info("Drag a box or a lasso around some dots (the tool bar above each plot switches between them).")
