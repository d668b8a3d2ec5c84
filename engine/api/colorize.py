"""The colourisation page's calls (`colorize-ae`): a gray (or colour, made gray) picture coloured by the network
beside the mean-chroma baseline, and the colour error (Delta E) when the original colours are known.
`engine.api` re-exports `__all__`."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from engine.api.models import card, extras, load, page_calls
from engine.data import colour
from engine.experiments import colorize as lab

__all__ = ["COLORIZE", "ColorResult", "colorize_examples", "colorize_example", "colorize_image", "delta_e_image"]

COLORIZE = "colorize-ae"
MAX_SIDE = 384  # pictures are shrunk to this longest side first: ~1 s on a laptop CPU
_MAX_BYTES = 20 * 1024 * 1024
_MAX_PIXELS = 40_000_000


@dataclass
class ColorResult:
    gray: np.ndarray  # (H, W) the input's lightness shown as gray, 0-1
    model: np.ndarray  # (H, W, 3) sRGB 0-1, lightness exactly the input's
    baseline: np.ndarray  # (H, W, 3) the input's lightness with the training set's mean chroma
    original: np.ndarray | None  # (H, W, 3) when the input had colour
    delta_e_model: np.ndarray | None  # (H, W) CIE76 Delta E against the original
    delta_e_baseline: np.ndarray | None
    lightness_error: float  # max |L(output) - L(input)|: 0 up to float rounding


def colorize_examples() -> list[str]:
    """Pictures the network never saw: the held-out photos and a held-out galaxy render."""
    return [*colour.HELD_OUT, "galaxy"]


def _run(rgb_or_gray: np.ndarray, version: str) -> ColorResult:
    a = np.asarray(rgb_or_gray, np.float32)
    has_colour = a.ndim == 3 and float(np.abs(a - a.mean(-1, keepdims=True)).max()) > 1e-3
    lum = colour.lightness(a if a.ndim == 2 else (a if has_colour else a[..., 0]))
    model = lab.colourise(load(COLORIZE), lum)
    base = lab.baseline(lum, tuple(float(v) for v in extras(COLORIZE)["mean_ab"]))
    err = float(np.abs(colour.rgb_to_lab(model)[..., 0] - lum).max())
    gray = colour.lab_to_rgb(np.stack([lum, np.zeros_like(lum), np.zeros_like(lum)], -1))[..., 0]
    if has_colour:
        return ColorResult(gray, model, base, a, lab.delta_e_map(a, model), lab.delta_e_map(a, base), err)
    return ColorResult(gray, model, base, None, None, None, err)


@lru_cache(maxsize=8)
def _example(name: str, version: str) -> ColorResult:
    if name == "galaxy":
        rgb = colour.galaxy_rgb(1, 3, held_out=True)[0]
        rgb = np.repeat(np.repeat(rgb, 4, 0), 4, 1)  # 64 -> 256: big enough to see, same colours
    else:
        rgb = dict(colour.held_out_photos(MAX_SIDE))[name]
    return _run(rgb, version)


def colorize_example(name: str) -> ColorResult:
    """A held-out picture (see `colorize_examples`) made gray and coloured again, with its colour error."""
    if name not in colorize_examples():
        raise ValueError(f"Unknown example {name!r}; choose one of {', '.join(colorize_examples())}.")
    return _example(name, card(COLORIZE)["sha256"])


def colorize_image(image: Any) -> ColorResult:
    """Colour a picture: PNG/JPEG bytes, a PIL image or an array (H, W) gray / (H, W, 3) RGB, uint8 or 0-1.
    A colour picture is made gray first (its CIELAB lightness) and its colours are used to measure the error.
    Shrunk to a longest side of 384 pixels."""
    from PIL import Image

    if isinstance(image, (bytes, bytearray)):
        if not image:
            raise ValueError("The upload is empty: choose a PNG or JPEG picture.")
        if len(image) > _MAX_BYTES:
            raise ValueError(f"The file is {len(image) / 1e6:.0f} MB; upload a picture under 20 MB.")
        try:
            img = Image.open(io.BytesIO(image))
            if img.width * img.height > _MAX_PIXELS:
                raise ValueError(f"The picture is {img.width}x{img.height}; upload one under 40 megapixels.")
            img.load()
        except ValueError:
            raise
        except Exception as e:  # PIL raises many types for broken or unknown files
            raise ValueError(f"That file is not a picture this app can read ({type(e).__name__}); try PNG or "
                             "JPEG.") from None
        image = img
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("L") if image.mode in ("L", "I", "I;16", "1") else image.convert("RGB"))
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[-1] == 4:
        a = a[..., :3]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] != 3):
        raise ValueError(f"Expected a gray (H, W) or RGB (H, W, 3) picture, got shape {a.shape}.")
    if min(a.shape[:2]) < 8:
        raise ValueError(f"The picture is {a.shape[1]}x{a.shape[0]} pixels; give one at least 8 pixels a side.")
    a = a.astype(np.float32) / 255.0 if a.dtype == np.uint8 else a.astype(np.float32)
    if not np.isfinite(a).all():
        raise ValueError("The picture contains NaN or infinite values.")
    a = np.clip(a, 0, 1)
    rgb = a if a.ndim == 3 else np.repeat(a[..., None], 3, -1)
    small = colour.resize_max(rgb, MAX_SIDE)
    return _run(small if a.ndim == 3 else small[..., 0], card(COLORIZE)["sha256"])


def delta_e_image(delta_e: np.ndarray, vmax: float = 50.0):
    """A Delta E map as a heat picture, linear: black (0) through red and yellow to white (`vmax` and above). A
    Delta E of about 2.3 is a just-noticeable difference; 50 is a different colour altogether."""
    from PIL import Image

    a = np.clip(np.asarray(delta_e, np.float32) / vmax, 0, 1)
    rgb = np.stack([np.clip(3 * a, 0, 1), np.clip(3 * a - 1, 0, 1), np.clip(3 * a - 2, 0, 1)], -1)
    return Image.fromarray((rgb * 255).round().astype(np.uint8))


@page_calls(COLORIZE)
def _page_calls():
    rng = np.random.default_rng(0)
    photo = (rng.random((300, 400, 3)) * 255).astype(np.uint8)
    return {"colorize example (cached after 1st)": lambda: colorize_example("astronaut"),
            "colorize a 300x400 RGB array": lambda: colorize_image(photo)}
