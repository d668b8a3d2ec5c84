"""The "More autoencoders" pages through AppTest: the sparse page's strength slider, the masked page with a faked
canvas mask (the PNG the canvas sends after a stroke, injected through session_state) and with random patches,
and the colour page with an example and its upload prompt (the upload itself is tested through the facade)."""

import base64
import io

import numpy as np
from apptools import open_page
from PIL import Image

from engine import api

SPARSE, MASKED, COLOR = "app_pages/digits_sparse.py", "app_pages/masked_ae.py", "app_pages/colorize.py"


def canvas_state(rgba: np.ndarray) -> dict:
    """What streamlit-drawable-canvas sends back after a stroke: the drawing as a PNG data URL."""
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return {"drawing": {"raw": {"objects": [{"type": "path"}], "background": ""}, "data": url},
            "backgroundFit": None}


def captions(at):
    return [img.proto.imgs[0].caption for img in at.get("image")]


def test_sparse_page_strength_and_digit():
    at = open_page(SPARSE)
    strengths = api.sparse_strengths()
    assert at.select_slider[0].value == strengths[-1]
    code = api.sparse_code(strengths[-1], 0)
    assert at.metric[0].value == f"{code.active} / {len(code.code)}"
    at.select_slider[0].set_value(strengths[0]).run()
    assert not at.exception
    weak = api.sparse_code(strengths[0], 0)
    assert at.metric[0].value == f"{weak.active} / {len(weak.code)}" and weak.active > code.active
    at.number_input[0].set_value(5).run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["What the units learned", "Error against active units"]
    assert at.query_params["digit"] == ["5"] or at.query_params["digit"] == "5"


def test_masked_page_paint_a_mask():
    at = open_page(MASKED)
    assert any("Paint over part of the digit" in i.value for i in at.info)
    painted = np.zeros((224, 224, 4), np.uint8)
    painted[40:180, 60:170] = (220, 40, 40, 140)  # one broad stroke over the middle of the digit
    at.session_state["masked_canvas_7"] = canvas_state(painted)
    at.run()
    assert not at.exception
    caps = captions(at)
    r = api.masked_fill(7, api.canvas_mask(painted))
    for method in api.MASK_METHODS:
        assert any(c and c.startswith(f"{method}: {r.psnr[method]:.1f} dB") for c in caps), caps
    assert any(f"{r.hidden_share:.0%} of the pixels hidden" in m.value for m in at.markdown)


def test_masked_page_random_patches():
    at = open_page(MASKED)
    at.radio[0].set_value("random patches").run()
    assert not at.exception
    at.slider[0].set_value(0.75).run()
    assert not at.exception
    assert any("hidden patches in red" in (c or "") for c in captions(at))
    share = api.random_mask(0.75, 0).mean()  # 37 of 49 patches
    assert any(f"{share:.0%} of the pixels hidden" in m.value for m in at.markdown)


def test_colour_page_examples_and_the_upload_prompt():
    at = open_page(COLOR)
    assert not at.exception
    assert any("colourised by the network" in (c or "") for c in captions(at))
    assert [s.value for s in at.subheader] == ["Colour error ΔE against the original"]
    at.selectbox[0].set_value("galaxy").run()
    assert not at.exception
    assert at.metric[0].label == "Network: mean ΔE"
    at.radio[0].set_value("my own picture").run()
    assert not at.exception
    assert any("Upload a picture" in i.value for i in at.info)
