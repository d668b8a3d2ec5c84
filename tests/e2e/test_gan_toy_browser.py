"""The live toy GAN in a real browser: Play trains in fragments, the mode count changes, Pause stops it.
Screenshots go to test-artifacts/ (look at them); the page reports its measured view updates per second."""

import re

import pytest
from browser_tools import finish, no_errors, settle, shot

pytestmark = pytest.mark.e2e


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_play_changes_the_mode_count_then_pause(page, app_url):
    page.goto(f"{app_url}/gan-toy")
    page.get_by_text("Modes covered").first.wait_for(timeout=120_000)  # a cold server imports torch first
    settle(page, timeout=120_000)
    start = _metric(page, "Modes covered")
    assert _metric(page, "Generator steps") == "0"
    shot(page, "gan-toy-start")
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_function(
        """(start) => [...document.querySelectorAll('[data-testid="stMetric"]')]
             .some(m => m.innerText.includes('Modes covered') && !m.innerText.includes(start))""",
        arg=start, timeout=120_000)
    page.wait_for_timeout(3000)  # let the rate reading settle over a few updates
    rate = re.search(r"view ([0-9.]+) updates/s", page.content())
    print(f"toy GAN view: {rate.group(1) if rate else '?'} updates/s")
    no_errors(page)
    shot(page, "gan-toy-playing")
    page.get_by_role("button", name="⏸ Pause").click()
    page.get_by_role("button", name="▶ Play").wait_for(timeout=30_000)
    finish(page, "gan-toy-paused")
    steps = _metric(page, "Generator steps")
    page.wait_for_timeout(1500)
    assert _metric(page, "Generator steps") == steps and int(steps) > 0
