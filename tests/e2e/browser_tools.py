"""Helpers for the browser tests (imported by the e2e modules; pytest puts this folder on sys.path)."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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


