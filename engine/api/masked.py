"""The masked-autoencoder page's calls (`masked-ae`): a mask painted on the canvas or drawn at random, the model's
fill-in beside biharmonic inpainting and PCA with missing data, and the error on the hidden pixels only.
`engine.api` re-exports `__all__`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.api.models import card, extras, load, page_calls
from engine.data import digits
from engine.experiments import masked_ae as lab

__all__ = ["MASKED", "FillResult", "random_mask", "canvas_mask", "masked_fill", "masked_view", "masked_error_image",
           "masked_canvas_background", "MASK_METHODS"]

MASKED = "masked-ae"
MASK_METHODS = ("masked-ae", "biharmonic", "PCA")
CANVAS_SIDE = 224  # the page's canvas: 8 screen pixels per digit pixel


@dataclass
class FillResult:
    index: int
    label: int
    image: np.ndarray  # (28, 28) the test digit
    mask: np.ndarray  # (28, 28) 1 = hidden
    outputs: dict[str, np.ndarray]  # method -> (28, 28), visible pixels kept
    psnr: dict[str, float]  # method -> PSNR on the hidden pixels (dB)
    hidden_share: float


def random_mask(ratio: float, seed: int = 0, patch: int = lab.PATCH) -> np.ndarray:
    """A (28, 28) mask hiding round(ratio * patches) random patch x patch squares (1 = hidden)."""
    if patch not in (2, 4, 7, 14):
        raise ValueError("The patch size must be 2, 4, 7 or 14 pixels (it has to tile 28).")
    return lab.patch_mask(1, float(ratio), np.random.default_rng(int(seed)), int(patch))[0]


def canvas_mask(image: Any, threshold: float = 0.25) -> np.ndarray | None:
    """A painted canvas (RGBA array, strokes on a transparent background, any size) -> (28, 28) mask: a digit
    pixel is hidden when at least `threshold` of its area is painted. None when nothing is painted."""
    from PIL import Image

    if image is None:
        return None
    a = np.asarray(image)
    if a.ndim != 3 or a.shape[-1] != 4:
        raise ValueError(f"Expected the canvas' RGBA picture (H, W, 4), got shape {a.shape}.")
    alpha = a[..., 3].astype(np.float32) / (255.0 if a.dtype == np.uint8 else 1.0)
    if not (alpha > 0).any():
        return None
    small = np.asarray(Image.fromarray(((alpha > 0) * 255).astype(np.uint8)).resize((28, 28), Image.BOX),
                       np.float32) / 255.0
    return (small >= threshold).astype(np.float32)


def masked_fill(index: int = 0, mask: Any = None) -> FillResult:
    """Test digit `index` with `mask` (28x28, 1 = hidden) filled in by the model, biharmonic inpainting and PCA
    with missing data (as many components as won at a 50 % mask in the card's evaluation)."""
    d = digits.load()
    if not 0 <= int(index) < len(d.x_test):
        raise ValueError(f"Choose a test digit between 0 and {len(d.x_test) - 1}.")
    m = np.asarray(mask if mask is not None else np.zeros((28, 28)), np.float32)
    if m.shape != (28, 28):
        raise ValueError(f"The mask must be 28x28 (1 = hidden), not {m.shape}.")
    m = (m > 0.5).astype(np.float32)
    x = d.x_test[int(index)][None]
    ex = extras(MASKED)
    k = int(card(MASKED)["metrics"].get("pca_best_k_50", 32))
    outs = {"masked-ae": lab.fill(load(MASKED), x, m[None])[0], "biharmonic": lab.biharmonic(x, m[None])[0],
            "PCA": lab.pca_fill(x, m[None], ex["pca_components"].astype(np.float64),
                                ex["pca_mean"].astype(np.float64), k)[0]}
    outs = {k_: np.clip(v, 0, 1).astype(np.float32) for k_, v in outs.items()}
    ps = {k_: round(lab.masked_psnr(x, v[None], m[None]), 2) if m.any() else float("nan") for k_, v in outs.items()}
    return FillResult(int(index), int(d.y_test[int(index)]), x[0], m, outs, ps, float(m.mean()))


def _scaled(rgb: np.ndarray, scale: int):
    from PIL import Image

    return Image.fromarray(np.repeat(np.repeat(rgb, scale, 0), scale, 1))


def masked_view(image: Any, mask: Any = None, scale: int = 5):
    """A digit as dark ink on white, with the hidden pixels (if a mask is given) covered in a pale red."""
    ink = 1 - np.clip(np.asarray(image, np.float32).reshape(28, 28), 0, 1)
    rgb = np.repeat(ink[..., None], 3, -1)
    if mask is not None:
        hid = np.asarray(mask, np.float32).reshape(28, 28) > 0.5
        rgb[hid] = np.array([1.0, 0.78, 0.78])
    return _scaled((rgb * 255).round().astype(np.uint8), scale)


def masked_error_image(image: Any, output: Any, mask: Any, scale: int = 5, vmax: float = 0.5):
    """The absolute error on the hidden pixels only (black 0 through red and yellow to white at `vmax`); the
    visible pixels, which every method keeps as given, are light gray."""
    err = np.abs(np.asarray(output, np.float32) - np.asarray(image, np.float32)).reshape(28, 28)
    a = np.sqrt(np.clip(err / vmax, 0, 1))
    rgb = np.stack([np.clip(3 * a, 0, 1), np.clip(3 * a - 1, 0, 1), np.clip(3 * a - 2, 0, 1)], -1)
    rgb[np.asarray(mask).reshape(28, 28) <= 0.5] = 0.85
    return _scaled((rgb * 255).round().astype(np.uint8), scale)


def masked_canvas_background(index: int):
    """The test digit at the canvas' size (224x224), for painting a mask on."""
    d = digits.load()
    if not 0 <= int(index) < len(d.x_test):
        raise ValueError(f"Choose a test digit between 0 and {len(d.x_test) - 1}.")
    return masked_view(d.x_test[int(index)], None, CANVAS_SIDE // 28).convert("RGB")


@page_calls(MASKED)
def _page_calls():
    from itertools import count

    fresh = count(0)
    painted = np.zeros((CANVAS_SIDE, CANVAS_SIDE, 4), np.uint8)
    painted[60:160, 90:130, 3] = 200
    return {"random mask 0.75 + fill (3 methods)": lambda: masked_fill(next(fresh) % 1000, random_mask(0.75, 1)),
            "painted canvas -> mask + fill": lambda: masked_fill(next(fresh) % 1000, canvas_mask(painted))}
