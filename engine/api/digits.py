"""The digits lab's part (latent map, projections) of the facade. `engine.api` re-exports everything in `__all__`:
pages call `api.<name>`.

The test digits, their codes and the 16-D model's projections are read from the checkpoint's extras (computed
when training), so a page only decodes, looks up and draws. Keep heavy imports (torch, sklearn, umap) inside
functions so that `import engine.api` stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from engine import checkpoints
from engine.api.models import as_batch, card, decode, encode, extras, latent_grid, page_calls
from engine.api.uploads import open_image
from engine.data.digits import to_mnist
from engine.experiments import get_experiment
from engine.inference import span_covering

__all__ = ["DIGITS_MAP", "DIGITS_PROJ", "PROJECTIONS", "CLASS_COLORS", "DigitPoints", "DrawnDigit",
           "digit_points", "digits_span", "digits_map", "read_drawing", "digit_thumbnails", "digit_image",
           "digit_projection", "projection_scores", "selected_ids", "digits_map_event"]

DIGITS_MAP, DIGITS_PROJ = "digits-vae2", "digits-vae16"
PROJECTIONS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
# Plotly's qualitative "D3" palette: ten colours a reader can tell apart, one per digit class.
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


@dataclass(frozen=True)
class DigitPoints:
    """The test digits a checkpoint ships: pictures (N, 28, 28) uint8, classes (N,) and latent means (N, d)."""

    images: np.ndarray
    labels: np.ndarray
    z: np.ndarray


@dataclass
class DrawnDigit:
    """A drawing after MNIST-style preprocessing, where it lands and what the model makes of it."""

    image: np.ndarray  # (28, 28) in [0, 1]: what the encoder sees (scaled into 20×20, centred by mass)
    z: np.ndarray  # (d,) latent mean
    recon: np.ndarray  # (28, 28) the decoding of z
    guess: int  # majority class of its 5 nearest training digits in the latent
    votes: int  # how many of those 5 agree


def _sha(name: str) -> str:
    # Caches here are keyed by the checkpoint's SHA-256, so a retrained or swapped checkpoint is never served
    # stale (api.clear_cache() need not know about them).

    return card(name)["sha256"]


def digit_points(name: str = DIGITS_MAP) -> DigitPoints:
    """The test digits shipped with `name`, their classes and latent means."""
    return _points(name, _sha(name))


@lru_cache(maxsize=8)
def _points(name: str, sha: str) -> DigitPoints:

    ex = extras(name)
    missing = [k for k in ("test_images", "test_labels", "test_z") if k not in ex]
    if missing:
        raise checkpoints.CheckpointError(f"'{name}' was saved without {missing}. "
                                          f"{checkpoints.rebuild_hint(name)}")
    pts = DigitPoints(ex["test_images"], ex["test_labels"], ex["test_z"])
    for a in (pts.images, pts.labels, pts.z):
        a.setflags(write=False)
    return pts


def digits_span(name: str = DIGITS_MAP) -> float:
    """Half-width of the map: 99 % of the shipped test digits with a margin (a few outliers would otherwise
    shrink the crowded middle to a corner of the picture)."""

    return span_covering(np.quantile(np.abs(digit_points(name).z), 0.99, axis=0)[None])


def _groups(xy: np.ndarray, labels: np.ndarray):
    from engine.viz import PointGroup

    return [PointGroup(str(c), xy[labels == c], np.flatnonzero(labels == c), CLASS_COLORS[c]) for c in range(10)]


@lru_cache(maxsize=32)
def _background(name: str, sha: str, n: int, span: float) -> str:
    from engine import viz

    ex = extras(name)
    if "map_grid" in ex and tuple(ex["map_grid"]) == (n, span):  # the default grid, drawn at training time
        return ex["map_background_uri"].tobytes().decode()
    return viz.png_uri(viz.tile_grid(latent_grid(name, n, span), get_experiment(name).render))


def digits_map(name: str = DIGITS_MAP, n: int = 20, span: float | None = None, drawn: Any = None,
               clicked: Any = None, dragmode: str | bool = "select", opacity: float = 0.6):
    """The latent map: decoded digits tiled on the plane, the test digits as points coloured by class (ids as
    customdata for selections), a drawn digit's code as a star and the last click as a ring."""
    from engine import viz

    if not 4 <= int(n) <= 40:
        raise ValueError("The background grid must have 4-40 cells per side.")
    span = digits_span(name) if span is None else float(span)
    pts = digit_points(name)
    bg = _background(name, _sha(name), int(n), round(span, 4))
    # One trace for all 1 000 digits, coloured per point, and the class names written at each class's middle:
    # ten traces (one per class, for a legend) made the figure cost 3x more to build.
    fig = viz.latent_map(np.zeros((0, 2)), [], bg, span, int(n),
                         None if drawn is None else np.asarray(drawn), None if clicked is None else np.asarray(clicked),
                         opacity=opacity, dragmode=dragmode, current_name="your digit",
                         groups=[viz.PointGroup("test digit", pts.z, np.arange(len(pts.z)), pts.labels, CLASS_COLORS)])
    centres = [np.median(pts.z[pts.labels == c], axis=0) for c in range(10)]
    fig.update_layout(showlegend=True, annotations=[
        dict(x=float(x), y=float(y), text=f"<b>{c}</b>", showarrow=False, font=dict(size=18, color=CLASS_COLORS[c]),
             bgcolor="rgba(255,255,255,0.8)", borderpad=2) for c, (x, y) in enumerate(centres)])
    return fig


