"""Page-facing calls of the GAN lab: the live toy GAN (one trainer per visitor) and the four galaxy GANs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

from engine.api.models import CheckpointError, checkpoints, extras, load, page_calls, sample
from engine.experiments import all_experiments

__all__ = ["CANVAS_EXTENT", "TOY_DATA", "TOY_LOSSES", "ToyFrame", "toy_frame", "toy_new", "toy_points_from_canvas",
           "toy_run", "toy_loss_image", "GALAXY_CLASSES", "GAN_METRICS", "VAE_NAME", "gan_names", "gan_titles",
           "gan_trained", "gan_samples", "gan_metrics_rows", "gan_pr_figure", "gan_replay_steps", "gan_replay",
           "gan_duplicates"]

TOY_LOSSES = {"gan": "GAN (non-saturating)", "wgan-gp": "WGAN-GP", "wgan-div": "WGAN-div"}
TOY_DATA = {"ring": "Ring of 8", "grid": "5×5 grid", "drawn": "Draw your own"}
CANVAS_EXTENT = 3.0  # the drawing canvas spans [-3, 3]^2 in data units


def toy_new(loss: str = "wgan-gp", data: str = "ring", seed: int = 0, lam: float = 10.0, k: float = 2.0,
            p: float = 6.0, lr: float = 1e-3, beta1: float = 0.5, beta2: float = 0.9, n_critic: int | None = None,
            points=(), hidden: int | None = None, batch_size: int | None = None):
    """A fresh toy GAN for one visitor (keep it in the page's session state). Bad settings raise ValueError.
    The live page trains a lighter model than the bench (64 units, batch 128) so a view update stays cheap."""
    from engine.experiments.gan_toy import PAGE_SETTINGS, ToySession, ToySettings

    pts = tuple((float(x), float(y)) for x, y in points)
    return ToySession(ToySettings(loss=loss, data=data, seed=int(seed), lam=float(lam), k=float(k), p=float(p),
                                  lr=float(lr), beta1=float(beta1), beta2=float(beta2),
                                  n_critic=None if n_critic is None else int(n_critic), points=pts,
                                  hidden=int(hidden or PAGE_SETTINGS.hidden),
                                  batch_size=int(batch_size or PAGE_SETTINGS.batch_size)))


def toy_points_from_canvas(objects: list[dict], width: int, height: int) -> list[tuple[float, float]]:
    """The points a visitor drew (streamlit-drawable-canvas "point" objects) in data units on the canvas's
    [-CANVAS_EXTENT, CANVAS_EXTENT]^2 (y up)."""
    pts = []
    for o in objects or []:
        x, y = float(o.get("left", 0)), float(o.get("top", 0))
        if o.get("originX", "left") == "left":  # fabric.js gives the bounding box's corner unless told otherwise
            r = float(o.get("radius", 0)) * float(o.get("scaleX", 1))
            x, y = x + r, y + r
        pts.append(((x / width * 2 - 1) * CANVAS_EXTENT, (1 - y / height * 2) * CANVAS_EXTENT))
    return pts


def toy_run(session, steps: int) -> None:
    """Train the visitor's toy GAN `steps` more generator steps."""
    session.run(int(steps))


@dataclass
class ToyFrame:
    image: Image.Image
    step: int
    modes: int
    n_modes: int
    hq_pct: float
    reverse_kl: float
    losses: dict[str, list[float]]  # {"step": [...], "<term>": [...]}
    critic_label: str
    train_seconds: float


_TERM_NAMES = {"d_loss": "critic loss", "g_loss": "generator loss", "w_dist": "Wasserstein estimate",
               "penalty": "gradient penalty"}


def toy_frame(session, size: int = 440) -> ToyFrame:
    """The picture and numbers of the visitor's toy GAN as it stands (no training)."""
    from engine import viz

    v = session.view()
    mix, m = session.mixture, v.metrics
    img = viz.toy_gan_frame(v.critic, v.density, v.extent, v.samples, v.arrows, v.centres, v.covered, mix.sigma,
                            normalise=v.wasserstein, size=size)
    n = len(next(iter(v.history.values()), []))
    losses = {"step": [(i + 1) * v.stride for i in range(n)]}
    losses.update({_TERM_NAMES.get(k, k): list(h) for k, h in v.history.items()})
    return ToyFrame(image=img, step=v.step, modes=int(m["modes"]), n_modes=len(mix.centres),
                    hq_pct=100 * m["hq"], reverse_kl=m["reverse_kl"], losses=losses,
                    critic_label="critic value" if v.wasserstein else "D(x): probability real",
                    train_seconds=session.seconds)


def toy_loss_image(losses: dict[str, list[float]], width: int = 360, height: int = 240):
    """The toy GAN's loss curves (`ToyFrame.losses`: "step" and one list per term) as a PIL picture."""
    from engine import viz

    return viz.line_chart_image({k: v for k, v in losses.items() if k != "step"}, losses["step"], width, height)


# --- the four galaxy GANs ---------------------------------------------------------------------------------------

GALAXY_CLASSES = ("barred spiral", "elliptical", "spiral")  # engine.data.galaxies.CLASSES, without importing it
GAN_METRICS = ("precision", "recall", "density", "coverage", "duplicate_rate", "class_share_min",
               "class_kl_uniform", "morph_w1", "class_agreement")
VAE_NAME = "galaxy-vae"


def gan_names() -> list[str]:
    """The galaxy GAN experiments, in the order the page shows them."""
    return [e.name for e in all_experiments() if e.lab == "gans"]


def gan_titles() -> dict[str, str]:
    return {e.name: e.title for e in all_experiments() if e.lab == "gans" or e.name == VAE_NAME}


def gan_trained(name: str) -> bool:
    try:
        checkpoints.verified_card(name)
        return True
    except CheckpointError:
        return False


def _grid(images: np.ndarray, cols: int, scale: int):
    from engine import viz

    n = len(images)
    rows = -(-n // cols)
    pad = np.full((rows * cols - n, *images.shape[1:]), 255, np.uint8)
    tiles = np.concatenate([images, pad]).reshape(rows, cols, *images.shape[1:])
    return viz.pixels(viz.tile(tiles, gap=1, gap_value=255), scale)


def gan_samples(name: str, seed: int = 0, n: int = 16, cls: int | None = None, scale: int = 3):
    """`n` samples of a GAN (or the galaxy VAE) from latents seeded by `seed`, as one PIL grid 4 wide. The four
    GANs share the latent size, so one seed means the same latents in each; ACGAN takes a class (else uniform)."""
    from engine.data.galaxies import to_uint8

    if not 1 <= int(n) <= 64:
        raise ValueError("Ask for 1 to 64 samples.")
    return _grid(to_uint8(sample(name, int(n), int(seed), cls)), 4, scale)


def gan_metrics_rows() -> list[dict[str, Any]]:
    """One row per trained GAN: the metrics its card records (measured at training time, `eval --json` afresh)."""
    rows = []
    for name in gan_names():
        try:
            c = checkpoints.verified_card(name)
        except CheckpointError:
            continue
        m = c.get("metrics", {})
        rows.append({"model": name, **{k: round(float(m[k]), 3) for k in GAN_METRICS if k in m},
                     "steps": c.get("steps"), "train_min": round(c.get("wall_time_s", 0) / 60, 1),
                     "bars met": all(c.get("bars", {}).values())})
    return rows


def gan_pr_figure(rows: list[dict[str, Any]]):
    """Precision against recall for the trained GANs (the top-right corner is best)."""
    import plotly.graph_objects as go

    # One trace per model with a legend: the trained GANs sit close together, where text labels would overlap.
    fig = go.Figure([go.Scatter(x=[r.get("recall")], y=[r.get("precision")], name=r["model"], mode="markers",
                                marker=dict(size=13, symbol=sym, opacity=0.85))
                     for r, sym in zip(rows, ("circle", "square", "diamond", "triangle-up", "x", "star"))])
    fig.update_layout(xaxis=dict(title="recall (diversity)", range=[0, 1.05]),
                      yaxis=dict(title="precision (fidelity)", range=[0, 1.1]), height=340,
                      legend=dict(x=0.02, y=0.02, bgcolor="rgba(255,255,255,0.7)"),
                      margin=dict(l=40, r=10, t=10, b=40))
    return fig


def gan_replay_steps(name: str) -> list[int]:
    """The generator steps at which the training snapshots of `name` were taken."""
    return [int(s) for s in extras(name).get("snapshot_steps", [])]


def gan_replay(name: str, index: int, scale: int = 3):
    """The fixed-latent samples of snapshot `index` (0 = earliest) as a PIL grid."""
    ex = extras(name)
    snaps = ex.get("snapshots")
    if snaps is None or not len(snaps):
        raise ValueError(f"'{name}' has no training snapshots; retrain it with `python -m engine train {name}`.")
    if not 0 <= int(index) < len(snaps):
        raise ValueError(f"Snapshot index must be 0..{len(snaps) - 1}.")
    return _grid(np.asarray(snaps[int(index)]), 4, scale)


@lru_cache(maxsize=16)
def _dup_groups(name: str, seed: int, directory: str) -> dict:
    from engine.experiments.gans import near_duplicate_groups

    return near_duplicate_groups(load(name), 500, seed)


def gan_duplicates(name: str, seed: int = 0, scale: int = 2) -> tuple[list[Any], float]:
    """Near-duplicate groups among 500 samples of `name` (largest first, ≤ 8 groups, ≤ 12 images each) as PIL
    strips, and the share of samples that have a near-duplicate. Cached per (model, seed): the page asks for a fixed
    seed, so only the first look at each model pays for the 500 samples and their features (~0.2 s)."""
    d = _dup_groups(name, int(seed), str(checkpoints.checkpoint_dir()))
    strips = [_grid(d["images"][g[:12]], 12, scale) for g in d["groups"]]
    return strips, d["rate"]


checkpoints.on_clear(_dup_groups.cache_clear)


@page_calls("gan-vanilla", "gan-acgan", "gan-wgan-gp", "gan-wgan-div")
def _gan_page_calls() -> dict[str, Any]:
    names = [n for n in gan_names() if gan_trained(n)]
    if not names:
        return {}
    return {"4 GANs x 16 samples": lambda: [gan_samples(n, 1) for n in names],
            "metrics table + PR plot": lambda: gan_pr_figure(gan_metrics_rows()),
            "replay one snapshot": lambda: gan_replay(names[0], 0),
            "ACGAN class picker": lambda: gan_samples("gan-acgan", 1, cls=0) if "gan-acgan" in names else None}
