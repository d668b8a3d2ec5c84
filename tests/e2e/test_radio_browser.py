"""The radio page in a real browser: a shared link opens the right trace, the controls move the URL, an upload
shows its plots; screenshots go to test-artifacts/ (look at them)."""

import io

import numpy as np
import pytest
from browser_tools import expect, finish, settle, visit

pytestmark = pytest.mark.e2e


def test_radio_deep_link_next_trace_and_upload(page, app_url, tmp_path):
    visit(page, f"{app_url}/radio?noise=realistic&snr=2.5&seed=3", "Accuracy against SNR")
    charts = page.locator('[data-testid="stPlotlyChart"]')
    charts.nth(2).wait_for(timeout=60_000)  # time domain, spectrum, accuracy curves
    expect(charts).to_have_count(3, timeout=60_000)
    expect(page.get_by_text("True peak at")).to_be_visible(timeout=60_000)
    finish(page, "radio")
    before = page.url
    page.get_by_role("button", name="Next trace ▶").click()
    page.wait_for_url(lambda url: url != before, timeout=60_000)
    settle(page)
    assert "seed=4" in page.url
    page.get_by_text("cosine").first.click()  # the noise-set radio
    page.wait_for_url(lambda url: "noise=cosine" in url, timeout=60_000)
    settle(page)
    expect(page.get_by_text("sine subtraction").first).to_be_visible(timeout=60_000)
    finish(page, "radio-cosine")

    trace = np.sin(np.arange(300) / 9.0) + np.random.default_rng(1).normal(0, 0.5, 300)
    path = tmp_path / "my_trace.npy"
    buf = io.BytesIO()
    np.save(buf, trace)
    path.write_bytes(buf.getvalue())
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').last.set_input_files(str(path))  # the trace uploader
    page.get_by_text("resampled to 500").wait_for(timeout=60_000)
    settle(page)
    charts.nth(4).wait_for(timeout=60_000)
    expect(charts).to_have_count(5, timeout=60_000)
    finish(page, "radio-upload")


def test_radio_calibration_panel_fine_tunes_with_a_progress_bar(page, app_url, tmp_path):
    from engine.data import radio_heldout

    page.goto(f"{app_url}/radio")
    page.get_by_text("Calibrate on your station").wait_for(timeout=120_000)  # a cold server under load is slow
    settle(page, timeout=120_000)
    path = tmp_path / "station_noise.npy"
    np.save(path, radio_heldout.noise(np.random.default_rng(0), 64))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.get_by_text("64 noise-only traces").wait_for(timeout=180_000)
    settle(page)
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(4, timeout=60_000)
    slider = page.get_by_role("slider", name="Fine-tune for (s)")
    slider.focus()
    slider.press("Home")  # 60 s by default; 5 s keeps the test short
    slider.press("ArrowRight")
    expect(slider).to_have_attribute("aria-valuetext", "5", timeout=30_000)
    settle(page)
    page.get_by_role("button", name="Calibrate").click()
    expect(page.locator('[data-testid="stProgress"]')).to_be_visible(timeout=60_000)
    page.get_by_text("Calibrated on 64 noise traces").wait_for(timeout=120_000)
    expect(page.get_by_text("fine-tuned")).to_be_visible(timeout=30_000)
    finish(page, "radio-calibration")


def test_radio_calibration_on_event_traces(page, app_url, tmp_path):
    """No noise-only traces: tick the box, upload event traces; no fine-tuning slider, and the copy is conditioned."""
    from engine.data import radio_heldout

    page.goto(f"{app_url}/radio")
    page.get_by_text("Calibrate on your station").wait_for(timeout=120_000)
    settle(page, timeout=120_000)
    page.get_by_text("I have no noise-only traces").click()
    page.get_by_text("Event traces (16+ of one station)").wait_for(timeout=60_000)
    settle(page)
    path = tmp_path / "events.npy"
    np.save(path, radio_heldout.simulate(24, 3.0, 2).noisy)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    page.get_by_text("24 event traces").wait_for(timeout=120_000)
    settle(page)
    expect(page.get_by_role("slider", name="Fine-tune for (s)")).to_have_count(0)
    page.get_by_role("button", name="Calibrate").click()
    page.get_by_text("Calibrated on 24 event traces").wait_for(timeout=120_000)
    finish(page, "radio-calibration-events")