@lru_cache(maxsize=8)
def _knn(name: str, sha: str):
    from sklearn.neighbors import NearestNeighbors

    ex = extras(name)
    return NearestNeighbors(n_neighbors=5).fit(ex["train_z"]), ex["train_labels"]


def read_drawing(image: Any, name: str = DIGITS_MAP) -> DrawnDigit | None:
    """A canvas drawing (RGBA array as `st_canvas` returns it, any image, PIL or bytes) -> MNIST-style digit,
    its code, its reconstruction and the 5-NN class guess. None when nothing has been drawn yet; ValueError for
    input that is not an image."""

    if image is None:
        return None
    if isinstance(image, (bytes, bytearray, memoryview)):  # the same strict reader as every other upload
        image = open_image(bytes(image), 16, draft=("L", (256, 256)))
    if isinstance(image, np.ndarray):
        if image.size == 0:
            return None
        if image.ndim == 3 and image.shape[-1] == 4 and not image[..., 3].any():
            return None  # an untouched canvas: fully transparent
    try:
        x = to_mnist(image)
    except ValueError as e:
        if "blank" in str(e):
            return None
        raise
    z = encode(name, x)
    nn, train_labels = _knn(name, _sha(name))
    votes = np.bincount(train_labels[nn.kneighbors(z[None], return_distance=False)[0]], minlength=10)
    return DrawnDigit(x, z, decode(name, z), int(votes.argmax()), int(votes.max()))


def digit_image(name: str, x: Any, scale: int = 8):
    """One digit (28×28 in [0, 1]) as a crisp PIL image, dark ink on white (as drawn on the canvas), `scale`
    screen pixels per pixel."""
    from engine import viz

    batch, _ = as_batch(name, x)
    return viz.pixels(viz.gray_ink(batch[0]), scale)


