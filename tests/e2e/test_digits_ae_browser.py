"""The digits denoiser, PCA-vs-AE and anomaly pages in a real Chromium: each page once, real uploads through the
file chooser, screenshots in test-artifacts/."""


import numpy as np
import pytest
from browser_tools import finish, settle, visit
from PIL import Image

pytestmark = pytest.mark.e2e


def _digit_png(path, i=0, size=1000):
    """A 1-megapixel picture of a test digit, dark ink on light paper, as a phone photo would give."""
    from engine.data import digits

    big = np.kron(digits.load().x_test[i], np.ones((size // 28 + 1, size // 28 + 1)))[:size, :size]
    Image.fromarray((255 * (0.92 - 0.8 * big)).astype(np.uint8)).convert("RGB").save(path)
    return path


def test_digits_denoise_upload(page, app_url, tmp_path):
    visit(page, f"{app_url}/digits-denoise?noise=gaussian&amount=0.3&seed=0", "Your own digit")
    assert page.get_by_text("NL-means").count() >= 1
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        str(_digit_png(tmp_path / "seven.png")))
    page.get_by_text("your digit, MNIST-style").first.wait_for(timeout=30_000)
    finish(page, "digits-denoise")


def test_digits_pca(page, app_url):
    visit(page, f"{app_url}/digits-pca?k=4", "The two 2-D codes")
    assert page.get_by_text("PCA, k = 4").count() == 1
    # plotly draws after the run (slow on a loaded CPU)
    page.locator('[data-testid="stPlotlyChart"]').nth(2).wait_for(timeout=90_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 3
    settle(page, 90_000)  # the first visit builds two 1 000-point scatters: slow on a loaded CPU
    finish(page, "digits-pca")


def test_digits_anomalies_upload(page, app_url, tmp_path):
    visit(page, f"{app_url}/digits-anomalies?set=letters&i=3", "Per-pixel score")
    page.locator('[data-testid="stPlotlyChart"]').nth(1).wait_for(timeout=90_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 2
    assert page.get_by_text("Negative ELBO").count() >= 1  # the VAE's score is the default
    settle(page)
    finish(page, "digits-anomalies-elbo")
    page.get_by_text("reconstruction error (digits-ae-k, k = 8)").first.click()  # the second score
    page.get_by_text("Reconstruction error").first.wait_for(timeout=30_000)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        str(_digit_png(tmp_path / "two.png", 1)))
    page.get_by_text("Showing your upload").first.wait_for(timeout=30_000)
    settle(page)
    assert "score=mse" in page.url
    finish(page, "digits-anomalies")
