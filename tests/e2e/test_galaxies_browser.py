"""The galaxies page in a real browser: choose two galaxies (a render and a Hubble cutout), see the decoded strip
and the URL follow; screenshots go to test-artifacts/ (look at them)."""

import pytest
from browser_tools import finish, settle

pytestmark = pytest.mark.e2e


def _choose(page, label, option):
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option").filter(has_text=option).first.click()


def test_select_two_galaxies_and_see_the_strip(page, app_url):
    page.goto(f"{app_url}/galaxies?a=r3&b=r7&steps=6")
    # The first visit renders the held-out gallery and cuts the Hubble field: allow a slow, shared machine time.
    page.get_by_text("r3 → r7: 6 decodings").first.wait_for(timeout=180_000)
    settle(page, 120_000)
    _choose(page, "Galaxy A", "h2")
    page.wait_for_url(lambda url: "a=h2" in url, timeout=60_000)
    settle(page)
    _choose(page, "Galaxy B", "r5")
    page.wait_for_url(lambda url: "b=r5" in url, timeout=60_000)
    settle(page)
    page.get_by_text("h2 → r5: 6 decodings").first.wait_for(timeout=60_000)
    finish(page, "galaxies")
    assert page.locator("img").count() > 10  # galleries, the strip, reconstructions, samples
    assert page.get_by_text("Animated GIF").count() == 1
