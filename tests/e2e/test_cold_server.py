"""A classroom on a cold server: every page opened at the same moment on a server that has seen no request.

Before engine/api/warmup.py, 5 of 8 such tabs showed "This app has encountered an error" (plotly's lazy pandas import
raced between script threads: "partially initialized module 'pandas'"). The fixture also fails the test if the
server log holds a traceback."""

from browser_tools import ARGS, CHROMIUM, settle, shot

PATHS = ["", "letters", "emoji", "digits", "digits-denoise", "digits-pca", "digits-projections", "digits-anomalies",
         "radio", "denoise"]


def test_ten_tabs_at_once_on_a_fresh_server(fresh_app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages = [browser.new_context(viewport={"width": 1200, "height": 1400}).new_page() for _ in PATHS]
        for pg, path in zip(pages, PATHS):  # "commit" returns as soon as the request is answered: all at once
            pg.goto(f"{fresh_app_url}/{path}", wait_until="commit")
        bad = []
        for pg, path in zip(pages, PATHS):
            pg.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=180_000)
            settle(pg, timeout=180_000)
            errors = pg.locator('[data-testid="stException"]').count()
            if errors or "This app has encountered an error" in pg.content() or "Traceback" in pg.content():
                shot(pg, f"cold-server-{path or 'home'}")
                bad.append(path or "home")
        browser.close()
    assert not bad, f"pages with an error on a cold server: {bad}"
