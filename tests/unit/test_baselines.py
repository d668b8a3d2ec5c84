import numpy as np

from engine import baselines
from engine.data import letters


def test_despeckle_removes_lonely_dots_fills_holes_and_keeps_strokes():
    x = np.zeros((1, 7, 5), np.float32)
    x[0, 0, 0] = x[0, 3, 2] = 1  # two isolated dots, one on the border
    assert baselines.despeckle(x).sum() == 0
    hole = np.ones((1, 5, 5), np.float32)
    hole[0, 2, 2] = 0
    assert baselines.despeckle(hole).min() == 1
    changed = (baselines.despeckle(letters.GLYPHS) != letters.GLYPHS).reshape(26, -1).sum(1)
    # clean glyphs pass untouched, except that the dots of i and j are, by design, isolated pixels
    assert {letters.CHARS[i]: int(n) for i, n in enumerate(changed) if n} == {"i": 1, "j": 1}


def test_median_filter_erases_thin_strokes():
    """Why the median filter scores 0 on letters: a 1-pixel stroke is a minority in every 3x3 window."""
    out = baselines.median_filter(letters.GLYPHS, 3)
    assert (out != letters.GLYPHS).reshape(26, -1).any(1).all()


def test_nearest_template_and_threshold():
    noisy = letters.GLYPHS * 0.8 + 0.1
    assert np.array_equal(baselines.nearest_template(noisy, letters.GLYPHS), letters.GLYPHS)
    assert np.array_equal(baselines.threshold(noisy), letters.GLYPHS)
