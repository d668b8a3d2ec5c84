"""A classroom on a cold server: every page opened at the same moment on a server that has seen no request.

Before engine/api/warmup.py, 5 of 8 such tabs showed "This app has encountered an error" (plotly's lazy pandas import
raced between script threads: "partially initialized module 'pandas'"). The fixture also fails the test if the
server log holds a traceback."""

from browser_tools import settle, shot

PATHS = ["", "letters", "emoji", "digits", "digits-denoise", "digits-pca", "digits-projections", "digits-anomalies",
         "galaxies", "gan-toy", "gans", "radio", "denoise"]


def test_every_page_at_once_on_a_fresh_server(browser, fresh_app_url):
    """All 13 pages, each in its own browser context (its own Streamlit session), requested at the same moment.
    The session's Chromium is used: a second sync_playwright() beside it fails inside pytest's event loop."""
    contexts = [browser.new_context(viewport={"width": 1200, "height": 1400}) for _ in PATHS]
    try:
        pages = [c.new_page() for c in contexts]
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
    finally:
        for c in contexts:
            c.close()
    assert not bad, f"pages with an error on a cold server: {bad}"
