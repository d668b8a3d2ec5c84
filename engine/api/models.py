"""The facade's generic calls, for every experiment: the catalogue, loading, encode / decode / reconstruct, latent
grids and maps, interpolation, sampling, rendering. Each lab's page-facing calls live in a module of their own
beside this one (`engine/api/<lab>.py`), which imports from here; `engine/api/__init__.py` re-exports them all.

Numpy / PIL / plotly in and out, never tensors. Models are loaded once, verified, kept in eval mode and never
mutated. Bad input raises ValueError with a message a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np
import torch

from engine import checkpoints, inference
from engine.checkpoints import CheckpointError, clear_cache
from engine.data import noise
from engine.experiments import all_experiments, get_experiment

__all__ = [
    "CheckpointError", "ExperimentInfo", "PointInfo", "PAGE_CALLS", "checkpoints", "clear_cache", "list_experiments",
    "load", "card", "extras", "page_calls", "as_batch", "encode", "decode", "reconstruct", "latent_grid",
    "interpolate", "sample", "render", "render_strip", "nearest", "training_points", "map_span", "point_info",
    "latent_map", "grid_image", "noise_kinds", "add_noise", "clicked_xy", "training_image", "latent_models",
]


# --- experiments and models ------------------------------------------------------------------------------------

@dataclass
class ExperimentInfo:
    name: str
    lab: str
    title: str
    description: str
    status: str  # "ok", "missing" or "corrupt"
    message: str = ""
    headline: str = ""
    headline_value: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    bars: dict[str, bool] = field(default_factory=dict)  # "metric op value" -> met (see `_card_bars`)


def list_experiments() -> list[ExperimentInfo]:
    """Every registered experiment with its checkpoint status and the metrics its card records."""
    infos = []
    for exp in all_experiments():
        info = ExperimentInfo(exp.name, exp.lab, exp.title, exp.description, "ok", headline=exp.headline)
        try:
            c = checkpoints.check(exp.name)
            info.metrics, info.bars = c.get("metrics", {}), _card_bars(exp, c)
            info.headline_value = info.metrics.get(exp.headline)
        except CheckpointError as e:
            info.status = "missing" if isinstance(e, checkpoints.CheckpointMissing) else "corrupt"
            info.message = str(e)
        infos.append(info)
    return infos


def _card_bars(exp, card: dict) -> dict[str, bool]:
    """Every bar the experiment has now, judged from its card: as the card records it, else on the card's metrics,
    else not met. A card older than a bar (image-denoiser-gray's predates issue 15's BM3D and flat-graphics bars)
    would otherwise show "bars met" for bars never measured on those weights; `eval` measures them."""
    recorded, metrics = card.get("bars", {}), card.get("metrics", {})
    return {str(b): recorded[str(b)] if str(b) in recorded else (b.metric in metrics and b.holds(metrics))
            for b in exp.bars}


def _loaded(name: str):
    get_experiment(name)  # unknown names get the list of known ones
    return checkpoints.cached(name)


def load(name: str):
    """The trained model of experiment `name` (cached, eval mode, verified). Raises CheckpointError (a
    ValueError) naming the command that rebuilds it when the checkpoint is missing or corrupt."""
    return _loaded(name)[0]


def card(name: str) -> dict[str, Any]:
    """The model card of a loaded checkpoint (config, training command, metrics, ...)."""
    return _loaded(name)[1]


def extras(name: str) -> dict[str, np.ndarray]:
    """Arrays precomputed at training time and shipped with the checkpoint."""
    return _loaded(name)[2]


# --- the page calls `python -m engine bench` times -----------------------------------------------------------------

PAGE_CALLS: dict[str, list[Callable[[], dict[str, Callable[[], Any]]]]] = {}


def page_calls(*names: str):
    """Decorator for a lab module: the function returns {label: zero-argument call} of what its page does for these
    experiments; `bench` times each call beside the generic ones (encode, decode, grid, ...)."""

    def deco(fn: Callable[[], dict[str, Callable[[], Any]]]):
        for name in names:
            PAGE_CALLS.setdefault(name, []).append(fn)
        return fn

    return deco


# --- inputs ----------------------------------------------------------------------------------------------------

def as_batch(name: str, x: Any) -> tuple[np.ndarray, bool]:
    """Coerce `x` (array, list, PIL image or image bytes) to a float batch (N, *input_shape) on the 0-1 scale.
    Returns the batch and whether the input was a single item (so results can be returned the same way)."""
    shape = get_experiment(name).input_shape
    if isinstance(x, (bytes, bytearray)):
        x = _image_from_bytes(x)
    if hasattr(x, "convert") and hasattr(x, "size"):  # a PIL image: grey, resized to the model's input
        if len(shape) != 2:
            raise ValueError(f"'{name}' takes {shape} arrays, not images.")
        x = np.asarray(x.convert("L").resize((shape[1], shape[0])), dtype=np.float32) / 255.0
    arr = np.asarray(x)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    try:
        arr = arr.astype(np.float32)
    except (TypeError, ValueError) as e:
        raise ValueError(f"Expected numbers for '{name}', got {arr.dtype}.") from e
    size = int(np.prod(shape))
    if arr.shape == shape or arr.shape == (size,):
        arr, single = arr.reshape(1, *shape), True
    elif arr.ndim >= 1 and arr[0].size == size:
        arr, single = arr.reshape(len(arr), *shape), False
    else:
        raise ValueError(f"'{name}' expects an array of shape {shape} (or a batch of them), got {arr.shape}.")
    if not np.isfinite(arr).all():
        raise ValueError("The input contains NaN or infinite values.")
    return np.clip(arr, 0.0, 1.0), single


def _image_from_bytes(data: bytes):
    from engine.api.uploads import open_image

    return open_image(data, 16, draft=("L", (256, 256)))  # small models: JPEG decodes at reduced size


def _as_codes(name: str, z: Any) -> tuple[np.ndarray, bool]:
    d = load(name).latent_dim
    z = np.asarray(z, dtype=np.float32)
    if z.shape == (d,):
        return z[None], True
    if z.ndim == 2 and z.shape[1] == d:
        return z, False
    raise ValueError(f"'{name}' has a {d}-D latent; got codes of shape {z.shape}.")


# --- the model calls -------------------------------------------------------------------------------------------

def encode(name: str, x: Any) -> np.ndarray:
    """Latent codes of one input (-> (d,)) or a batch (-> (N, d))."""
    batch, single = as_batch(name, x)
    z = inference.encode(load(name), batch)
    return z[0] if single else z


def decode(name: str, z: Any) -> np.ndarray:
    """Images decoded from one code (d,) or a batch (N, d), values in [0, 1]."""
    codes, single = _as_codes(name, z)
    out = inference.decode(load(name), codes)
    return out[0] if single else out


def reconstruct(name: str, x: Any) -> np.ndarray:
    """encode then decode; for a denoising model this is the denoised input."""
    batch, single = as_batch(name, x)
    out = inference.reconstruct(load(name), batch)
    return out[0] if single else out


@lru_cache(maxsize=64)
def _cached_grid(name: str, directory: str, n: int, span: float) -> np.ndarray:
    grid = inference.decode_grid(load(name), n, span)
    grid.setflags(write=False)
    return grid


def latent_grid(name: str, n: int = 15, span: float = 2.5) -> np.ndarray:
    """Decodings of an n x n grid over [-span, span]^2 of a 2-D latent: (n, n, *shape); row 0 is the top (y=+span)."""
    if load(name).latent_dim != 2:
        raise ValueError(f"'{name}' does not have a 2-D latent; a grid needs one.")
    if not (2 <= int(n) <= 60) or not (0 < float(span) <= 1000):
        raise ValueError("Grid size must be 2-60 and span in (0, 1000].")
    return _cached_grid(name, str(checkpoints.checkpoint_dir()), int(n), round(float(span), 4))


def interpolate(name: str, a: Any, b: Any, steps: int = 8, mode: str = "lerp") -> np.ndarray:
    """`steps` decodings along the latent path from input a to input b (straight line or slerp)."""
    (xa, _), (xb, _) = as_batch(name, a), as_batch(name, b)
    if not 2 <= int(steps) <= 64:
        raise ValueError("Steps must be between 2 and 64.")
    with torch.inference_mode():
        return load(name).interpolate(torch.from_numpy(xa[0]), torch.from_numpy(xb[0]), int(steps), mode).numpy()


def sample(name: str, n: int = 16, seed: int = 0, cls: int | None = None) -> np.ndarray:
    """n images decoded from prior draws (VAEs: N(0, I), the training prior; the galaxies' learned prior is
    `galaxy_samples`). `cls` is for class-conditional models (GANs)."""
    model = load(name)
    if not hasattr(model, "sample"):
        raise ValueError(f"'{name}' is not a generative model; sampling needs a VAE or a GAN.")
    g = torch.Generator().manual_seed(int(seed))
    if cls is not None:
        k = int(getattr(model, "n_classes", 0) or 0)
        if not k:
            raise ValueError(f"'{name}' is not class-conditional.")
        if not 0 <= int(cls) < k:
            raise ValueError(f"'{name}' has classes 0..{k - 1}; got {cls}.")
        with torch.inference_mode():
            return model.sample(int(n), g, y=torch.full((int(n),), int(cls))).numpy()
    with torch.inference_mode():
        return model.sample(int(n), g).numpy()


# --- what the pages show (engine.viz is imported where used: it brings plotly, ~0.5 s of start-up) ---------------

@dataclass
class PointInfo:
    """A decoded latent point: the picture, the closest training item and how many pixels it differs by."""

    z: np.ndarray
    image: np.ndarray
    nearest: str
    distance: int


def render(name: str, x: Any, scale: int = 16) -> Any:
    """One input or decoding of `name` as a crisp PIL image, `scale` screen pixels per model pixel."""
    from engine import viz

    batch, _ = as_batch(name, x)
    exp = get_experiment(name)
    return viz.pixels(exp.render(batch)[0], scale, grid=exp.render_grid)


def render_strip(name: str, xs: Any, max_width: int = 860, max_scale: int = 8) -> Any:
    """A row of inputs/decodings as one PIL image (interpolations, galleries), at the largest whole-pixel scale
    that fits `max_width` screen pixels, so the pixel art stays crisp instead of being resized by the browser."""
    from engine import viz

    batch, _ = as_batch(name, xs)
    strip = viz.strip(get_experiment(name).render(batch))
    return viz.pixels(strip, max(1, min(max_scale, max_width // strip.shape[1])))


def nearest(name: str, x: Any) -> tuple[int, str]:
    """The training item closest to image x (after binarising) and the number of pixels between them."""
    batch, _ = as_batch(name, x)
    dist, labels = get_experiment(name).nearest(batch)
    return int(dist[0]), labels[0]


def training_points(name: str) -> tuple[np.ndarray, list[str]]:
    """Latent codes of the training items drawn on the map, with their labels."""
    return _training_points(name, str(checkpoints.checkpoint_dir()))


@lru_cache(maxsize=None)
def _training_points(name: str, directory: str) -> tuple[np.ndarray, list[str]]:
    images, labels = get_experiment(name).map_points()
    return inference.encode(load(name), images), list(labels)


def map_span(name: str) -> float:
    """A span that shows every training point with a margin (for models whose latent is not N(0, I))."""
    return inference.span_covering(training_points(name)[0])


def point_info(name: str, z: Any) -> PointInfo:
    """Decode one latent point and say which training item it is closest to."""
    image = decode(name, z)
    dist, label = nearest(name, image)
    return PointInfo(np.asarray(z, dtype=np.float32), image, label, dist)


def latent_map(name: str, n: int = 20, span: float | None = None, current: Any = None, clicked: Any = None,
               opacity: float = 0.55):
    """The plotly map of a 2-D latent: decoded grid underneath, training items as labelled points, the current
    input (a code) as a star and the last clicked code as a ring. Clicks anywhere are reported as selections."""
    from engine import viz

    span = map_span(name) if span is None else float(span)
    background = viz.tile_grid(latent_grid(name, n, span), get_experiment(name).render)
    codes, labels = training_points(name)
    return viz.latent_map(codes, labels, background, span, n,
                          None if current is None else np.asarray(current),
                          None if clicked is None else np.asarray(clicked), opacity=opacity)


def grid_image(name: str, n: int = 15, span: float | None = None, scale: int = 4) -> Any:
    """The decoded latent grid as one picture (thin lines between cells)."""
    from engine import viz

    span = map_span(name) if span is None else float(span)
    return viz.pixels(viz.tile_grid(latent_grid(name, n, span), get_experiment(name).render), scale)


def noise_kinds() -> dict[str, dict[str, Any]]:
    """The noise models a page can offer: name -> label, unit, default, max and step of its amount."""
    return {k: dict(label=v[1], unit=v[2], default=v[3], max=v[4], step=v[5]) for k, v in noise.NOISES.items()}


def add_noise(x: Any, kind: str, amount: float, seed: int) -> np.ndarray:
    """Noise of the given kind and amount, reproducible by seed, on a 0-1 image (or batch)."""
    return noise.add_noise(np.asarray(x, dtype=np.float32), kind, amount, int(seed))


def clicked_xy(event: Any) -> np.ndarray | None:
    """The latent (x, y) a person clicked, from a Streamlit plotly selection event (None if no click)."""
    from engine import viz

    return viz.clicked_xy(event)


def training_image(name: str, label: str) -> np.ndarray:
    """The training item of `name` with this label (a glyph, a base emoji design)."""
    images, labels = get_experiment(name).map_points()
    if label not in labels:
        raise ValueError(f"'{name}' has no training item {label!r}.")
    return np.asarray(images[labels.index(label)], dtype=np.float32)


# Decoded grids and map points are computed from a loaded model: forget them whenever the models are forgotten.
checkpoints.on_clear(_cached_grid.cache_clear)
checkpoints.on_clear(_training_points.cache_clear)


def latent_models(dim: int = 2) -> list[str]:
    """Experiments whose shipped model has a `dim`-dimensional latent (those a latent explorer can map), in
    catalogue order; models without a checkpoint are left out."""
    return [i.name for i in list_experiments()
            if i.status == "ok" and getattr(load(i.name), "latent_dim", None) == dim]
