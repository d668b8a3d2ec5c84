"""Morphology statistics against analytic cases, and the population comparison."""

import numpy as np
import pytest

from engine import morphology as M
from engine.data import galaxies

S = 256
_yy, _xx = np.mgrid[0:S, 0:S]
_R = np.hypot(_yy - (S - 1) / 2, _xx - (S - 1) / 2)


def _measure(*imgs):
    return M.measure(np.stack(imgs), sky=False, linear=False)


def test_concentration_exponential_vs_de_vaucouleurs():
    # A finer, wider grid: the r^1/4 cusp needs the pixels and its wings the field (at 256², re 12: 4.96).
    yy, xx = np.mgrid[0:512, 0:512]
    r = np.hypot(yy - 255.5, xx - 255.5)
    exp_disk = np.exp(-r / 8.0)
    de_vauc = np.exp(-7.669 * ((r / 16.0) ** 0.25 - 1))
    c = _measure(exp_disk, de_vauc)["concentration"]
    assert c[0] == pytest.approx(2.7, abs=0.15)  # 5 log10(2.994 / 0.824) = 2.80 exactly for an exponential
    assert c[1] == pytest.approx(5.2, abs=0.2)  # analytic ~5.2 for r^1/4


def test_gini_flat_and_single_pixel():
    point = np.zeros((S, S))
    point[100, 90] = 1.0
    g = _measure(np.ones((S, S)), point)["gini"]
    assert g[0] == pytest.approx(0.0, abs=1e-9) and g[1] == pytest.approx(1.0, abs=1e-6)


def test_round_profile_and_ellipse():
    round_ = np.exp(-_R / 6.0)
    ellipse = np.exp(-np.hypot(_yy - (S - 1) / 2, (_xx - (S - 1) / 2) / 2) / 6.0)  # axis ratio 1/2
    st = _measure(round_, ellipse)
    assert st["ellipticity"][0] == pytest.approx(0.0, abs=1e-6)
    assert st["ellipticity"][1] == pytest.approx(0.5, abs=0.02)
    assert st["asymmetry"][0] == pytest.approx(0.0, abs=1e-9)  # centred on a half pixel: exactly symmetric
    assert st["a2"][0] < 0.01 and st["a2"][1] > 0.2
    assert st["r50"][0] == pytest.approx(6.0 * 1.678, rel=0.03)  # exponential: r50 = 1.678 h


def test_m20_concentrated_below_clumpy():
    smooth = np.exp(-7.669 * ((_R / 10.0) ** 0.25 - 1))  # de Vaucouleurs: M20 about -2.5 or below
    clumpy = np.zeros((S, S))
    for y, x in ((80, 80), (180, 70), (60, 190), (170, 170)):
        clumpy += np.exp(-np.hypot(_yy - y, _xx - x) / 2.0)
    m20 = _measure(smooth, clumpy)["m20"]
    assert m20[0] < -2.0 and m20[1] > -1.0


def test_colour_index_sign():
    red = np.stack([np.exp(-_R / 6.0) * c for c in (1.0, 0.7, 0.4)])
    blue = red[::-1]
    col = M.measure(np.stack([red, blue]), sky=False, linear=False)["colour"]
    assert col[0] == pytest.approx(2.5 * np.log10(1 / 0.4), abs=1e-6) and col[1] < 0


def test_classes_are_distinguishable_by_statistics():
    x, y = galaxies.render(600, 21)
    st = M.measure(x)
    assert set(st) == set(M.STATS)
    mean = {k: [st[k][y == c].mean() for c in range(3)] for k in st}
    assert mean["colour"][1] > max(mean["colour"][0], mean["colour"][2]) + 0.3  # ellipticals are red
    assert mean["r50"][2] > mean["r50"][1] + 1.5  # spirals are larger than ellipticals
    assert mean["concentration"][0] > mean["concentration"][2] + 0.3  # bars and bulges concentrate light
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    xt, yt = galaxies.render(600, 22)
    lda = LinearDiscriminantAnalysis().fit(np.stack([st[k] for k in M.STATS], 1), y)
    pred = lda.predict(np.stack([M.measure(xt)[k] for k in M.STATS], 1))
    for c in range(3):
        assert (pred[yt == c] == c).mean() > 0.8


def test_compare_scaled_w1():
    rng = np.random.default_rng(0)
    ref = {"a": rng.normal(0, 2, 4000), "b": rng.normal(5, 1, 4000)}
    same = {"a": rng.normal(0, 2, 4000), "b": rng.normal(5, 1, 4000)}
    shifted = {"a": rng.normal(2, 2, 4000), "b": rng.normal(5, 1, 4000)}
    assert M.compare(same, ref)["a"] < 0.1
    assert M.compare(shifted, ref)["a"] == pytest.approx(1.0, abs=0.1)  # shift by one spread
    assert M.mean_w1(shifted, ref) == pytest.approx(0.5, abs=0.1)


def test_bad_shape():
    with pytest.raises(ValueError, match="Expected images"):
        M.measure(np.zeros((2, 4, 8, 8, 1)))
