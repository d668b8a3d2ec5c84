"""Letters lab: a 5x7 alphabet squeezed through a 2-D bottleneck.

`letters-ae` learns to reproduce the clean glyphs exactly; `letters-dae` learns to restore them from noisy copies
(salt-and-pepper, Gaussian, bit flips), which is what the page's editor feeds it.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from engine import baselines, checkpoints, inference
from engine.data import letters
from engine.data.noise import add_noise, bit_flips, gaussian, salt_and_pepper
from engine.metrics import binarise, exact_rate, wrong_pixels
from engine.models.mlp_ae import MLPAEConfig
from engine.registry import Bar, Experiment, register_experiment
from engine.training import TrainConfig
from engine.viz import gray_ink

SHAPE = (letters.HEIGHT, letters.WIDTH)
DRAWS = 20  # fresh noise draws per glyph in eval, as the issue defines exact_rate_*


def _clean_batches(cfg: TrainConfig, rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for _ in range(cfg.steps_per_epoch):
        x = torch.from_numpy(letters.GLYPHS[rng.integers(len(letters.CHARS), size=cfg.batch_size)])
        yield x, x


def noisy_training_batch(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n random glyphs and noisy copies: a quarter each clean-ish salt-and-pepper (p up to 0.3), Gaussian (sigma up
    to 0.5), bit flips (0-4) and untouched, so the DAE also learns to leave a clean glyph alone."""
    clean = letters.GLYPHS[rng.integers(len(letters.CHARS), size=n)]
    noisy = clean.copy()
    kind = rng.integers(4, size=n)
    sp, ga, fl = kind == 0, kind == 1, kind == 2
    noisy[sp] = salt_and_pepper(clean[sp], rng.uniform(0, 0.3, (sp.sum(), 1, 1)), rng)
    noisy[ga] = gaussian(clean[ga], rng.uniform(0, 0.5, (ga.sum(), 1, 1)), rng)
    k = rng.integers(0, 5, size=n)
    for flips in range(1, 5):
        m = fl & (k == flips)
        noisy[m] = bit_flips(clean[m], flips, rng)
    return noisy, clean


def _noisy_batches(cfg: TrainConfig, rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for _ in range(cfg.steps_per_epoch):
        noisy, clean = noisy_training_batch(rng, cfg.batch_size)
        yield torch.from_numpy(noisy), torch.from_numpy(clean)


def noisy_eval_set(kind: str, amount: float, seed: int, draws: int = DRAWS) -> tuple[np.ndarray, np.ndarray]:
    """Every glyph `draws` times with fresh noise: (noisy, clean)."""
    clean = np.repeat(letters.GLYPHS, draws, axis=0)
    return add_noise(clean, kind, amount, seed), clean


def eval_ae(model, seed: int = 0) -> dict[str, float]:
    wrong = wrong_pixels(inference.reconstruct(model, letters.GLYPHS), letters.GLYPHS)
    return {"wrong_pixels_total": int(wrong.sum()), "glyphs_exact": float((wrong == 0).mean())}


def eval_dae(model, seed: int = 0) -> dict[str, float]:
    """Exact-restore rates of the DAE and, on the very same noisy inputs, of the nearest-glyph decoder (the
    ceiling: no decoder that only sees the noisy pixels can beat template matching by much)."""
    out: dict[str, float] = {}
    for key, kind, amount in (("sp10", "salt_pepper", 0.10), ("gauss03", "gaussian", 0.3)):
        noisy, clean = noisy_eval_set(kind, amount, seed)
        out[f"exact_rate_{key}"] = exact_rate(inference.reconstruct(model, noisy), clean)
        out[f"nearest_glyph_rate_{key}"] = exact_rate(baselines.nearest_template(noisy, letters.GLYPHS), clean)
    out["wrong_pixels_clean"] = int(wrong_pixels(inference.reconstruct(model, letters.GLYPHS), letters.GLYPHS).sum())
    return out


BENCH_LEVELS = {"salt_pepper": (0.05, 0.10, 0.15, 0.20, 0.30), "gaussian": (0.1, 0.2, 0.3, 0.4, 0.5),
                "bit_flips": (1, 2, 3, 4)}


def bench_dae(model, quick: bool = False, seed: int = 7) -> dict:
    """Exact-restore rate against noise level for the DAE and the classical baselines, on the same noisy glyphs."""
    draws = 20 if quick else 100
    methods = {
        "threshold (no denoising)": baselines.threshold,
        "median 3x3": lambda x: baselines.median_filter(x, 3),
        "despeckle": baselines.despeckle,
        "nearest glyph": lambda x: baselines.nearest_template(x, letters.GLYPHS),
        "letters-dae": lambda x: inference.reconstruct(model, x),
    }
    try:  # the plain AE shows why training on noise matters; skip quietly if it is not trained

        ae = checkpoints.cached("letters-ae")[0]
        methods["letters-ae (trained clean)"] = lambda x: inference.reconstruct(ae, x)
    except ValueError:
        pass
    rows = []
    for kind, levels in BENCH_LEVELS.items():
        for level in levels:
            noisy, clean = noisy_eval_set(kind, level, seed, draws)
            rows.append({"noise": kind, "level": level,
                         **{name: exact_rate(fn(noisy), clean) for name, fn in methods.items()}})
    return {"table": "exact-restore rate (share of glyphs with 0 wrong pixels), "
                     f"{draws} draws x {len(letters.CHARS)} glyphs per cell", "rows": rows}


def nearest(images: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The glyph closest to each (binarised) image and how many pixels differ from it."""
    idx, dist = letters.nearest_glyph(binarise(images).astype(np.float32))
    return dist.round().astype(int), [letters.CHARS[i] for i in idx]


def _common(**kw) -> dict:
    return dict(lab="letters", family="mlp-ae", data_fingerprint=letters.fingerprint, input_shape=SHAPE,
                render=gray_ink, render_grid=True, map_points=lambda: (letters.GLYPHS, list(letters.CHARS)),
                nearest=nearest, **kw)


register_experiment(Experiment(
    name="letters-ae",
    title="Letters autoencoder",
    description="MLP autoencoder that squeezes 26 5x7 glyphs through a 2-D code and redraws them exactly.",
    model_config=MLPAEConfig(input_shape=SHAPE, hidden=(256, 128), latent_dim=2, latent_bound=3.0, latent_noise=0.1),
    train_config=TrainConfig(epochs=30, steps_per_epoch=100, batch_size=256, lr=3e-3),
    batches=_clean_batches,
    evaluate=eval_ae,
    headline="wrong_pixels_total",
    bars=(Bar("wrong_pixels_total", "==", 0),),
    **_common(),
))

register_experiment(Experiment(
    name="letters-dae",
    title="Letters denoising autoencoder",
    description="The same 2-D bottleneck trained noisy -> clean: restores glyphs under salt-and-pepper, Gaussian "
                "noise and bit flips.",
    model_config=MLPAEConfig(input_shape=SHAPE, hidden=(512, 256, 128), latent_dim=2, latent_bound=3.0,
                             latent_noise=0.15),
    train_config=TrainConfig(epochs=40, steps_per_epoch=200, batch_size=512, lr=2e-3),
    batches=_noisy_batches,
    evaluate=eval_dae,
    headline="exact_rate_sp10",
    bars=(Bar("exact_rate_sp10", ">=", 0.95), Bar("exact_rate_gauss03", ">=", 0.95)),
    bench=bench_dae,
    **_common(),
))
