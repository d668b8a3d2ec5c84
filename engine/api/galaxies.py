"""The galaxies lab's part of the facade: galleries (held-out renders, Hubble cutouts, uploads), latent walks with
the classifier's probabilities along them, GIF export, the latent map, reconstruction against PCA, traversal,
class-mean arithmetic, prior samples and their morphology.

Galaxies are named by short ids that fit in a URL: `r<i>` (held-out render i of the map set), `h<i>` (Hubble
cutout i) and `u` (the uploaded picture, passed separately).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from engine import morphology, viz
from engine.api import uploads
from engine.api.models import decode, encode, extras, load, page_calls
from engine.data import galaxies, hubble
from engine.experiments import galaxies as lab
from engine.registry import EVAL_SEED

__all__ = ["GALAXY_MODELS", "GALAXY_CLASSES", "GALAXY_MORPH_N", "GALAXY_PRIORS", "GalaxyWalk", "GalaxyRecon",
           "galaxy_ids", "galaxy_image", "galaxy_upload", "galaxy_thumbs", "galaxy_thumbs_from", "galaxy_walk",
           "galaxy_gif", "galaxy_map", "galaxy_reconstruction", "galaxy_traverse", "galaxy_arithmetic",
           "galaxy_samples", "galaxy_prior", "galaxy_morphology", "galaxy_classify", "galaxy_label", "galaxy_id_ok",
           "galaxy_probs_figure"]

GALAXY_MODELS = ("galaxy-vae", "galaxy-vae-seed")
GALAXY_CLASSES = galaxies.CLASSES
_COLOURS = ("#e4572e", "#f3a712", "#2e86ab")  # barred, elliptical, spiral
N_TRAVERSE = 4  # principal directions offered as sliders


@lru_cache(maxsize=1)
def _renders() -> tuple[np.ndarray, np.ndarray]:
    """The held-out renders whose codes the shipped maps show (same seed and count as `lab.vae_extras`)."""
    return galaxies.held_out(lab.MAP_N, EVAL_SEED, lab.SIZE)


def galaxy_ids(source: str = "renders", cls: int | None = None, n: int = 24) -> list[str]:
    """The first `n` ids of a gallery: held-out renders (optionally of one class) or the Hubble cutouts."""
    if source == "hubble":
        return [f"h{i}" for i in range(min(n, len(hubble.cutouts(lab.SIZE)[0])))]
    if source != "renders":
        raise ValueError(f"Gallery source must be 'renders' or 'hubble', not {source!r}.")
    y = _renders()[1]
    idx = np.arange(len(y)) if cls is None else np.flatnonzero(y == int(cls))
    return [f"r{i}" for i in idx[:n]]


MAX_UPLOAD_MEGAPIXELS = 25  # as for photos: the picture is read whole before the galaxy is cut out


def galaxy_upload(data: bytes | Any) -> np.ndarray:
    """An uploaded picture (bytes of any image format, any size, gray or colour) -> (3, 64, 64) in [0, 1],
    cropped around its brightest object and stretched the way the Hubble cutouts are. Unreadable, damaged, huge or
    non-finite pictures raise ValueError with a message for the person who uploaded them."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        im = uploads.open_image(data, MAX_UPLOAD_MEGAPIXELS)  # the strict reader every upload path uses
        if im.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):  # 16/32-bit gray, float: scale by the peak
            a = np.asarray(im, np.float64)
            if not np.isfinite(a).all():
                raise ValueError("The picture has pixels that are not numbers (NaN or infinite): save it again as "
                                 "PNG or JPEG.")
            data = a / a.max() if a.max() > 0 else a
        else:
            data = np.asarray(im.convert("RGB"))
    a = np.asarray(data)
    if a.dtype.kind not in "uif b" or (a.dtype.kind == "f" and not np.isfinite(a).all()):
        raise ValueError(f"Expected a picture with finite numeric pixels, got {a.dtype} values.")
    return hubble.prepare(a.astype(np.float32) if a.dtype.kind in "ib" else a, lab.SIZE)


def galaxy_image(gid: str, upload: np.ndarray | None = None) -> np.ndarray:
    """The (3, 64, 64) image of a gallery id; `upload` is the prepared upload for id 'u'."""
    gid = str(gid)
    try:
        if gid == "u":
            if upload is None:
                raise ValueError("No uploaded galaxy yet: upload a picture first.")
            return np.asarray(upload, np.float32)
        kind, i = gid[0], int(gid[1:])
        pool = _renders()[0] if kind == "r" else hubble.cutouts(lab.SIZE)[0] if kind == "h" else None
        if pool is None or not 0 <= i < len(pool):
            raise IndexError
        return pool[i]
    except (IndexError, ValueError) as e:
        if "upload" in str(e):
            raise
        raise ValueError(f"Unknown galaxy {gid!r}: ids are r0-r{lab.MAP_N - 1} (renders), "
                         f"h0-h{len(hubble.cutouts(lab.SIZE)[0]) - 1} (Hubble) or u (upload).") from None


