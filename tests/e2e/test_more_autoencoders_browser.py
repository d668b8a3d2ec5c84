"""The "More autoencoders" pages in a real browser: paint a mask on the masked-AE page's canvas with the mouse and
see the three fill-ins appear; open the sparse and colour pages. Screenshots go to test-artifacts/."""

import browser_tools
import pytest
from browser_tools import expect, finish, settle

SLOW = 180_000

pytestmark = pytest.mark.e2e


def visit(page, url, marker):
    browser_tools.visit(page, url, marker, SLOW)


def test_paint_a_mask_and_see_the_fill_in(page, app_url):
    visit(page, f"{app_url}/masked-ae", "Paint over part of the digit")
    page.wait_for_selector("canvas.upper-canvas", timeout=SLOW)
    canvas = page.locator("canvas.upper-canvas").first  # fabric.js draws strokes on its upper canvas
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    y = box["y"] + box["height"] * 0.45
    page.mouse.move(box["x"] + box["width"] * 0.2, y)
    page.mouse.down()
    for i in range(1, 25):  # one horizontal stroke across the middle of the digit
        page.mouse.move(box["x"] + box["width"] * (0.2 + 0.025 * i), y + (i % 3))
    page.mouse.up()
    page.get_by_text("of the pixels hidden").first.wait_for(timeout=SLOW)
    settle(page, SLOW)
    for method in ("masked-ae", "biharmonic", "PCA"):
        expect(page.get_by_text(f"{method}: ", exact=False).first).to_be_visible(timeout=60_000)
    finish(page, "masked-ae-painted")


def test_sparse_and_colour_pages(page, app_url):
    visit(page, f"{app_url}/digits-sparse", "What the units learned")
    expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=60_000)
    finish(page, "digits-sparse")
    visit(page, f"{app_url}/colorize", "colourised by the network")
    expect(page.get_by_text("Network: mean ΔE")).to_be_visible(timeout=60_000)
    finish(page, "colorize")
