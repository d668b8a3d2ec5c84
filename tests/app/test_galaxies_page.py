"""The galaxies page through AppTest: pick two, change steps and mode, the GIF download, an upload (good and bad),
state in the URL."""

import io

import apptools
import numpy as np
from PIL import Image

from engine import api

PAGE = "app_pages/galaxies.py"


def captions(at):
    return [c.caption for img in at.get("image") for c in img.proto.imgs]


def png(arr):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return buf.getvalue()


def test_pick_two_change_steps_and_mode():
    at = apptools.open_page(PAGE, {"a": "r3", "b": "h1", "steps": "6"})
    assert at.selectbox(key="gal_a").value == "r3" and at.selectbox(key="gal_b").value == "h1"
    assert any("r3 → h1: 6 decodings" in c for c in captions(at))
    at.selectbox(key="gal_b").set_value("r5").run()
    at.slider(key="gal_steps").set_value(10).run()
    at.radio(key="gal_mode").set_value("slerp").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params["b"] == "r5" and at.query_params["steps"] == "10" and at.query_params["mode"] == "slerp"
    assert len(at.get("download_button")) == 1


def test_gif_is_an_animation_forth_and_back():
    frames = np.stack([api.galaxy_image(f"r{i}") for i in range(5)])  # distinct frames (PIL merges equal ones)
    gif = Image.open(io.BytesIO(api.galaxy_gif(frames)))
    assert gif.format == "GIF" and gif.n_frames == 8 and gif.size == (192, 192)  # 5 forth + 3 back


def test_upload_a_picture_and_a_bad_file():
    at = apptools.open_page(PAGE)
    yy, xx = np.mgrid[0:120, 0:160]
    blob = np.exp(-((yy - 50) ** 2 + (xx - 90) ** 2 / 2) / 80.0)
    pic = (np.stack([blob, 0.8 * blob, 0.6 * blob], -1) * 255).astype(np.uint8)
    at.file_uploader(key="gal_upload").set_value(("my-galaxy.png", png(pic), "image/png")).run()
    assert not at.exception, [e.message for e in at.exception]
    at.selectbox(key="gal_b").set_value("u").run()
    assert not at.exception and at.query_params["b"] == "u"
    at.file_uploader(key="gal_upload").set_value(("notes.png", b"not a picture", "image/png")).run()
    assert not at.exception
    assert any("not an image" in e.value for e in at.error)


def test_morphology_panel_and_seed_in_url():
    at = apptools.open_page(PAGE, {"seed": "7", "model": "galaxy-vae-seed"})
    assert at.number_input(key="gal_seed").value == 7 and at.radio(key="gal_model").value == "galaxy-vae-seed"
    at.button(key="gal_morph").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "gini" in list(at.dataframe[0].value["statistic"])


def test_prior_choice_is_said_and_kept_in_the_url():
    at = apptools.open_page(PAGE, {"prior": "normal"})
    assert at.radio(key="gal_prior").value == "normal"
    assert any("Drawn from N(0, I)" in c.value for c in at.caption)
    at.radio(key="gal_prior").set_value("learned").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params["prior"] == "learned"
    assert any("Drawn from a learned prior" in c.value for c in at.caption)


def test_bad_url_values_open_the_page():
    at = apptools.open_page(PAGE, {"a": "zz", "b": "r99999", "steps": "500", "mode": "sideways"})
    assert at.slider(key="gal_steps").value == 24
