"""The shipped checkpoints meet their bars on freshly drawn held-out noise (seeds the cards never used)."""

import pytest

from engine import api
from engine.data import letters
from engine.experiments import all_experiments
from engine.experiments import emoji as emoji_lab
from engine.experiments import letters as letters_lab

FRESH_SEEDS = (11, 2026)


# These labs' full evaluations take minutes (thousands of traces, 512² photos, NL-means searches, 4 000 galaxies'
# morphology, GAN samples in classifier features); their own quality files (test_digits_*_bars.py,
# test_radio_bars.py, test_images_bars.py, test_galaxies_bars.py, test_gans_bars.py, and for the colouriser
# test_more_autoencoders_bars.py) check every bar on smaller held-out sets and mark the bars a shipped model is
# known to miss as strict xfails with the measured gap.
OWN_QUALITY_FILES = {"digits", "radio", "images", "galaxies", "gans", "colour"}


@pytest.mark.parametrize("exp", [e for e in all_experiments() if e.lab not in OWN_QUALITY_FILES], ids=lambda e: e.name)
@pytest.mark.parametrize("seed", FRESH_SEEDS)
def test_shipped_checkpoint_meets_its_bars(exp, seed):
    metrics = api.evaluate(exp.name, seed=seed)
    failed = [str(b) for b in exp.bars if not b.holds(metrics)]
    assert not failed, f"{exp.name} (seed {seed}): {failed}; measured {metrics}"


@pytest.mark.parametrize("seed", FRESH_SEEDS)
def test_dae_is_within_one_point_of_the_nearest_glyph_ceiling(seed):
    m = api.evaluate("letters-dae", seed=seed)
    for key in ("sp10", "gauss03"):
        assert m[f"exact_rate_{key}"] >= m[f"nearest_glyph_rate_{key}"] - 0.01, m


def test_dae_beats_the_median_filter_and_the_plain_ae():
    """Training on noise is what makes the DAE: the clean-trained AE and a median filter do much worse."""
    noisy, clean = letters_lab.noisy_eval_set("salt_pepper", 0.1, seed=5)
    from engine import baselines
    from engine.metrics import exact_rate

    dae = exact_rate(api.reconstruct("letters-dae", noisy), clean)
    assert dae > exact_rate(baselines.median_filter(noisy), clean) + 0.3
    assert dae > exact_rate(api.reconstruct("letters-ae", noisy), clean) + 0.1


def test_emoji_grid_decodings_are_faces():
    """'The decodings still look like faces': every cell of the grid has a face-shaped fill and some ink inside."""
    grid = api.latent_grid("emoji-vae", emoji_lab.GRID_N, emoji_lab.GRID_SPAN).reshape(-1, 2, 16, 16) > 0.5
    fill, ink = grid[:, 0], grid[:, 1]
    assert fill.sum((1, 2)).min() > 120  # a face covers roughly 150 of 256 pixels
    assert fill[:, 6:10, 6:10].all(), "the middle of every cell is face"
    assert ink[:, 3:13, 3:13].sum((1, 2)).min() >= 6, "every face has features (eyes/mouth)"
    # Blends of two outline shapes put a few rim pixels outside the other's fill; random ink would be ~40 %.
    outside = (ink & ~fill).sum((1, 2)) / ink.sum((1, 2))
    assert outside.max() < 0.25 and outside.mean() < 0.03, "ink stays inside the face"


def test_every_glyph_is_on_the_letters_map():
    codes, labels = api.training_points("letters-dae")
    assert labels == list(letters.CHARS)
    span = api.map_span("letters-dae")
    assert (abs(codes) < span).all()
