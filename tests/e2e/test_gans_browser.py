"""The galaxy GAN page in a real browser: a shared link opens the seed, the replay slider moves; screenshots go to
test-artifacts/ (look at them)."""

import pytest
from browser_tools import finish, settle

from engine import api

pytestmark = pytest.mark.e2e


def test_gans_deep_link_and_replay(page, app_url):
    page.goto(f"{app_url}/gans?seed=5&model=gan-wgan-gp&cls=1")
    # The first visit scores 2 000 held-out renders in the classifier's features (cached afterwards): slow cold.
    page.get_by_text("Replay training").first.wait_for(timeout=180_000)
    settle(page, timeout=180_000)
    assert page.get_by_text("Near-duplicates among 500 samples").first.is_visible()
    assert page.locator('[data-testid="stImage"]').count() >= 6
    finish(page, "gans")
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    first = api.gan_replay_steps("gan-wgan-gp")[0]  # the earliest snapshot in the shipped checkpoint
    page.get_by_text(f"at step {first}", exact=False).first.wait_for(timeout=60_000)
    finish(page, "gans-replay-start")
