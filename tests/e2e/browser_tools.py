"""Helpers for the browser tests (imported by the e2e modules; pytest puts this folder on sys.path)."""

import shutil
from pathlib import Path

try:  # auto-retrying assertions: wait for the state a test expects, never for a fixed time
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips (or, with E2E_REQUIRED=1, fails) the browser tests and says why
    expect = None

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


IDLE = ('[data-testid="stApp"][data-test-script-state="notRunning"],'
        '[data-testid="stApp"][data-test-script-state="initial"]')


def settle(page, timeout=30_000):
    """Wait until the app is idle: Streamlit reports no script run in progress, no element is left stale from the
    previous run and the 'running' widget is gone. Call it after waiting for a sign that the run you caused has
    started (a URL change, a new text): these are states, not time, so a busy machine only makes them slower."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_selector('[data-testid="stElementContainer"][data-stale="true"]', state="detached", timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)


def no_errors(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.content()


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def visit(page, url, marker, timeout=60_000):
    """Open a page and wait until `marker` text is shown and the script run is over. A fresh server first imports
    the heavy libraries once (engine/api/warmup.py): give its first page a longer `timeout` on a busy machine."""
    page.goto(url)
    page.get_by_text(marker).first.wait_for(timeout=timeout)
    settle(page, timeout=max(30_000, timeout))


def finish(page, name):
    settle(page)
    no_errors(page)
    shot(page, name)


def click_map(page, fx, fy, expect, tries=3, timeout=15_000):
    """Click the plotly map at a fraction (fx, fy) of its plotting area until the text `expect` appears.

    Plotly reports a click on the point under the cursor, so hover first and wait for its label. A click that
    lands while the chart is being replaced by a rerun (a new figure after an edit) is lost by the browser, not
    by the app; then the map is clicked again once the app is idle, at most `tries` times."""
    for attempt in range(tries):
        settle(page)
        area = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first
        box = area.bounding_box()
        x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
        page.mouse.move(x, y)
        page.locator('[data-testid="stPlotlyChart"] .hoverlayer .hovertext').first.wait_for(timeout=timeout)
        page.mouse.click(x, y)
        try:
            page.get_by_text(expect).first.wait_for(timeout=timeout)
            return
        except Exception:  # playwright's TimeoutError: the click was lost; try again from an idle app
            if attempt == tries - 1:
                raise
            page.mouse.move(1, 1)  # leave the chart so the next hover is a fresh one


