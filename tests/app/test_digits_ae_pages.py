"""The digits denoiser, PCA-vs-AE and anomaly pages through AppTest, on the shipped checkpoints."""

import io

import numpy as np
import pytest
from apptools import open_page
from PIL import Image

from engine import api
from engine.data import digits


def digit_png(i: int = 0, size: int = 600, mode: str = "RGB") -> bytes:
    """A large photo-like picture of a test digit: dark ink on light paper."""
    big = np.kron(digits.load().x_test[i], np.ones((size // 28, size // 28)))
    buf = io.BytesIO()
    Image.fromarray((255 * (0.9 - 0.8 * big)).astype(np.uint8)).convert(mode).save(buf, format="PNG")
    return buf.getvalue()


def texts(at) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_denoise_page_batch_controls_url_and_upload():
    at = open_page("app_pages/digits_denoise.py")
    n_images = len(at.get("image"))
    assert n_images == 5  # clean + noisy, DAE, NL-means, median rows
    assert "PSNR" in texts(at) and "SSIM" in texts(at)
    at.radio(key="dn_noise").set_value("salt_pepper").run()
    assert at.slider(key="dn_amount").value == pytest.approx(0.10)
    at.slider(key="dn_amount").set_value(0.2).run()
    at.number_input(key="dn_seed").set_value(3).run()
    at.number_input(key="dn_start").set_value(16).run()
    assert not at.exception
    assert at.query_params["noise"] == "salt_pepper" and at.query_params["amount"] == "0.2"
    assert at.query_params["start"] == "16"
    at.file_uploader(key="dn_upload").set_value(("seven.png", digit_png(0), "image/png")).run()
    assert not at.exception and not at.error
    assert len(at.get("image")) == n_images + 5  # your digit + the four methods


def test_denoise_page_bad_upload_is_a_message_not_a_traceback():
    at = open_page("app_pages/digits_denoise.py")
    at.file_uploader(key="dn_upload").set_value(("broken.png", b"\x89PNG not really", "image/png")).run()
    assert not at.exception
    assert at.error and "Could not use that file" in at.error[0].value


def test_denoise_page_reads_its_state_from_the_url():
    at = open_page("app_pages/digits_denoise.py", {"noise": "keras", "amount": "0.25", "seed": "7"})
    assert at.radio(key="dn_noise").value == "keras" and at.slider(key="dn_amount").value == pytest.approx(0.25)
    at = open_page("app_pages/digits_denoise.py", {"noise": "lava", "amount": "nan"})
    assert at.radio(key="dn_noise").value == "gaussian"


def test_pca_page_k_slider_plots_and_accuracies():
    at = open_page("app_pages/digits_pca.py")
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    metrics = {m.label: m.value for m in at.metric}
    card = api.card("digits-ae-k")["metrics"]
    assert metrics["5-NN accuracy, PCA-2"] == f"{card['knn5_acc_pca2']:.1%}"
    assert metrics["5-NN accuracy, autoencoder-2"] == f"{card['knn5_acc_ae2']:.1%}"
    at.select_slider(key="pca_k").set_value(2).run()
    assert not at.exception and at.query_params["k"] == "2"
    assert any("PCA, k = 2" in m.value for m in at.markdown)


def test_anomaly_page_scores_threshold_sets_and_upload():
    at = open_page("app_pages/digits_anomalies.py")
    assert len(at.get("plotly_chart")) == 2
    assert at.radio(key="an_score").value == "elbo"  # the VAE's negative ELBO drives the page
    assert "digits-vae16" in texts(at) and any("nats" in m.value for m in at.markdown)
    detected = {m.label: m.value for m in at.metric}
    # the default threshold passes 95 % of digits (rounded to the slider's whole nats)
    assert 4.0 <= float(detected["digits flagged (false alarms)"].rstrip("%")) <= 6.0
    letters_elbo = float(detected["letters detected"].rstrip("%"))
    at.slider(key="an_threshold_elbo").set_value(300.0).run()
    assert not at.exception
    at.radio(key="an_score").set_value("mse").run()
    assert not at.exception and at.query_params["score"] == "mse"
    detected = {m.label: m.value for m in at.metric}
    assert float(detected["letters detected"].rstrip("%")) < letters_elbo  # the lesson: MSE lets letters through
    at.slider(key="an_threshold_mse").set_value(0.05).run()
    at.selectbox(key="an_source").set_value("faces").run()
    at.number_input(key="an_index").set_value(12).run()
    assert not at.exception and at.query_params["set"] == "faces" and at.query_params["i"] == "12"
    assert any("Reconstruction error" in m.value for m in at.markdown)
    at.radio(key="an_score").set_value("elbo").run()
    assert at.slider(key="an_threshold_elbo").value == 300.0  # each score keeps its own threshold
    at.file_uploader(key="an_upload").set_value(("digit.png", digit_png(5, 1000, "L"), "image/png")).run()
    assert not at.exception and not at.error
    assert any("your upload" in c.value for c in at.caption)
    assert any("Negative ELBO" in m.value for m in at.markdown)
    at.file_uploader(key="an_upload").set_value(("x.png", b"garbage", "image/png")).run()
    assert not at.exception and "Could not use that file" in at.error[0].value


def test_anomaly_page_reads_its_score_from_the_url():
    at = open_page("app_pages/digits_anomalies.py", {"score": "mse", "set": "noise", "i": "4"})
    assert at.radio(key="an_score").value == "mse" and at.selectbox(key="an_source").value == "noise"
    assert not at.exception
    at = open_page("app_pages/digits_anomalies.py", {"score": "astrology"})
    assert at.radio(key="an_score").value == "elbo"
