"""The one way the AppTest modules open the app (pytest puts this folder on sys.path)."""

from streamlit.testing.v1 import AppTest

APP = "../../app.py"  # AppTest resolves it relative to this file


def open_page(page: str | None = None, query: dict | None = None) -> AppTest:
    """Run app.py with `query` in the URL, switch to `page` if given, and check nothing raised."""
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at
