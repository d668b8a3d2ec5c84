"""The shipped galaxy GANs against their bars, on held-out renders and latents the cards never used (seed 11).

Bars a shipped GAN is known to miss are strict xfails carrying the value measured at training time (eval seed
1234): the CPU budget of this machine (600 generator steps at 32x32, see docs/gans.md) is far from what the
Wasserstein GANs need, and the test must start passing (and fail as an xfail) once they are retrained longer."""

import pytest

from engine import api
from engine.experiments import get_experiment

GANS = ("gan-vanilla", "gan-acgan", "gan-wgan-gp", "gan-wgan-div")
SEED = 11
KNOWN_MISSES = {  # (experiment, bar) -> what the card measured
    ("gan-acgan", "class_agreement >= 0.9"): "0.767",
    ("gan-wgan-gp", "precision >= 0.5"): "0.141",
    ("gan-wgan-gp", "recall >= 0.5"): "0.180",
    ("gan-wgan-gp", "coverage >= 0.7"): "0.039",
    ("gan-wgan-div", "precision >= 0.5"): "0.267",
    ("gan-wgan-div", "recall >= 0.5"): "0.366",
    ("gan-wgan-div", "coverage >= 0.7"): "0.113",
}


def _cases():
    for name in GANS:
        for bar in get_experiment(name).bars:
            miss = KNOWN_MISSES.get((name, str(bar)))
            marks = [pytest.mark.xfail(strict=True, reason=f"{name}: {bar} measured {miss}")] if miss else []
            yield pytest.param(name, bar, marks=marks, id=f"{name}: {bar}")


@pytest.fixture(scope="module")
def metrics():
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = api.evaluate(name, seed=SEED)
        return cache[name]

    return get


@pytest.mark.parametrize(("name", "bar"), list(_cases()))
def test_gan_bar(metrics, name, bar):
    m = metrics(name)
    assert bar.holds(m), f"{name}: {bar}; measured {m[bar.metric]:.3f} ({m})"
