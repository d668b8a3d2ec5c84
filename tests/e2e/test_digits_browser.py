"""The digits pages in a real browser: draw one stroke on the canvas with the mouse and see the drawing's point and
reconstruction appear; click the map; open the projections. Screenshots go to test-artifacts/."""

import browser_tools
import pytest
from browser_tools import click_map, expect, finish, settle, shot

SLOW = 180_000  # a loaded CI machine: first render of a page that loads two models and UMAP-free extras

pytestmark = pytest.mark.e2e


def test_draw_a_digit_and_see_its_point(page, app_url):
    visit(page, f"{app_url}/digits", "Draw a digit above")
    page.wait_for_selector("canvas.upper-canvas", timeout=SLOW)
    canvas = page.locator("canvas.upper-canvas").first  # fabric.js draws strokes on its upper canvas
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for i in range(1, 21):  # one stroke, top to bottom: a "1"
        page.mouse.move(x + i * 0.4, box["y"] + box["height"] * (0.15 + 0.035 * i))
    page.mouse.up()
    page.get_by_text("Lands at").wait_for(timeout=SLOW)
    settle(page)
    expect(page.get_by_text("Its reconstruction")).to_be_visible(timeout=60_000)
    legend = page.locator('[data-testid="stPlotlyChart"] .legendtext', has_text="your digit")
    expect(legend).to_have_count(1, timeout=60_000)
    shot(page, "digits-map-drawn")
    click_map(page, 0.3, 0.3, "Decoded at", timeout=SLOW)
    finish(page, "digits-map")


def test_projections_page(page, app_url):
    visit(page, f"{app_url}/digits-projections", "What each projection keeps")
    page.locator('[data-testid="stPlotlyChart"]').nth(2).wait_for(timeout=SLOW)
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(3, timeout=60_000)
    finish(page, "digits-projections")


def visit(page, url, marker):
    browser_tools.visit(page, url, marker, SLOW)
