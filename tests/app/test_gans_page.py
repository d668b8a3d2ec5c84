"""The galaxy GAN page through AppTest: seeds and model from the URL, replay slider, ACGAN class picker."""

import apptools

PAGE = "app_pages/gans.py"


def test_gans_page_from_url_replay_and_class_picker():
    at = apptools.open_page(PAGE, {"seed": "7", "model": "gan-wgan-gp", "cls": "2"})
    assert at.number_input(key="gans_seed").value == 7
    assert at.radio(key="gans_model").value == "gan-wgan-gp"
    assert at.radio(key="gans_cls").value == 2
    assert not at.warning
    n_images = len(at.get("image"))
    assert n_images >= 5  # four GANs (+ the VAE), the replay grid, the ACGAN grid
    last = at.select_slider(key="gans_replay").value
    at.select_slider(key="gans_replay").set_value(0).run()
    assert not at.exception and at.select_slider(key="gans_replay").value == 0 != last
    at.radio(key="gans_cls").set_value(1).run()
    at.radio(key="gans_model").set_value("gan-vanilla").run()
    at.number_input(key="gans_seed").set_value(8).run()
    assert not at.exception
    assert dict(at.query_params) == {"seed": "8", "model": "gan-vanilla", "cls": "1"}
    assert any("near-duplicate" in c.value for c in at.caption)


def test_gans_page_without_checkpoints_says_how_to_train(ckpt_dir):
    at = apptools.open_page(PAGE)
    assert at.warning and "python -m engine train gan-vanilla" in at.warning[0].value
