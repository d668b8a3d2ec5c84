"""The Gradio demo app (`python -m engine serve`) in Debian's Chromium at projector size: every tab opens with its
pictures drawn, the photo denoiser cleans the test photo, and nothing shows an error. Screenshots go to
test-artifacts/serve-*.png (look at them: text must be readable from the back of a room)."""


import pytest
from browser_tools import SHOTS

from engine.loadtest import LOOPBACK, free_port, start_server, stop_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gradio_page(browser, tmp_path_factory):
    """The Gradio app on its own loopback port, in a page of the session's Chromium (one Playwright per process:
    a second `sync_playwright()` beside the session's fails)."""
    port = free_port()
    proc = start_server(port, log_path=tmp_path_factory.mktemp("serve") / "server.log")
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = ctx.new_page()
        page.goto(f"http://{LOOPBACK}:{port}/")
        yield page
    finally:
        ctx.close()
        stop_server(proc)


def loaded_images(page, n: int, timeout: int = 60_000) -> None:
    """Wait until at least n pictures in the visible tab have a server file as their source."""
    page.wait_for_function(
        f"[...document.querySelectorAll('img[src*=\"gradio_api/file\"]')].filter(i => i.offsetParent).length >= {n}",
        timeout=timeout)


def drawn(page, timeout: int = 60_000) -> None:
    """Wait until no block is dimmed: while an event runs Gradio lays a status overlay (".wrap.full") over each
    output and fades it out (opacity, 0.1 s) when the update is drawn; a screenshot taken as the "pending" class
    goes showed a washed-out photo."""
    page.wait_for_function(
        "!document.querySelector('.pending, .translucent') && [...document.querySelectorAll('.wrap.full')]"
        ".every(w => getComputedStyle(w).opacity === '0')", timeout=timeout)


def test_photo_tab(gradio_page):
    page = gradio_page
    page.get_by_role("tab", name="Photo denoiser").wait_for(timeout=60_000)
    loaded_images(page, 1)  # the noisy test photo, drawn on load
    page.get_by_role("button", name="Denoise").click()
    page.wait_for_function("(() => { const e = [...document.querySelectorAll('label')].find("
                           "l => l.textContent.includes('Network time')); const i = e && e.parentElement"
                           ".querySelector('input'); return i && parseFloat(i.value) > 0; })()", timeout=120_000)
    loaded_images(page, 2)
    drawn(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "serve-photo.png"))
    assert page.get_by_text("Error").count() == 0


@pytest.mark.parametrize("tab, pictures", [("Radio pulses", 0), ("Letters", 2), ("Latent explorer", 4),
                                           ("Galaxy walk", 1), ("GAN samples", 1)])
def test_other_tabs(gradio_page, tab, pictures):
    page = gradio_page
    page.get_by_role("tab", name=tab).click()
    if pictures:
        loaded_images(page, pictures)
    else:
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    drawn(page)
    page.screenshot(path=str(SHOTS / f"serve-{tab.split()[0].lower()}.png"), full_page=True)
    assert page.get_by_text("Error").count() == 0