def galaxy_id_ok(gid: str) -> bool:
    """Whether `gid` names a render or Hubble cutout (a hand-edited link may not)."""
    try:
        galaxy_image(gid, np.zeros(lab.SHAPE, np.float32))
        return gid != "u"
    except ValueError:
        return False


def galaxy_label(gid: str) -> str:
    """A gallery id with what it is, for choosers: 'r3 · spiral', 'h1 · Hubble'."""
    if gid.startswith("r") and galaxy_id_ok(gid):
        return f"{gid} · {GALAXY_CLASSES[int(_renders()[1][int(gid[1:])])]}"
    return f"{gid} · {'Hubble' if gid.startswith('h') else 'upload'}"


def galaxy_thumbs(ids: list[str], upload: np.ndarray | None = None) -> list[np.ndarray]:
    """uint8 (64, 64, 3) thumbnails of the ids."""
    return list(galaxies.to_uint8(np.stack([galaxy_image(g, upload) for g in ids]))) if ids else []


def galaxy_thumbs_from(images: np.ndarray | list) -> list[np.ndarray]:
    """uint8 (64, 64, 3) pictures of galaxy images (N, 3, 64, 64) in [0, 1] (decodings, samples)."""
    return list(galaxies.to_uint8(np.stack([np.asarray(i, np.float32) for i in images])))


def galaxy_classify(x: np.ndarray) -> np.ndarray:
    """The classifier's class probabilities (N, 3) for images (N, 3, 64, 64)."""
    return lab.classify(load(lab.CLASSIFIER), np.asarray(x, np.float32).reshape(-1, *lab.SHAPE))


@dataclass
class GalaxyWalk:
    frames: np.ndarray  # (steps, 3, 64, 64) decoded along the path
    codes: np.ndarray  # (steps, latent)
    probs: np.ndarray  # (steps, 3) the classifier's class probabilities of each frame
    strip: Any  # PIL image of the frames in a row


def _path(za: np.ndarray, zb: np.ndarray, steps: int, mode: str) -> np.ndarray:
    t = np.linspace(0, 1, steps, dtype=np.float32)[:, None]
    if mode == "lerp":
        return (1 - t) * za + t * zb
    if mode != "slerp":
        raise ValueError(f"Path mode must be 'lerp' or 'slerp', not {mode!r}.")
    # slerp keeps the codes' length where a Gaussian prior puts its mass (no dip towards the origin mid-way).
    cos = float(np.dot(za, zb) / max(np.linalg.norm(za) * np.linalg.norm(zb), 1e-12))
    om = np.arccos(np.clip(cos, -1 + 1e-7, 1 - 1e-7))
    if om < 1e-4:
        return (1 - t) * za + t * zb
    return ((np.sin((1 - t) * om) * za + np.sin(t * om) * zb) / np.sin(om)).astype(np.float32)


def galaxy_walk(name: str, a: np.ndarray, b: np.ndarray, steps: int = 8, mode: str = "lerp") -> GalaxyWalk:
    """Decode `steps` points on the path between the codes of images a and b, classify every frame."""
    if not 3 <= int(steps) <= 24:
        raise ValueError("Steps must be between 3 and 24.")
    z = encode(name, np.stack([np.asarray(a, np.float32), np.asarray(b, np.float32)]))
    codes = _path(z[0], z[1], int(steps), mode)
    frames = decode(name, codes)
    strip = viz.pixels(viz.strip(galaxies.to_uint8(frames)), 2)
    return GalaxyWalk(frames, codes, galaxy_classify(frames), strip)


def galaxy_probs_figure(probs: np.ndarray):
    """The classifier's class probabilities along a walk (steps, 3) as a small plotly line chart on [0, 1]."""
    import plotly.graph_objects as go

    fig = go.Figure([go.Scatter(y=np.asarray(probs)[:, c], mode="lines+markers", name=n, line=dict(color=_COLOURS[c]))
                     for c, n in enumerate(GALAXY_CLASSES)])
    fig.update_layout(height=230, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(range=[-0.02, 1.02],
                      title="class probability"), xaxis=dict(title="step"), legend=dict(orientation="h", y=1.15))
    return fig


