"""Page-facing calls of the GAN lab: the live toy GAN (one trainer per visitor) and the four galaxy GANs."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

__all__ = ["CANVAS_EXTENT", "TOY_DATA", "TOY_LOSSES", "ToyFrame", "toy_frame", "toy_new", "toy_points_from_canvas",
           "toy_run"]

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
