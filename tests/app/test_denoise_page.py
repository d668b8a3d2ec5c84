"""The photo-denoiser page through AppTest: a sample with added noise, an upload, bad uploads, baselines, URL state."""

import io

import apptools
import numpy as np
import pytest
from PIL import Image

from engine import api

PAGE = "app_pages/denoise.py"


def open_page(query=None):
    return apptools.open_page(PAGE, query)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def png(arr):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def test_sample_with_noise_shows_estimate_quality_and_download():
    at = open_page({"sample": "camera", "noise": "gaussian", "level": "25", "seed": "0"})
    m = metrics(at)
    assert abs(float(m["Noise level (sigma, 0-255)"]) - 25) < 3
    assert float(m["PSNR vs clean"].split()[0]) > 27  # the network really cleaned it (noisy: ~20 dB)
    assert len(at.get("download_button")) == 1
    assert len(at.get("imgs")) >= 1 or len(at.get("image")) >= 1
    at.slider(key="dn_level").set_value(50.0).run()
    at.number_input(key="dn_seed").set_value(3).run()
    assert not at.exception
    assert at.query_params["level"] == "50" and at.query_params["seed"] == "3"


def test_baselines_run_on_demand_with_times():
    at = open_page({"sample": "camera", "noise": "gaussian", "level": "25"})
    at.multiselect(key="dn_baselines").set_value(["NL-means", "TV"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["method"]) == ["network", "NL-means", "TV"]
    assert (table["seconds"] > 0).all()


def test_upload_is_denoised_without_added_noise():
    at = open_page()
    at.radio(key="dn_source").set_value("Upload").run()
    assert at.session_state["dn_noise"] == "none"  # your own photo: nothing added by default
    assert at.session_state["dn_kind"] == "camera"  # ... and most likely a camera's
    rng = np.random.default_rng(0)
    photo = np.clip(api.sample_image("astronaut").pixels[:96, :128] + rng.normal(0, 0.1, (96, 128, 3)), 0, 1)
    at.file_uploader(key="dn_upload").set_value(("holiday.png", png((photo * 255).astype(np.uint8)), "image/png"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    m = metrics(at)
    assert float(m["Noise level (sigma, 0-255)"]) > 15
    assert "PSNR vs clean" not in m  # no clean reference for an upload
    assert at.query_params["src"] == "upload"


def test_big_upload_runs_with_progress_and_can_be_stopped():
    """Over BIG_MP the page runs the tile loop with a progress bar and a Stop button; its result is kept for the
    session; a stopped picture shows a message and a button to start it again instead of the result."""
    at = open_page()
    at.radio(key="dn_source").set_value("Upload").run()
    gray = (np.random.default_rng(2).random((1100, 1500)) * 255).astype(np.uint8)  # 1.65 MP
    at.file_uploader(key="dn_upload").set_value(("scan.png", png(gray), "image/png"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Noise level (sigma, 0-255)" in metrics(at)
    key = at.session_state["dn_big"][0]
    assert not any(b.key == "dn_stop" for b in at.button), "Stop is shown while it works (browser test), not after"
    at.session_state["dn_stopped"] = "another picture"
    at.run()
    assert "Noise level (sigma, 0-255)" in metrics(at), "the result is kept for the session"
    del at.session_state["dn_big"]
    at.session_state["dn_stopped"] = key
    at.run()
    assert not at.exception
    assert any("Stopped" in i.value for i in at.info)
    assert "Noise level (sigma, 0-255)" not in metrics(at)
    at.button(key="dn_resume").click().run()
    assert "Noise level (sigma, 0-255)" in metrics(at)


def test_a_big_photo_of_even_grain_is_denoised_by_the_fast_width_and_the_page_says_so():
    at = open_page()
    at.radio(key="dn_source").set_value("Upload").run()
    at.radio(key="dn_kind").set_value("gaussian")
    side = int((api.FAST_ABOVE_MP * 1e6) ** 0.5) + 8  # just over the threshold
    gray = (np.random.default_rng(3).random((side, side)) * 255).astype(np.uint8)
    at.file_uploader(key="dn_upload").set_value(("poster.png", png(gray), "image/png"))
    at.run(timeout=300)
    assert not at.exception, [e.message for e in at.exception]
    res = at.session_state["dn_big"][1]
    assert res.model == api.FAST_DENOISER and res.one_pass
    assert any("the fast model in one pass" in c.value for c in at.caption)


TRUNCATED = png((np.random.default_rng(0).random((40, 60)) * 255).astype(np.uint8))[:1200]


@pytest.mark.parametrize("data, message", [(b"", "empty"), (b"hello", "not an image"), (TRUNCATED, "truncated")])
def test_bad_upload_is_a_message_not_a_traceback(data, message):
    at = open_page({"src": "upload"})
    at.file_uploader(key="dn_upload").set_value(("bad.png", data, "image/png")).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


def test_hostile_url_falls_back_to_defaults():
    at = open_page({"sample": "../../etc/passwd", "noise": "lava", "level": "nan", "seed": "-5"})
    assert at.session_state["dn_sample"] == "camera" and at.session_state["dn_noise"] == "gaussian"
    assert at.session_state["dn_seed"] == 0
