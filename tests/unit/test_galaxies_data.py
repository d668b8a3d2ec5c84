"""The galaxy renderer and the Hubble cutouts: shapes, ranges, determinism, bad input."""

import numpy as np
import pytest

from engine.data import galaxies, hubble


def test_render_shapes_ranges_and_classes():
    x, y = galaxies.render(12, 3, 64)
    assert x.shape == (12, 3, 64, 64) and x.dtype == np.float32
    assert y.shape == (12,) and y.dtype == np.int64
    assert x.min() >= 0 and x.max() <= 1 and set(np.unique(y)) <= {0, 1, 2}
    x2, _ = galaxies.render(2, 3, 128, classes=[0, 2])
    assert x2.shape == (2, 3, 128, 128)


def test_render_is_deterministic_and_seed_dependent():
    a, ya = galaxies.render(6, 11)
    b, yb = galaxies.render(6, 11)
    c, _ = galaxies.render(6, 12)
    assert np.array_equal(a, b) and np.array_equal(ya, yb)
    assert not np.array_equal(a, c)


def test_noise_free_render_is_the_same_galaxies_without_the_noise():
    noisy, y = galaxies.render(8, 5)
    clean, y2 = galaxies.render(8, 5, noise=False)
    assert (y == y2).all()
    # The noise-free sky is smooth: pixel-to-pixel differences in a corner are a small fraction of the noisy ones.
    step = lambda a: np.abs(np.diff(a[:, :, :8, :8], axis=-1)).mean()
    assert step(clean) < 0.2 * step(noisy)
    # Same galaxies: each noisy render is closer to its own noise-free version than to another galaxy's.
    other, _ = galaxies.render(8, 6, noise=False)
    own = np.abs(noisy - clean).reshape(8, -1).mean(1)
    assert (own < np.abs(noisy - other).reshape(8, -1).mean(1)).all()


def test_render_honours_classes_and_rejects_bad_ones():
    _, y = galaxies.render(3, 0, classes=[2, 1, 0])
    assert list(y) == [2, 1, 0]
    with pytest.raises(ValueError, match="labels"):
        galaxies.render(2, 0, classes=[0, 5])
    with pytest.raises(ValueError, match="size"):
        galaxies.render(2, 0, size=8)


def test_galaxy_is_centred_and_brighter_than_sky():
    x, _ = galaxies.render(32, 5, classes=np.ones(32, int))
    centre = x[:, :, 28:36, 28:36].mean()
    corner = x[:, :, :8, :8].mean()
    assert centre > 0.4 and corner < 0.1


def test_ellipticals_are_redder_than_spirals():
    x, y = galaxies.render(60, 2, classes=np.repeat([1, 2], 30))
    core = x[:, :, 24:40, 24:40].mean(axis=(2, 3))
    ratio = core[:, 0] / core[:, 2]  # R / B
    assert ratio[y == 1].mean() > ratio[y == 2].mean() + 0.1


def test_held_out_differs_from_training_seed():
    a, _ = galaxies.held_out(4, 0)
    b, _ = galaxies.render(4, 0)
    assert not np.array_equal(a, b)


def test_hubble_cutouts():
    x, boxes = hubble.cutouts(64)
    assert 20 <= len(x) <= 60 and x.shape[1:] == (3, 64, 64)
    assert x.min() >= 0 and x.max() <= 1
    # recentred: the centre of each cutout is brighter than its border on average
    assert x[:, :, 24:40, 24:40].mean() > 2 * x[:, :, :6, :].mean()
    assert (boxes[:, 3] >= hubble.MIN_AREA).all()


def test_prepare_any_picture_and_bad_ones():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:90, 0:120]
    blob = np.exp(-((yy - 30) ** 2 + (xx - 80) ** 2) / 50.0)
    for img in (blob, (blob * 255).astype(np.uint8), np.stack([blob] * 4, -1)):
        out = hubble.prepare(img + 0.01 * rng.random(img.shape), 64)
        assert out.shape == (3, 64, 64) and 0 <= out.min() and out.max() <= 1
        assert out[:, 24:40, 24:40].mean() > out[:, :8, :8].mean()
    with pytest.raises(ValueError, match="flat"):
        hubble.prepare(np.zeros((32, 32)), 64)
    with pytest.raises(ValueError, match="picture"):
        hubble.prepare(np.zeros(5), 64)
