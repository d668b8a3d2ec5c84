"""The running app in a real browser: `streamlit run app.py` on loopback, driven by Playwright + Debian's Chromium.

Skips with a reason when Chromium or Playwright is missing, unless E2E_REQUIRED=1 (set by .ci/run, which installs
them), in which case their absence fails the run. Screenshots go to test-artifacts/ for a person to look at.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.e2e


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="module")
def app_url():
    reason = _missing()
    if reason:
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"E2E_REQUIRED=1 but {reason}")
        pytest.skip(reason)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("streamlit did not come up in 30 s")
        yield url
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0]
        assert "Traceback" not in out, out[-3000:]


@pytest.fixture(scope="module")
def browser(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1800})
    pg = ctx.new_page()
    yield pg
    ctx.close()


def settle(page, timeout=30_000):
    """Wait until Streamlit has finished running the script (the 'running' status widget is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)
    page.wait_for_timeout(300)


def no_errors(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.content()


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def visit(page, url, marker):
    """Open a page and wait until `marker` text is shown and the script run is over."""
    page.goto(url)
    page.get_by_text(marker).first.wait_for(timeout=30_000)
    settle(page)


def finish(page, name):
    settle(page)
    no_errors(page)
    shot(page, name)


def click_map(page, fx, fy):
    """Click the plotly map at a fraction (fx, fy) of its plotting area."""
    area = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first
    box = area.bounding_box()
    page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    page.wait_for_timeout(300)  # plotly picks the point under the cursor on hover
    page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


def test_a_deep_link_on_a_fresh_server_gets_the_whole_app(page, app_url):
    """The first request this server sees is a shared link to a lab: it must still get the app's navigation and
    sidebar (a folder named pages/ would make Streamlit run the page alone)."""
    visit(page, f"{app_url}/emoji", "Walk between two faces")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text("Shipped models").is_visible()
    assert sidebar.get_by_text("Letters: denoising in 2-D").is_visible()
    no_errors(page)


def test_home(page, app_url):
    visit(page, app_url, "Open the letters lab")
    assert page.get_by_role("heading", name="Latent Explorer").is_visible()
    assert page.locator('[data-testid="stImage"]').count() >= 2
    finish(page, "home")


def test_letters_toggle_pixel_and_click_map(page, app_url):
    visit(page, f"{app_url}/letters?glyph=a&noise=salt_pepper&amount=0.1&seed=0", "The 2-D latent map")
    assert "px=" in page.url
    before = page.url
    page.locator(".st-key-px_0_0 button").click()  # toggle the top-left pixel of the editor
    page.wait_for_url(lambda url: url != before, timeout=15_000)  # the edit is written to the URL
    settle(page)
    assert "px=000e0be2f" not in page.url and "px=" in page.url
    click_map(page, 0.2, 0.2)
    page.get_by_text("Decoded at").wait_for(timeout=15_000)
    assert page.get_by_text("Closest letter").is_visible()
    finish(page, "letters")


def test_emoji_click_a_cell(page, app_url):
    visit(page, f"{app_url}/emoji", "Walk between two faces")
    click_map(page, 0.7, 0.3)
    page.get_by_text("Nearest training face").wait_for(timeout=15_000)
    finish(page, "emoji")
