"""Every page through Streamlit's AppTest: it opens, its main widgets work, and nothing raises."""

import numpy as np
import pytest
from apptools import open_page

from engine import api


def test_home_has_a_card_per_lab_and_model_status():
    at = open_page()
    assert at.title[0].value == "Latent Explorer"
    assert [s.value for s in at.subheader] == ["🔤 Letters", "🙂 Emoji", "✏️ Digits", "📡 Radio",
                                              "🖼️ Photo denoiser"]
    assert len(at.get("image")) >= 2
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    for name in ("letters-ae", "letters-dae", "emoji-vae", "image-denoiser-gray"):
        assert name in sidebar
    assert "🔴" not in sidebar


def test_letters_editor_noise_and_url_state():
    at = open_page("app_pages/letters.py")
    assert "restored exactly" in at.markdown[-1].value or any("restored exactly" in m.value for m in at.markdown)
    px0 = at.session_state["px"].copy()
    at.button(key="px_0_0").click().run()  # toggle the top-left pixel
    assert not at.exception
    assert at.session_state["px"][0, 0] == 1 - px0[0, 0]
    assert at.query_params["px"] == api.letter_code(at.session_state["px"])
    at.radio(key="noise").set_value("gaussian").run()
    at.slider(key="amount").set_value(0.3).run()
    at.number_input(key="seed").set_value(4).run()
    assert not at.exception
    assert at.query_params["noise"] == "gaussian" and at.query_params["seed"] == "4"
    at.selectbox(key="glyph").set_value("k").run()
    assert np.array_equal(at.session_state["px"], api.letter_glyphs()["k"])
    at.radio(key="model").set_value("letters-ae").run()
    assert not at.exception and at.query_params["model"] == "letters-ae"


def test_letters_url_reproduces_the_view():
    glyph = api.letter_glyphs()["q"].copy()
    glyph[0, 0] = 1
    at = open_page("app_pages/letters.py", {"glyph": "q", "px": api.letter_code(glyph), "noise": "bit_flips",
                                        "amount": "2", "seed": "9"})
    assert np.array_equal(at.session_state["px"], glyph)
    assert at.session_state["noise"] == "bit_flips" and at.session_state["seed"] == 9
    # and garbage in the URL falls back to defaults (or is clamped) instead of failing
    for bad in ({"glyph": "??", "px": "xyz", "noise": "pink", "amount": "lots"},
                {"noise": "gaussian", "amount": "nan", "seed": "-5"},
                {"noise": "bit_flips", "amount": "1e9", "seed": "inf"}):
        at = open_page("app_pages/letters.py", bad)
        assert 0 <= at.session_state["amount"] <= api.noise_kinds()[at.session_state["noise"]]["max"]
        assert at.session_state["seed"] >= 0


def test_letters_map_click_decodes_the_point():
    at = open_page("app_pages/letters.py")
    at.session_state["map"] = {"selection": {"points": [{"x": 0.5, "y": -0.5}]}}
    at.run()
    assert not at.exception
    assert any("Decoded at (0.50, -0.50)" in (c or "") for img in at.get("image") for c in [img.proto.imgs[0].caption])
    assert any("Closest letter" in m.value for m in at.markdown)
    at.button(key="edit_clicked").click().run()  # loads the decoding into the editor
    assert not at.exception
    assert np.array_equal(at.session_state["px"], (api.decode("letters-dae", [0.5, -0.5]) > 0.5).astype("float32"))


def test_emoji_sliders_click_walk_and_samples():
    at = open_page("app_pages/emoji.py")
    at.slider(key="grid_n").set_value(9).run()
    at.slider(key="span").set_value(3.0).run()
    at.session_state["emoji_map"] = {"selection": {"points": [{"x": 2.9, "y": -2.9}]}}
    at.run()
    assert not at.exception
    assert any(("New face" in m.value) or ("Close to" in m.value) for m in [*at.markdown, *at.success])
    at.selectbox(key="walk_from").set_value("cool").run()
    at.slider(key="walk_steps").set_value(5).run()
    at.radio(key="walk_mode").set_value("slerp").run()
    at.number_input(key="sample_seed").set_value(3).run()
    assert not at.exception


@pytest.mark.parametrize("page", ["app_pages/letters.py", "app_pages/emoji.py"])
def test_missing_checkpoints_give_a_message_with_the_command(page, tmp_path, monkeypatch):
    monkeypatch.setenv("AEX_CHECKPOINTS", str(tmp_path))
    at = open_page(page)
    assert any("python -m engine train" in e.value for e in at.error)
    home = open_page()
    assert any("python -m engine train" in w.value for w in home.warning)


def test_a_corrupt_checkpoint_breaks_only_its_own_page(tmp_path, monkeypatch):
    import shutil

    for f in api.checkpoints.checkpoint_dir().iterdir():
        if not f.is_file():  # e.g. checkpoints/.state/ (resumable runs), left empty after a training run
            continue
        shutil.copy(f, tmp_path / f.name)
    weights = tmp_path / "emoji-vae.safetensors"
    weights.write_bytes(weights.read_bytes()[:-64])  # truncated, as by an interrupted copy
    monkeypatch.setenv("AEX_CHECKPOINTS", str(tmp_path))
    emoji_page = open_page("app_pages/emoji.py")
    assert any("SHA-256" in e.value and "python -m engine train emoji-vae" in e.value for e in emoji_page.error)
    letters_page = open_page("app_pages/letters.py")
    assert not letters_page.error and any("restored exactly" in m.value for m in letters_page.markdown)
    sidebar = " ".join(m.value for m in open_page().sidebar.markdown)
    assert "🔴 `emoji-vae` — corrupt" in sidebar and "🟢 `letters-dae`" in sidebar


def test_letters_train_your_own_runs_and_reports(tmp_path):
    at = open_page("app_pages/letters.py")
    shipped = (api.checkpoints.paths("letters-ae")[0]).read_bytes()
    at.slider(key="train_epochs").set_value(1).run()
    at.button(key="train_go").click().run()
    assert not at.exception
    assert at.metric[0].label == "Wrong pixels over all 26 glyphs"
    assert any("Trained in" in c.value for c in at.caption)
    assert api.checkpoints.paths("letters-ae")[0].read_bytes() == shipped, "the shipped model is untouched"
