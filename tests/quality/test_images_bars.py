"""The shipped photo denoiser meets the issue's bars on held-out pictures (camera, astronaut: never trained on).

Fast version of `python -m engine eval image-denoiser-gray`: the pictures are downscaled 2x (256x256) and the noise
is drawn with other seeds than the card's, so this is a fresh measurement, not a replay of the card. One blind
call per picture (no sigma given), with NL-means measured on the very same noisy picture.
"""

import pytest

from engine import api
from engine.experiments import images as lab


@pytest.fixture(scope="module")
def model():
    return api.load("image-denoiser-gray")


@pytest.mark.parametrize("seed", [1, 2])
def test_blind_model_beats_nlmeans_by_half_a_db_at_sigma_25(model, seed):
    m = lab.measure(model, downscale=2, seed=seed, sigmas=(25,), rgb=True, time_it=False)
    assert m["margin_nlmeans_s25"] >= 0.5, m
    assert m["margin_nlmeans_rgb_s25"] >= 0.5, m


def test_one_blind_model_covers_sigma_15_and_50(model):
    m = lab.measure(model, downscale=2, seed=3, sigmas=(15, 50), rgb=False, time_it=False)
    for s in (15, 50):
        assert m[f"margin_nlmeans_s{s}"] > 0, m
        assert abs(m[f"sigma_est_s{s}"] - s) < 0.1 * s + 1.5, m  # the level it found for itself


def test_card_records_the_bars_and_what_it_was_trained_on():
    card = api.card("image-denoiser-gray")
    assert all(card["bars"].values()), card["bars"]
    assert card["command"].startswith("python -m engine train image-denoiser-gray")
    assert card["metrics"]["psnr_s25"] >= card["metrics"]["nlmeans_s25"] + 0.5
    assert card["weights_bytes"] < 6e6
