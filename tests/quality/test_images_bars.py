"""The shipped photo denoiser against the issue's bars on held-out pictures (camera, astronaut: never trained on).

Fast version of `python -m engine eval image-denoiser-gray`: the pictures are downscaled 2x (256x256) and the noise
is drawn with another seed than the card's, so this is a fresh measurement, not a replay of the card. One blind
call per picture (no sigma given), NL-means measured on the very same noisy picture.
The gray bar itself is measured at full size, exactly as the issue defines it (camera, sigma 25, seed 0, not
clipped): its margin over NL-means was thin for the narrow model (+0.56 dB against a bar of 0.5; the wide one: +0.75),
so a downscaled proxy would not do.
"""

import pytest

from engine import api
from engine.experiments import get_experiment
from engine.experiments import images as lab


@pytest.fixture(scope="module")
def model():
    return api.load("image-denoiser-gray")


@pytest.fixture(scope="module")
def small(model):
    return lab.measure(model, downscale=2, seed=1, sigmas=(15, 25, 50), rgb=True, time_it=False)


def test_colour_beats_nlmeans_by_half_a_db(small):
    assert small["margin_nlmeans_rgb_s25"] >= 0.5, small


def test_one_blind_model_beats_nlmeans_at_15_25_and_50(small):
    # Measured at this size and seed: +0.77, +0.93, +2.15 dB (the shipped wide checkpoint; the fast one +0.54,
    # +0.78, +2.03).
    for s, margin in ((15, 0.5), (25, 0.6), (50, 1.5)):
        assert small[f"margin_nlmeans_s{s}"] > margin, small
        assert abs(small[f"sigma_est_s{s}"] - s) < 0.1 * s + 1.5, small  # the level it found for itself


def test_the_wide_model_is_ahead_of_the_fast_one_which_keeps_its_own_bars(small):
    """Issue 15's "capacity where it pays", on a fresh measurement (downscaled, noise seed 1): the 48/96/192 network
    the page uses up to FAST_ABOVE_MP megapixels beats the 32/64/128 one it uses above (measured: +0.23 / +0.16 /
    +0.13 dB on camera, +0.22 on the astronaut), and the fast one still clears NL-means (+0.54 / +0.78 / +2.03)."""
    fast = lab.measure(api.load("image-denoiser-fast"), downscale=2, seed=1, sigmas=(15, 25, 50), rgb=True,
                       time_it=False)
    for k in ("psnr_s15", "psnr_s25", "psnr_s50", "psnr_rgb_s25"):
        assert small[k] > fast[k], (k, small[k], fast[k])
    assert fast["margin_nlmeans_s25"] > 0.5 and fast["margin_nlmeans_rgb_s25"] >= 0.5, fast


def test_card_records_speed_and_colour_bars_and_what_it_was_trained_on():
    card = api.card("image-denoiser-gray")
    assert card["bars"]["sec_512_gray <= 1"] and card["bars"]["margin_nlmeans_rgb_s25 >= 0.5"]
    assert card["command"].startswith("python -m engine train image-denoiser-gray")
    assert card["data_fingerprint"] and card["steps"] > 1000
    assert card["weights_bytes"] < 6e6 and card["model_config"]["widths"] == [48, 96, 192]


def test_gray_bar_half_a_db_over_nlmeans_at_sigma_25_full_size(model):
    full = lab.measure(model, sigmas=(25,), rgb=False, time_it=False)
    assert full["margin_nlmeans_s25"] >= 0.5, full
    assert full["psnr_s25"] == pytest.approx(api.card("image-denoiser-gray")["metrics"]["psnr_s25"], abs=1e-3)


# --- Issue 15: against BM3D, on a held-out set of photos and on a held-out flat-graphics render ---------------------
# BM3D (bm3d 4.0.3, given the true sigma) on the card's own noisy pictures (Gaussian, seed 0, not clipped), as
# `python -m engine eval image-denoiser-gray --json` measured them: BM3D is deterministic given its input, so the
# network is measured fresh here (~30 s) and compared with these; one of them is re-measured when bm3d is installed.
BM3D = {"s15": 32.0366, "s25": 29.9102, "s50": 27.8037, "rgb_s25": 32.7053, "heldout_s25": 30.5573}
# Bars the shipped checkpoint misses, with what it measures (`eval`, the card's settings); strict xfails.
MISSED = {"psnr_gain_vs_bm3d_s15": -0.191, "psnr_gain_vs_bm3d_s25": -0.211, "psnr_gain_vs_bm3d_s50": -0.044,
          "psnr_gain_vs_bm3d_rgb_s25": -0.332, "margin_bm3d_heldout_s25": -0.155}


@pytest.fixture(scope="module")
def full(model):
    """The card's measurement without BM3D: full size, noise seed 0, the network blind, NL-means in the same run."""
    from engine.experiments import images_breadth as breadth

    m = lab.measure(model, time_it=False)
    m.update(breadth.heldout(model, bm3d=False))
    m.update(breadth.flat(model, lab.FLAT_EVAL_SEED, bm3d=False))
    for k in ("s15", "s25", "s50", "rgb_s25"):
        m[f"psnr_gain_vs_bm3d_{k}"] = m[f"psnr_{k}"] - BM3D[k]
    m["margin_bm3d_heldout_s25"] = m["psnr_heldout_s25"] - BM3D["heldout_s25"]
    return m


def _bar(metric):
    bar = next(b for b in get_experiment("image-denoiser-gray").bars if b.metric == metric)
    if metric in MISSED:
        return pytest.param(bar, marks=pytest.mark.xfail(strict=True, reason=f"missed: the shipped model measures "
                                                                           f"{metric} = {MISSED[metric]}"))
    return bar


ISSUE_15 = ("psnr_gain_vs_bm3d_s15", "psnr_gain_vs_bm3d_s25", "psnr_gain_vs_bm3d_s50", "psnr_gain_vs_bm3d_rgb_s25",
            "margin_bm3d_heldout_s25", "margin_nlmeans_heldout_s25", "margin_nlmeans_flat_s15")


@pytest.mark.parametrize("bar", [_bar(k) for k in ISSUE_15], ids=str)
def test_issue_15_bar(full, bar):
    assert bar.holds(full), f"{bar}: measured {full[bar.metric]:.3f}"


def test_the_recorded_bm3d_numbers_are_what_bm3d_gives():
    from engine import baselines
    from engine.data import images

    if not baselines.bm3d_available():
        pytest.skip("bm3d is optional and not installed")
    cam = images.eval_image("camera")
    got = lab.psnr(cam, baselines.bm3d(lab.noisy_copy(cam, 25, lab.NOISE_SEED), 25 / 255))
    assert got == pytest.approx(BM3D["s25"], abs=2e-3)

# sec_512_rgb <= 3 s is a speed bar: measured by `eval` / `bench image-denoiser` (reported in docs/images.md), not a
# timed test, which would fail whenever the machine is busy (it did, at load 4).
