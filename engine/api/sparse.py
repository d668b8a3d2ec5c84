"""The sparse-autoencoder page's calls (`digits-sparse`): a digit's code at one penalty strength, the learned
features, and the error-against-active-units curve beside PCA's. `engine.api` re-exports `__all__`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from engine.api.models import card, extras, load, page_calls
from engine.data import digits
from engine.experiments import digits_sparse as lab

__all__ = ["SPARSE", "SparseCode", "sparse_strengths", "sparse_code", "sparse_code_figure", "sparse_features",
           "sparse_tradeoff_figure", "sparse_metrics", "sparse_digit_image"]

SPARSE = "digits-sparse"


@dataclass
class SparseCode:
    strength: float
    index: int  # test digit
    label: int
    image: np.ndarray  # (28, 28)
    recon: np.ndarray  # (28, 28) clipped to 0-1
    code: np.ndarray  # (units,) >= 0
    active: int  # units with z > 0
    mse: float


def sparse_strengths() -> list[float]:
    """The L1 strengths lambda of the shipped members, weakest first."""
    return [float(s) for s in load(SPARSE).cfg.strengths]


def _member(strength: float) -> int:
    strengths = sparse_strengths()
    for i, s in enumerate(strengths):
        if abs(s - float(strength)) < 1e-9:
            return i
    raise ValueError(f"No model with L1 strength {strength}; choose one of {strengths}.")


def sparse_code(strength: float, index: int = 0) -> SparseCode:
    """Test digit `index` through the member with L1 strength `strength`: its code, active units and
    reconstruction."""
    i = _member(strength)
    d = digits.load()
    if not 0 <= int(index) < len(d.x_test):
        raise ValueError(f"Choose a test digit between 0 and {len(d.x_test) - 1}.")
    x = d.x_test[int(index)][None]
    model = load(SPARSE)
    z = lab.codes(model, x, i)[0]
    recon = np.clip(lab.reconstruct(model, x, i)[0], 0, 1)
    return SparseCode(float(strength), int(index), int(d.y_test[int(index)]), x[0], recon, z, int((z > 0).sum()),
                      float(((recon - x[0]) ** 2).mean()))


def sparse_code_figure(code: SparseCode):
    """The code as a bar chart: one bar per unit, most of them exactly zero."""
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=list(range(len(code.code))), y=code.code.tolist(), marker_color="#1f77b4"))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="code unit",
                      yaxis_title="activation", title=f"{code.active} of {len(code.code)} units active")
    return fig


def sparse_digit_image(x: Any, scale: int = 5):
    """A 28x28 digit as a crisp picture, dark ink on white."""
    from engine import viz

    return viz.pixels(viz.gray_ink(np.clip(np.asarray(x, np.float32).reshape(28, 28), 0, 1)), scale)


@lru_cache(maxsize=16)
def _features(strength: float, version: str, cols: int, scale: int):
    from PIL import Image

    from engine import viz

    i = _member(strength)
    model = load(SPARSE)
    f = lab.features(model, i)
    usage = (lab.codes(model, digits.load().x_test, i) > 0).mean(0)
    order = np.argsort(-usage, kind="stable")
    # Each feature on its own symmetric scale: mid-gray is 0, dark adds ink, light removes it.
    peak = np.abs(f).reshape(len(f), -1).max(1)[:, None, None]
    tiles = (1 - (0.5 + 0.5 * f / np.maximum(peak, 1e-8)))[order]
    rows = -(-len(tiles) // cols)
    pad = np.full((rows * cols - len(tiles), 28, 28), 0.5, np.float32)
    grid = np.concatenate([tiles, pad]).reshape(rows, cols, 28, 28)
    pic = viz.tile((np.clip(1 - grid, 0, 1) * 255).astype(np.uint8))
    img = Image.fromarray(255 - pic).resize((pic.shape[1] * scale, pic.shape[0] * scale), Image.NEAREST)
    return img, int((usage == 0).sum()), usage[order]


def sparse_features(strength: float, cols: int = 16, scale: int = 2) -> tuple[Any, int]:
    """Every unit's decoder image (what it adds to a reconstruction) as one tiled picture, the most used units
    first (mid-gray = 0, dark = ink added); and how many units no test digit ever activates."""
    img, dead, _ = _features(float(strength), card(SPARSE)["sha256"], int(cols), int(scale))
    return img, dead


def sparse_tradeoff_figure(highlight: float | None = None):
    """Test MSE against mean active units, one point per strength, beside PCA's MSE against its number of
    components (a PCA code of k numbers has k "active dimensions")."""
    import plotly.graph_objects as go

    ex = extras(SPARSE)
    fig = go.Figure()
    fig.add_scatter(x=ex["pca_ks"].tolist(), y=ex["pca_mse"].tolist(), mode="lines", name="PCA, k components",
                    line=dict(color="#7f7f7f"))
    fig.add_scatter(x=ex["active_units_mean"].tolist(), y=ex["recon_mse"].tolist(), mode="lines+markers+text",
                    name="sparse AE, per strength", text=[f"λ={s:g}" for s in ex["strengths"]],
                    textposition="top right", marker=dict(size=10, color="#ff7f0e"),
                    line=dict(color="#ff7f0e"))
    if highlight is not None:
        i = _member(highlight)
        fig.add_scatter(x=[float(ex["active_units_mean"][i])], y=[float(ex["recon_mse"][i])], mode="markers",
                        marker=dict(size=18, color="rgba(0,0,0,0)", line=dict(width=2, color="black")),
                        name="this strength")
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=30, b=10), xaxis=dict(title="active dimensions",
                      type="log"), yaxis=dict(title="test MSE per pixel", type="log"),
                      legend=dict(orientation="h", y=1.12))
    return fig


def sparse_metrics() -> dict[str, dict[str, float]]:
    """From the card, per strength: active units, MSE, probe accuracy; and the raw-pixel probe ("pixels")."""
    m = card(SPARSE)["metrics"]
    out = {f"{s:g}": {k: m[f"{k}_l{s:g}"] for k in ("active_units_mean", "recon_mse", "linear_probe_acc")}
           for s in sparse_strengths()}
    out["pixels"] = {"linear_probe_acc": m["raw_pixel_probe_acc"]}
    return out


@page_calls(SPARSE)
def _page_calls():
    from itertools import count

    fresh = count(0)
    strongest = sparse_strengths()[-1]
    return {"sparse code + bar chart": lambda: sparse_code_figure(sparse_code(strongest, next(fresh) % 1000)),
            "features grid (cached after 1st)": lambda: sparse_features(strongest),
            "trade-off figure": lambda: sparse_tradeoff_figure(strongest)}