def digit_thumbnails(name: str, ids: Any, cols: int = 12, max_n: int = 96, scale: int = 2):
    """The shipped test digits with these ids as one picture (a grid, `cols` wide, at most `max_n`), plus a
    caption counting the classes in the selection."""
    from engine import viz

    pts = digit_points(name)
    ids = np.asarray(list(ids), dtype=np.int64)
    if ids.size == 0:
        raise ValueError("No digits selected: drag a box or a lasso around some points.")
    if ids.min() < 0 or ids.max() >= len(pts.labels):
        raise ValueError(f"Digit ids must be in 0-{len(pts.labels) - 1}.")
    show = ids[:max_n]
    rows = -(-len(show) // cols)
    pics = np.full((rows * cols, 28, 28), 255, np.uint8)
    pics[: len(show)] = 255 - pts.images[show]  # shipped white-on-black (MNIST's way); shown as ink on paper
    counts = np.bincount(pts.labels[ids], minlength=10)
    summary = ", ".join(f"{c}× {d}" for d, c in sorted(enumerate(counts), key=lambda t: -t[1]) if c)
    more = f" (showing the first {max_n})" if len(ids) > max_n else ""
    caption = f"{len(ids)} digits selected{more} — classes: {summary}"
    return viz.pixels(viz.tile(pics.reshape(rows, cols, 28, 28), gap=2, gap_value=200), scale), caption


def digits_map_event(event: Any) -> tuple[np.ndarray | None, list[int] | None]:
    """Read a selection event of the digits map: (clicked latent xy, None) for a click, (None, ids of the test
    digits inside) for a box or lasso (possibly []), (None, None) when nothing is selected."""
    from engine import viz

    try:
        sel = event["selection"]
        region = bool(sel.get("box") or sel.get("lasso"))
    except (KeyError, TypeError, AttributeError):
        return None, None
    if region:
        return None, viz.selected_ids(event)
    return viz.clicked_xy(event), None


def selected_ids(event: Any) -> list[int]:
    """The digit ids a box/lasso selection on a digits figure picked ([] for a click or no selection)."""
    from engine import viz

    return viz.selected_ids(event)


@lru_cache(maxsize=8)
def _proj(name: str, sha: str, method: str) -> tuple[np.ndarray, np.ndarray]:

    ex = extras(name)
    if f"proj_{method}" not in ex:
        raise checkpoints.CheckpointError(f"'{name}' was saved without its {method} projection. "
                                          f"{checkpoints.rebuild_hint(name)}")
    return ex[f"proj_{method}"], ex[f"proj_{method}_scores"]


def _check_method(method: str) -> str:
    if method not in PROJECTIONS:
        raise ValueError(f"Unknown projection {method!r}; choose one of {', '.join(PROJECTIONS)}.")
    return method


def digit_projection(method: str = "umap", name: str = DIGITS_PROJ, height: int = 520):
    """The shipped 2-D projection (pca, tsne or umap) of the test digits' codes, coloured by class, selectable."""
    from engine import viz

    emb, _ = _proj(name, _sha(name), _check_method(method))
    return viz.scatter_groups(_groups(emb, digit_points(name).labels), height=height)


def projection_scores(name: str = DIGITS_PROJ) -> dict[str, dict[str, float]]:
    """For each shipped projection, what it keeps of the 16-D codes (measured when training): trustworthiness
    (local neighbours), Spearman rho of pairwise distances (global layout), 5-NN class accuracy in 2-D."""
    out = {}
    for m in PROJECTIONS:
        s = _proj(name, _sha(name), m)[1]
        out[m] = {"trustworthiness": float(s[0]), "distance_rho": float(s[1]), "knn5_acc_2d": float(s[2])}
    return out


def _digits_page_calls(name: str) -> dict[str, Callable[[], Any]]:
    """What the digits pages do on one interaction, for `python -m engine bench` to time."""

    pts = digit_points(name)
    if name == DIGITS_MAP:
        stroke = np.zeros((280, 280, 4), np.uint8)  # a canvas drawing of a "1": one thick vertical stroke
        stroke[50:230, 130:150] = (0, 0, 0, 255)
        z = pts.z[0]

        def cold_map():
            _background.cache_clear()
            return digits_map(name, 20, drawn=z, clicked=z)

        return {
            "digits map figure (cold background)": cold_map,
            "digits map figure (warm)": lambda: digits_map(name, 20, drawn=z, clicked=z),
            "draw: canvas -> point + reconstruction": lambda: read_drawing(stroke, name),
            "click: decode large": lambda: digit_image(name, decode(name, z), 8),
            "box select: 60 thumbnails": lambda: digit_thumbnails(name, range(60)),
        }
    return {
        **{f"projection figure ({PROJECTIONS[m]})": (lambda m=m: digit_projection(m, name)) for m in PROJECTIONS},
        "lasso select: 60 thumbnails": lambda: digit_thumbnails(name, range(60)),
    }


page_calls(DIGITS_MAP)(lambda: _digits_page_calls(DIGITS_MAP))
page_calls(DIGITS_PROJ)(lambda: _digits_page_calls(DIGITS_PROJ))
