"""The running app in a real browser: `streamlit run app.py` on loopback, driven by Playwright + Debian's Chromium.

Fixtures (app_url, browser, page) are in conftest.py; screenshots go to test-artifacts/ for a person to look at.
"""

import pytest
from browser_tools import click_map, expect, finish, no_errors, settle, visit

pytestmark = pytest.mark.e2e


def test_a_deep_link_on_a_fresh_server_gets_the_whole_app(page, fresh_app_url):
    """The first request this server sees is a shared link to a lab: it must still get the app's navigation and
    sidebar (a folder named pages/ would make Streamlit run the page alone)."""
    visit(page, f"{fresh_app_url}/emoji", "Walk between two faces", timeout=180_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_text("Shipped models")).to_be_visible(timeout=60_000)
    expect(sidebar.get_by_text("Letters: denoising in 2-D")).to_be_visible(timeout=60_000)
    no_errors(page)


def test_home(page, app_url):
    visit(page, app_url, "Open the letters lab")
    expect(page.get_by_role("heading", name="Latent Explorer")).to_be_visible(timeout=60_000)
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
    click_map(page, 0.2, 0.2, "Decoded at")
    # The caption and the line below it arrive as separate deltas of the same rerun: wait for the second too
    # (checking it at once failed once in CI, the caption already drawn and the line not yet).
    page.get_by_text("Closest letter").wait_for(timeout=15_000)
    finish(page, "letters")


def test_emoji_click_a_cell(page, app_url):
    visit(page, f"{app_url}/emoji", "Walk between two faces")
    click_map(page, 0.7, 0.3, "Nearest training face")
    finish(page, "emoji")
