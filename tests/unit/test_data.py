import numpy as np
import pytest

from engine.data import emoji, letters
from engine.data.noise import add_noise, bit_flips, gaussian, salt_and_pepper


def test_font_has_the_alphabet_as_distinct_binary_glyphs():
    assert "".join(letters.CHARS) == "abcdefghijklmnopqrstuvwxyz"
    assert letters.GLYPHS.shape == (26, 7, 5)
    assert set(np.unique(letters.GLYPHS)) == {0.0, 1.0}
    flat = letters.GLYPHS.reshape(26, -1)
    assert len(np.unique(flat, axis=0)) == 26
    d, a, b = letters.min_pairwise_distance()
    assert d >= 2, f"{a} and {b} differ by only {d} pixel(s)"


def test_glyph_returns_a_copy_and_rejects_unknown_chars():
    g = letters.glyph("a")
    g[0, 0] = 5
    assert letters.glyph("a")[0, 0] == 0
    with pytest.raises(ValueError, match="No glyph"):
        letters.glyph("?")


def test_letter_code_round_trips_and_rejects_garbage():
    for c in letters.CHARS:
        assert np.array_equal(letters.from_code(letters.to_code(letters.glyph(c))), letters.glyph(c))
    with pytest.raises(ValueError):
        letters.from_code("zz")
    with pytest.raises(ValueError):
        letters.from_code("fffffffffff")


def test_nearest_glyph_finds_each_glyph_at_distance_zero():
    idx, dist = letters.nearest_glyph(letters.GLYPHS)
    assert list(idx) == list(range(26)) and np.all(dist == 0)


def test_salt_and_pepper_follows_skimage_convention():
    rng = np.random.default_rng(0)
    x = np.full((200, 7, 5), 0.5, np.float32)  # 0.5 marks untouched pixels
    y = salt_and_pepper(x, 0.2, rng)
    replaced = y != 0.5
    assert abs(replaced.mean() - 0.2) < 0.01  # each pixel replaced with probability p ...
    assert abs(y[replaced].mean() - 0.5) < 0.03  # ... by 0 or 1 with equal odds
    assert set(np.unique(y[replaced])) == {0.0, 1.0}


def test_gaussian_is_clipped_and_has_the_right_spread():
    rng = np.random.default_rng(0)
    y = gaussian(np.full((100, 7, 5), 0.5, np.float32), 0.1, rng)
    assert y.min() >= 0 and y.max() <= 1
    assert abs(y.std() - 0.1) < 0.005
    assert gaussian(np.ones((10, 7, 5)), 2.0, rng).max() <= 1.0


def test_bit_flips_flip_exactly_k_distinct_pixels():
    rng = np.random.default_rng(0)
    x = np.repeat(letters.GLYPHS, 4, axis=0)
    for k in (0, 1, 3, 35):
        assert np.all((bit_flips(x, k, rng) != x).reshape(len(x), -1).sum(1) == k)
    with pytest.raises(ValueError):
        bit_flips(x, 36, rng)


def test_noise_is_deterministic_per_seed():
    x = letters.GLYPHS
    for kind, amount in (("salt_pepper", 0.3), ("gaussian", 0.3), ("bit_flips", 2)):
        a = add_noise(x, kind, amount, 5)
        assert np.array_equal(a, add_noise(x, kind, amount, 5))
        assert not np.array_equal(a, add_noise(x, kind, amount, 6))
    with pytest.raises(ValueError, match="Unknown noise"):
        add_noise(x, "pink", 0.1, 0)


def test_emoji_designs_are_distinct_faces_in_range():
    assert len(emoji.BASE_DESIGNS) >= 20
    assert emoji.BASE.shape == (len(emoji.BASE_DESIGNS), 2, 16, 16)
    assert set(np.unique(emoji.BASE)) == {0.0, 1.0}
    flat = emoji.BASE.reshape(len(emoji.BASE), -1)
    assert len(np.unique(flat, axis=0)) == len(emoji.BASE)
    fill, ink = emoji.BASE[:, 0], emoji.BASE[:, 1]
    assert np.all(ink <= fill), "ink is only drawn inside the face"
    assert np.all(fill[:, 8, 8] == 1) and np.all(fill[:, 0, 0] == 0), "a face in the middle, background at the corner"


def test_emoji_training_set_and_colours():
    t = emoji.training_set(1)
    assert t.shape == (9 * len(emoji.BASE), 2, 16, 16)
    assert np.array_equal(t[4 * len(emoji.BASE):5 * len(emoji.BASE)], emoji.BASE)  # the unshifted block
    rgb = emoji.to_rgb(emoji.BASE[:2])
    assert rgb.shape == (2, 16, 16, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0, 0]) == (255, 255, 255)