def galaxy_gif(frames: np.ndarray, ms_per_frame: int = 120) -> bytes:
    """An animated GIF of the walk, forth and back, 3× enlarged."""
    return viz.gif_bytes(galaxies.to_uint8(frames), ms_per_frame, scale=3, bounce=True)


def _project(name: str, z: np.ndarray, kind: str) -> np.ndarray:
    ex = extras(name)
    if kind == "pca":
        return (np.asarray(z) - ex["latent_mean"]) @ ex["latent_pcs"][:2].T
    if kind != "umap" or "map_umap" not in ex:
        raise ValueError("Map kind must be 'pca' or 'umap' (UMAP only when shipped with the checkpoint).")
    # UMAP was fitted at training time; a new code goes where its 5 nearest held-out codes went (inverse-distance
    # weights) — what umap's own transform approximates, without loading umap (~20 s cold) in a page.
    d = np.linalg.norm(np.asarray(z)[:, None] - ex["map_codes"][None], axis=2)
    nn = np.argsort(d, 1)[:, :5]
    w = 1 / np.maximum(np.take_along_axis(d, nn, 1), 1e-6)
    return (ex["map_umap"][nn] * w[..., None]).sum(1) / w.sum(1, keepdims=True)


def galaxy_map(name: str, kind: str = "pca", path: np.ndarray | None = None, marks: dict | None = None):
    """Plotly map of the held-out codes (PCA or the shipped UMAP), coloured by class; the path's codes as a
    line and `marks` {label: code} (e.g. the chosen galaxies, real ones) as stars."""
    import plotly.graph_objects as go

    ex = extras(name)
    xy = ex["map_pca"] if kind == "pca" else ex.get("map_umap")
    if xy is None:
        raise ValueError("This checkpoint ships no UMAP map; choose PCA.")
    y = ex["map_labels"]
    fig = go.Figure()
    for c, cname in enumerate(GALAXY_CLASSES):
        sel = np.flatnonzero(y == c)
        fig.add_trace(go.Scattergl(x=xy[sel, 0], y=xy[sel, 1], mode="markers", name=cname, customdata=sel,
                                   marker=dict(size=5, color=_COLOURS[c], opacity=0.6),
                                   hovertemplate=f"{cname} r%{{customdata}}<extra></extra>"))
    if path is not None:
        p = _project(name, path, kind)
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines+markers", name="path",
                                 line=dict(color="black", width=2), marker=dict(size=6, color="black")))
    for label, code in (marks or {}).items():
        p = _project(name, np.asarray(code)[None], kind)
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="markers+text", text=[label], name=label,
                                 textposition="top center", marker=dict(symbol="star", size=14, color="black")))
    fig.update_layout(height=420, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.08))
    return fig


@dataclass
class GalaxyRecon:
    images: np.ndarray  # (3, 3, 64, 64): input, VAE reconstruction, PCA reconstruction
    psnr_vae: float
    psnr_pca: float


def galaxy_reconstruction(name: str, x: np.ndarray) -> GalaxyRecon:
    """Input, the VAE's reconstruction and the PCA reconstruction with as many components (shipped), with PSNRs."""
    x = np.asarray(x, np.float32).reshape(1, *lab.SHAPE)
    ex = extras(name)
    comp, mean = ex["pixel_pca_components"].astype(np.float32), ex["pixel_pca_mean"].astype(np.float32)
    flat = x.reshape(1, -1) - mean
    pca = np.clip((flat @ comp.T) @ comp + mean, 0, 1).reshape(x.shape)
    vae = decode(name, encode(name, x))
    ps = lab.psnr_per_image(np.concatenate([vae, pca]), np.concatenate([x, x]))
    return GalaxyRecon(np.concatenate([x, vae, pca]), float(ps[0]), float(ps[1]))


def galaxy_traverse(name: str, x: np.ndarray, offsets: list[float]) -> np.ndarray:
    """Decode code(x) moved along the top principal directions of the held-out codes by `offsets` (in standard
    deviations of the codes along each direction)."""
    ex = extras(name)
    z = encode(name, np.asarray(x, np.float32)[None])[0]
    k = min(len(offsets), len(ex["latent_pcs"]))
    z = z + (np.asarray(offsets[:k], np.float32) * ex["latent_pc_std"][:k]) @ ex["latent_pcs"][:k]
    return decode(name, z[None])[0]


