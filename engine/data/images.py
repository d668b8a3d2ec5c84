"""Natural images for the photo denoiser: the pictures bundled with scikit-image, plus any folder the user names.

`camera` and `astronaut` are the evaluation images and are never trained on. Training draws random square patches
with a random flip/rotation (the 8 symmetries of the square); noise is added by the experiment, not here.
Colour pictures contribute their luminance and two chroma channels (the space `to_decorrelated` defines), because
the colour denoiser runs the gray network on exactly those channels.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EVAL_IMAGES = ("camera", "astronaut")
# A further held-out set (issue 15), bundled with scikit-learn and matplotlib rather than scikit-image, so no model
# here was ever trained on them: (source, file). Evaluated in gray (their luminance), see `heldout_images`.
HELDOUT = (("sklearn", "china.jpg"), ("sklearn", "flower.jpg"), ("matplotlib", "grace_hopper.jpg"),
           ("matplotlib", "Minduka_Present_Blue_Pack.png"))
# Bundled with scikit-image (no download). Synthetic drawings get a lower weight: photos are what people upload.
PHOTOS = ("coffee", "chelsea", "rocket", "moon", "brick", "grass", "gravel", "coins", "hubble_deep_field",
          "immunohistochemistry", "retina", "cell", "clock", "page", "text", "microaneurysms", "stereo_motorcycle")
DRAWINGS = ("horse", "checkerboard", "shepp_logan_phantom", "logo", "colorwheel")
DRAWING_WEIGHT = 0.3
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif")

# Rows: mean, red-blue, (red+blue)/2-green; orthogonal rows keep i.i.d. RGB noise independent across channels, with
# std sigma * |row| in each. The offsets put the chroma channels in [0, 1] like a gray image.
DECORRELATE = np.array([[1 / 3, 1 / 3, 1 / 3], [1 / 2, 0, -1 / 2], [1 / 4, -1 / 2, 1 / 4]], dtype=np.float64)
OFFSET = np.array([0.0, 0.5, 0.5])
NOISE_GAIN = np.linalg.norm(DECORRELATE, axis=1)  # per-channel noise std / RGB noise std


def to_decorrelated(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB on 0-1 -> (H, W, 3) luminance + 2 chroma channels, each within [0, 1]."""
    return (np.asarray(rgb, np.float64) @ DECORRELATE.T + OFFSET).astype(np.float32)


def from_decorrelated(ycc: np.ndarray) -> np.ndarray:
    return ((np.asarray(ycc, np.float64) - OFFSET) @ np.linalg.inv(DECORRELATE).T).astype(np.float32)


def to_float(img: np.ndarray) -> np.ndarray:
    """Any skimage/PIL array (bool, uint8, uint16, float) -> float32 on 0-1; RGBA composited on white."""
    a = np.asarray(img)
    if a.dtype == bool:
        a = a.astype(np.float32)
    elif np.issubdtype(a.dtype, np.integer):
        a = a.astype(np.float32) / np.iinfo(a.dtype).max
    a = a.astype(np.float32)
    if a.ndim == 3 and a.shape[2] == 4:
        a = a[..., :3] * a[..., 3:] + (1 - a[..., 3:])
    return np.clip(a, 0, 1)


def planes(img: np.ndarray) -> list[np.ndarray]:
    """The gray training planes of one picture: itself if gray, else its three decorrelated channels."""
    a = to_float(img)
    if a.ndim == 2:
        return [a]
    ycc = to_decorrelated(a[..., :3])
    return [np.ascontiguousarray(ycc[..., c]) for c in range(3)]


def bundled() -> list[tuple[str, np.ndarray]]:
    """(name, picture) for every bundled training picture; never camera or astronaut."""
    import skimage.data as sd

    out = []
    for name in PHOTOS + DRAWINGS:
        assert name not in EVAL_IMAGES and name not in {f.split(".")[0] for _, f in HELDOUT}
        img = getattr(sd, name)()
        if name == "stereo_motorcycle":  # a stereo pair plus disparity: keep the two photos
            out += [("stereo_motorcycle_left", img[0]), ("stereo_motorcycle_right", img[1])]
        else:
            out.append((name, img))
    return out


def read_folder(path: str | Path) -> list[tuple[str, np.ndarray]]:
    """Every picture in a folder (recursively) as (relative name, array). ValueError when there is none."""
    from PIL import Image, UnidentifiedImageError

    root = Path(path).expanduser()
    if not root.exists():
        raise ValueError(f"--data {path}: no such folder.")
    if not root.is_dir():
        raise ValueError(f"--data {path}: expected a folder of images (PNG, JPEG, TIFF, ...), got a file.")
    out, bad = [], []
    for f in sorted(root.rglob("*")):
        if f.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        try:
            with Image.open(f) as im:
                im = im.convert("RGB") if im.mode not in ("L", "I;16", "I") else im
                a = np.asarray(im)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            bad.append(f.name)
            continue
        if min(a.shape[:2]) >= 32:  # smaller than a patch: useless for training
            out.append((str(f.relative_to(root)), a))
    if not out:
        why = f" ({len(bad)} unreadable: {', '.join(bad[:3])})" if bad else ""
        raise ValueError(f"--data {path}: found no readable image of at least 32x32 pixels with a suffix in "
                         f"{', '.join(IMAGE_SUFFIXES)}{why}.")
    return out


