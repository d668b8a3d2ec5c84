"""The radio page in a real browser: a shared link opens the right trace, the controls move the URL, an upload
shows its plots; screenshots go to test-artifacts/ (look at them)."""

import io

import numpy as np
import pytest
from browser_tools import finish, settle, visit

pytestmark = pytest.mark.e2e


def test_radio_deep_link_next_trace_and_upload(page, app_url, tmp_path):
    visit(page, f"{app_url}/radio?noise=realistic&snr=2.5&seed=3", "Accuracy against SNR")
    charts = page.locator('[data-testid="stPlotlyChart"]')
    charts.nth(2).wait_for(timeout=60_000)  # time domain, spectrum, accuracy curves
    assert charts.count() == 3
    assert page.get_by_text("True peak at").is_visible()
    finish(page, "radio")
    before = page.url
    page.get_by_role("button", name="Next trace ▶").click()
    page.wait_for_url(lambda url: url != before, timeout=60_000)
    settle(page)
    assert "seed=4" in page.url
    page.get_by_text("cosine").first.click()  # the noise-set radio
    page.wait_for_url(lambda url: "noise=cosine" in url, timeout=60_000)
    settle(page)
    assert page.get_by_text("sine subtraction").first.is_visible()
    finish(page, "radio-cosine")

    trace = np.sin(np.arange(300) / 9.0) + np.random.default_rng(1).normal(0, 0.5, 300)
    path = tmp_path / "my_trace.npy"
    buf = io.BytesIO()
    np.save(buf, trace)
    path.write_bytes(buf.getvalue())
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    page.get_by_text("resampled to 500").wait_for(timeout=60_000)
    settle(page)
    charts.nth(4).wait_for(timeout=60_000)
    assert charts.count() == 5
    finish(page, "radio-upload")
