"""The shipped galaxy GANs against their bars, on held-out renders and latents the cards never used."""

import pytest

from engine import api
from engine.experiments import get_experiment

GANS = ("gan-vanilla", "gan-acgan", "gan-wgan-gp", "gan-wgan-div")
SEED = 11


@pytest.fixture(scope="module")
def metrics():
    return {name: api.evaluate(name, seed=SEED) for name in GANS}


@pytest.mark.parametrize("name", GANS)
def test_gan_meets_its_bars(metrics, name):
    m = metrics[name]
    failed = [str(b) for b in get_experiment(name).bars if not b.holds(m)]
    assert not failed, f"{name}: {failed}; measured {m}"


def test_wasserstein_gans_are_more_diverse_than_the_vanilla_gan(metrics):
    v = metrics["gan-vanilla"]
    for name in ("gan-wgan-gp", "gan-wgan-div"):
        assert metrics[name]["recall"] >= v["recall"], (name, metrics[name]["recall"], v["recall"])
