"""The digits pages (latent map, projections) through AppTest: a faked canvas drawing and faked plotly selections
injected through session_state, as the browser would send them."""

import base64
import io
import json

import numpy as np
import pytest
from apptools import open_page
from PIL import Image

from engine import api

MAP, PROJ = "app_pages/digits_map.py", "app_pages/digits_projections.py"


def canvas_state(rgba: np.ndarray) -> dict:
    """What streamlit-drawable-canvas sends back after a stroke: the drawing as a PNG data URL."""
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return {"drawing": {"raw": {"objects": [{"type": "path"}], "background": "#ffffff"}, "data": url},
            "backgroundFit": None}


def one_stroke() -> np.ndarray:
    """A '1' drawn on the 224x224 canvas: black ink on the white background."""
    a = np.full((224, 224, 4), 255, np.uint8)
    a[40:190, 100:116, :3] = 0
    return a


def figures(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def captions(at):
    return [img.proto.imgs[0].caption for img in at.get("image")]


def test_map_draw_click_and_box_select():
    at = open_page(MAP)
    assert any("Draw a digit" in i.value for i in at.info)
    fig = figures(at)[0]
    assert [a["text"] for a in fig["layout"]["annotations"]] == [f"<b>{c}</b>" for c in range(10)]
    assert [t.get("name") for t in fig["data"]].count("test digit") == 1

    at.session_state["digits_canvas"] = canvas_state(one_stroke())
    at.run()
    assert not at.exception
    assert any("What the encoder sees" in (c or "") for c in captions(at))
    assert any("Its reconstruction" in (c or "") for c in captions(at))
    drawn = api.read_drawing(one_stroke())
    assert any(f"Lands at **({drawn.z[0]:.2f}, {drawn.z[1]:.2f})**" in m.value for m in at.markdown)
    star = [t for t in figures(at)[0]["data"] if t.get("name") == "your digit"]
    assert len(star) == 1, "the drawing's point is on the map"

    at.session_state["digits_map"] = {"selection": {"points": [{"x": 0.5, "y": -0.5}], "point_indices": [],
                                                    "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert any("Decoded at (0.50, -0.50)" in (c or "") for c in captions(at))

    labels = api.digit_points().labels
    picked = [int(i) for i in np.flatnonzero(labels == 7)[:3]]
    at.session_state["digits_map"] = {"selection": {
        "points": [{"x": 0, "y": 0, "curve_number": 1, "customdata": i} for i in picked]
        + [{"x": 0.1, "y": 0.1, "curve_number": 0}],  # the invisible click grid is caught by the box too
        "point_indices": [], "box": [{"x": [-1, 1], "y": [-1, 1]}], "lasso": []}}
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Selected test digits"]
    assert any("3 digits selected" in (c or "") and "3× 7" in (c or "") for c in captions(at))


def test_map_blank_canvas_and_empty_box_are_explained():
    at = open_page(MAP)
    at.session_state["digits_canvas"] = canvas_state(np.full((224, 224, 4), 255, np.uint8))
    at.session_state["digits_map"] = {"selection": {"points": [{"x": 9, "y": 9, "curve_number": 0}],
                                                    "point_indices": [], "box": [{"x": [8, 9], "y": [8, 9]}],
                                                    "lasso": []}}
    at.run()
    assert not at.exception
    assert any("Draw a digit" in i.value for i in at.info)
    assert any("holds no test digits" in i.value for i in at.info)


def test_projections_show_three_views_scores_and_a_lasso_selection():
    at = open_page(PROJ)
    figs = figures(at)
    assert len(figs) == 3
    assert len(at.dataframe) == 1 and "keeps local neighbourhoods best" in " ".join(m.value for m in at.markdown)
    at.session_state["proj_umap"] = {"selection": {
        "points": [{"x": 0, "y": 0, "customdata": i} for i in (0, 1, 2, 3)],
        "point_indices": [0, 1, 2, 3], "box": [], "lasso": [{"x": [0, 1, 1], "y": [0, 0, 1]}]}}
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader][-1] == "Selected in UMAP"
    assert any("4 digits selected" in (c or "") for c in captions(at))


@pytest.mark.parametrize("page", [MAP, PROJ])
def test_missing_checkpoint_gives_the_command(page, tmp_path, monkeypatch):
    monkeypatch.setenv("AEX_CHECKPOINTS", str(tmp_path))
    at = open_page(page)
    assert any("python -m engine train digits-vae" in e.value for e in at.error)