def galaxy_arithmetic(name: str, x: np.ndarray, strength: float, to_cls: int = galaxies.BARRED,
                      from_cls: int = galaxies.SPIRAL) -> np.ndarray:
    """Decode code(x) + strength × (mean code of class `to_cls` − mean code of `from_cls`): "make it barred"."""
    cm = extras(name)["class_means"]
    z = encode(name, np.asarray(x, np.float32)[None])[0] + float(strength) * (cm[to_cls] - cm[from_cls])
    return decode(name, z[None])[0]


GALAXY_PRIORS = ("learned", "normal")


def _prior(name: str, prior: str) -> dict[str, np.ndarray] | None:
    """The shipped learned prior's arrays for "learned" where the checkpoint has them; None means N(0, I)."""
    if prior not in GALAXY_PRIORS:
        raise ValueError(f"Prior must be one of {', '.join(GALAXY_PRIORS)}, not {prior!r}.")
    ex = extras(name)
    return ex if prior == "learned" and all(k in ex for k in lab.PRIOR_KEYS) else None


def galaxy_prior(name: str, prior: str = "learned") -> str:
    """In words, the prior `galaxy_samples(name, n, seed, prior)` draws from."""
    ex = _prior(name, prior)
    if ex is None:
        return "N(0, I), the prior the VAE was trained with"
    return (f"a learned prior: a {len(ex['prior_weights'])}-component Gaussian mixture fitted to the training "
            "renders' codes")


def galaxy_samples(name: str, n: int = 12, seed: int = 0, prior: str = "learned") -> np.ndarray:
    """`n` galaxies decoded from prior draws: from the learned prior where the checkpoint ships one ("learned",
    as the card's sample_morph_w1) or from N(0, I) ("normal"). Deterministic given the seed."""
    if not 1 <= int(n) <= 2000:
        raise ValueError(f"Ask for 1 to 2000 samples, not {n}.")
    return lab.prior_samples(load(name), int(n), int(seed), _prior(name, prior))


@lru_cache(maxsize=1)
def _render_stats() -> dict[str, np.ndarray]:
    return morphology.measure(_renders()[0])


# Samples per click of the page's morphology button: decoding is most of its time (100 took ~230 ms on a quiet
# 2-core machine, over the 150 ms interaction budget); the card's 2 000-sample figures are shown beside.
GALAXY_MORPH_N = 48


def galaxy_morphology(name: str, n: int = GALAXY_MORPH_N, seed: int = 0,
                      prior: str = "learned") -> tuple[dict[str, float], dict[str, float]]:
    """Scaled W1 of `n` prior samples' morphology against the 1 000 held-out renders', and the card's figures
    measured on 2 000 samples at training time: ({stat: w1 now}, {stat: w1 in the card}); the card's are {} when
    it measured the other prior (its samples come from the learned prior where one is shipped)."""
    from engine.api.models import card

    now = morphology.compare(morphology.measure(galaxy_samples(name, n, seed, prior)), _render_stats())
    if (_prior(name, prior) is None) == (_prior(name, "learned") is not None):
        return now, {}
    metrics = card(name).get("metrics", {})
    return now, {k[3:]: v for k, v in metrics.items() if k.startswith("w1_")}


def _galaxy_page_calls(name: str):
    def calls():
        a, b = galaxy_image("r0"), galaxy_image("h0")
        walk = galaxy_walk(name, a, b, 12)
        _render_stats()  # warm: the reference statistics are computed once per process
        return {
            "galaxy_walk(12 steps)": lambda: galaxy_walk(name, a, b, 12, "slerp"),
            "galaxy_gif(12 frames)": lambda: galaxy_gif(walk.frames),
            "galaxy_map(pca, path)": lambda: galaxy_map(name, "pca", walk.codes),
            "galaxy_map(umap, path)": lambda: galaxy_map(name, "umap", walk.codes),
            "galaxy_reconstruction": lambda: galaxy_reconstruction(name, a),
            "galaxy_traverse": lambda: galaxy_traverse(name, a, [1.0, -1.0, 0.5, 0.0]),
            "galaxy_arithmetic": lambda: galaxy_arithmetic(name, a, 1.0),
            "galaxy_samples(12)": lambda: galaxy_samples(name, 12, 3),
            "galaxy_thumbs(24)": lambda: galaxy_thumbs(galaxy_ids("renders", None, 24)),
            f"galaxy_morphology({GALAXY_MORPH_N} samples, button)": lambda: galaxy_morphology(name, GALAXY_MORPH_N, 1),
        }

    return calls


for _name in GALAXY_MODELS:
    page_calls(_name)(_galaxy_page_calls(_name))