@dataclass
class PatchPool:
    """Gray planes to cut patches from, with a sampling weight each."""

    planes: list[np.ndarray]
    weights: np.ndarray
    names: list[str]

    sources: tuple[dict, ...] = ()  # how the planes were grouped and weighted (see `mixed`), for the manifest

    @classmethod
    def build(cls, pictures: list[tuple[str, np.ndarray]]) -> "PatchPool":
        ps, ws, ns = [], [], []
        for name, img in pictures:
            w = DRAWING_WEIGHT if name in DRAWINGS else 1.0
            for i, p in enumerate(planes(img)):
                # Chroma planes are smooth and easy; give them a third of a luminance plane's weight.
                ps.append(p), ws.append(w * (1.0 if i == 0 else 0.35)), ns.append(f"{name}[{i}]")
        return cls(ps, np.asarray(ws) / np.sum(ws), ns)

    def patches(self, rng: np.random.Generator, n: int, size: int) -> np.ndarray:
        """n random size x size patches (n, size, size), each under a random one of the 8 square symmetries."""
        out = np.empty((n, size, size), np.float32)
        which = rng.choice(len(self.planes), size=n, p=self.weights)
        for k, i in enumerate(which):
            p = self.planes[i]
            y, x = rng.integers(p.shape[0] - size + 1), rng.integers(p.shape[1] - size + 1)
            q = np.rot90(p[y:y + size, x:x + size], rng.integers(4))
            out[k] = q[:, ::-1] if rng.random() < 0.5 else q
        return out

    @classmethod
    def mixed(cls, parts: list[tuple[dict, "PatchPool", float]]) -> "PatchPool":
        """One pool that draws from each part with a fixed probability; inside a part the planes keep their
        relative weights. `parts`: (description for the manifest, pool, probability); probabilities sum to 1."""
        total = sum(p for _, _, p in parts)
        assert abs(total - 1) < 1e-9, total
        ps, ws, ns = [], [], []
        for _, pool, prob in parts:
            ps += pool.planes
            ws.append(pool.weights * prob)
            ns += pool.names
        return cls(ps, np.concatenate(ws), ns, tuple({**d, "p": p} for d, _, p in parts))

    def manifest(self) -> dict:
        """For the model card: every plane patches are cut from (name[channel]: 0 luminance, 1-2 decorrelated
        chroma), its size and its sampling probability, the sources they were grouped in with each source's
        probability, and the pictures held out for evaluation."""
        return {"sources": list(self.sources),
                "planes": [{"plane": n, "shape": list(p.shape), "p": round(float(w), 5)}
                           for n, p, w in zip(self.names, self.planes, self.weights)],
                "never_trained_on": list(EVAL_IMAGES) + [f"{src}:{f}" for src, f in HELDOUT]}

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for name, p in zip(self.names, self.planes):
            h.update(name.encode()), h.update(np.ascontiguousarray(p).tobytes())
        return h.hexdigest()[:16]


def eval_image(name: str) -> np.ndarray:
    """The held-out evaluation pictures on 0-1: camera (512x512 gray) or astronaut (512x512x3 RGB)."""
    import skimage.data as sd

    if name not in EVAL_IMAGES:
        raise ValueError(f"Evaluation images are {EVAL_IMAGES}, not {name!r}.")
    return to_float(getattr(sd, name)())


def heldout_images(rgb: bool = False) -> list[tuple[str, np.ndarray]]:
    """The held-out set of issue 15 as (name, gray picture on 0-1): luminance (the RGB mean, the network's first
    decorrelated channel); an RGBA picture is composited on white first. `rgb`: colour pictures stay colour."""
    import os

    import matplotlib
    import sklearn.datasets
    from PIL import Image

    roots = {"sklearn": os.path.join(os.path.dirname(sklearn.datasets.__file__), "images"),
             "matplotlib": os.path.join(matplotlib.get_data_path(), "sample_data")}
    out = []
    for src, fn in HELDOUT:
        with Image.open(os.path.join(roots[src], fn)) as im:
            a = to_float(np.asarray(im))
        out.append((fn.split(".")[0], a.mean(-1).astype(np.float32) if a.ndim == 3 and not rgb else a))
    return out
