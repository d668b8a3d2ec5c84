"""The photo denoiser in a real browser: a real file upload through the file chooser, the result, a baseline."""

import io

import browser_tools
import numpy as np
import pytest
from browser_tools import expect, finish, settle, shot
from PIL import Image

pytestmark = pytest.mark.e2e


def visit(page, url, marker):
    """browser_tools.visit with room for a cold server's first denoise (torch import, model load) on a busy CPU."""
    browser_tools.visit(page, url, marker, 120_000)


def upload_then_even_grain(page, app_url, path, model: str) -> None:
    """Upload `path` (an upload starts as 'camera photo': the camera-noise model), then switch to even grain and
    wait for `model` to have denoised it."""
    visit(page, f"{app_url}/denoise?src=upload", "Upload a photo to denoise it")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text("Denoised by image-denoiser-camera").wait_for(timeout=120_000)
    settle(page, timeout=60_000)
    page.get_by_text("Even grain (added noise, scans, renders)").click()
    page.get_by_text(f"Denoised by {model}").wait_for(timeout=120_000)


def test_sample_with_noise_and_a_baseline(page, app_url):
    visit(page, f"{app_url}/denoise?src=sample&sample=astronaut&noise=gaussian&level=25&seed=0",
          "Denoised by image-denoiser-gray")  # added even grain: the Gaussian model
    page.get_by_text("PSNR vs clean").first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stImage"]').count() >= 4  # two previews + zoomed crops
    page.locator(".st-key-dn_baselines").click()
    page.get_by_role("option", name="NL-means").click()
    page.keyboard.press("Escape")
    settle(page, timeout=60_000)
    page.get_by_text("NL-means —").first.wait_for(timeout=60_000)
    finish(page, "denoise-sample-baseline")


def test_real_upload(page, app_url, tmp_path):
    """A phone-like JPEG (simulated camera noise at ISO 3200, saved at quality 85): an upload defaults to 'camera
    photo', so the camera-noise model denoises it and the page says so; 'even grain' switches to the Gaussian one."""
    from engine.data import camera_noise

    yy, xx = np.mgrid[0:200, 0:300]
    clean = np.stack([xx / 300, yy / 200, 0.5 + 0.4 * np.sin(xx / 15)], -1)
    noisy = camera_noise.camera_noise(clean, "iso3200", seed=0, jpeg_quality=0)
    path = tmp_path / "my-photo.jpg"
    Image.fromarray((noisy * 255).round().astype(np.uint8)).save(path, quality=85)
    upload_then_even_grain(page, app_url, path, "image-denoiser-gray")
    settle(page, timeout=60_000)
    page.get_by_text("Camera photo (phone or camera JPEG)").click()
    page.get_by_text("Denoised by image-denoiser-camera").wait_for(timeout=60_000)
    settle(page, timeout=60_000)
    expect(page.get_by_text("Noise level (sigma, 0-255)")).to_be_visible(timeout=60_000)
    with page.expect_download() as dl:
        page.get_by_text("Download the denoised picture (PNG)").click()
    data = open(dl.value.path(), "rb").read()
    assert Image.open(io.BytesIO(data)).size == (300, 200)
    finish(page, "denoise-upload")


def test_bad_upload_shows_a_message(page, app_url, tmp_path):
    path = tmp_path / "notes.png"
    path.write_bytes(b"this is not a picture")
    visit(page, f"{app_url}/denoise?src=upload", "Upload a photo to denoise it")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text("not an image").first.wait_for(timeout=30_000)
    settle(page)
    shot(page, "denoise-bad-upload")


def test_big_photo_shows_progress_and_stops(page, app_url, tmp_path):
    """A picture over the page's BIG_MP threshold: a progress bar and a Stop button; Stop ends the work and says
    so, and 'Denoise it after all' starts it again."""
    rng = np.random.default_rng(1)
    path = tmp_path / "big-photo.jpg"
    Image.fromarray(rng.integers(0, 256, (1400, 2000, 3), dtype=np.uint8)).save(path, quality=80)  # 2.8 MP
    visit(page, f"{app_url}/denoise?src=upload", "Upload a photo to denoise it")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    expect(page.get_by_text("Denoising", exact=False).first).to_be_visible(timeout=90_000)
    stop = page.get_by_role("button", name="⏹ Stop")
    expect(stop).to_be_visible(timeout=30_000)
    stop.click()
    expect(page.get_by_text("Stopped. Nothing was changed.")).to_be_visible(timeout=60_000)
    settle(page, timeout=60_000)
    expect(page.get_by_text("Denoised by", exact=False)).to_have_count(0)
    shot(page, "denoise-big-stopped")
    page.get_by_role("button", name="Denoise it after all").click()
    expect(page.get_by_role("button", name="⏹ Stop")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="⏹ Stop").click()
    expect(page.get_by_text("Stopped. Nothing was changed.")).to_be_visible(timeout=60_000)
    finish(page, "denoise-big-stopped-again")


def test_a_big_scan_of_even_grain_goes_to_the_fast_model_and_the_page_says_so(page, app_url, tmp_path):
    """Over FAST_ABOVE_MP megapixels, even grain is denoised by the narrow network in one pass (a quarter of the
    time) and the caption under the result says why. A gray picture: one plane, so the run stays short on a busy
    machine."""
    from engine import api

    side = int((api.FAST_ABOVE_MP * 1e6) ** 0.5) + 8
    yy, xx = np.mgrid[0:side, 0:side]
    clean = 0.5 + 0.3 * np.sin(xx / 40) * np.cos(yy / 55)
    noisy = np.clip(clean + np.random.default_rng(4).normal(0, 0.08, clean.shape), 0, 1)
    path = tmp_path / "big-scan.png"
    Image.fromarray((noisy * 255).round().astype(np.uint8)).save(path)
    upload_then_even_grain(page, app_url, path, "image-denoiser-fast")
    expect(page.get_by_text("the fast model in one pass", exact=False)).to_be_visible(timeout=30_000)
    settle(page, timeout=60_000)
    finish(page, "denoise-big-fast")
