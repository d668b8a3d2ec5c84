"""Emoji lab: a VAE with a 2-D latent over 24 procedural faces, whose decoder draws faces it never saw."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

import numpy as np
import torch

from engine import inference
from engine.data import emoji
from engine.metrics import binarise, distinct_binary, min_hamming
from engine.models.vae import VAEConfig
from engine.registry import Bar, Experiment, register_experiment
from engine.training import TrainConfig

GRID_N, GRID_SPAN, NOVEL_MIN_PIXELS = 15, 2.5, 3  # the definition of distinct_in_grid / novel_in_grid


SHIFT_PROB = 0.5  # light augmentation: half the inputs are moved by one pixel


@lru_cache(maxsize=1)
def _train_binary() -> np.ndarray:
    return binarise(emoji.BASE).reshape(len(emoji.BASE), -1)


def nearest_training(images: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """For each image: pixels differing (after binarising) from the closest training emoji, and its name."""
    flat = binarise(images).reshape(len(images), -1)
    dist, idx = min_hamming(flat, _train_binary())
    return dist, [emoji.NAMES[i] for i in idx]


def _batches(cfg: TrainConfig, rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Inputs are the 24 designs, half of them shifted by one pixel; targets are always the centred design.
    Shifting the targets too would make the VAE spend latent space on position (shifted copies fill the plane
    and the real designs crowd into a corner); shifting only the inputs teaches the encoder to ignore it."""
    shifted = emoji.training_set(shifts=1).reshape(9, len(emoji.BASE), *emoji.SHAPE)  # [shift, design]
    for _ in range(cfg.steps_per_epoch):
        design = rng.integers(len(emoji.BASE), size=cfg.batch_size)
        shift = np.where(rng.random(cfg.batch_size) < SHIFT_PROB, rng.integers(9, size=cfg.batch_size), 4)
        yield torch.from_numpy(shifted[shift, design]), torch.from_numpy(emoji.BASE[design])


def grid_novelty(model, n: int = GRID_N, span: float = GRID_SPAN) -> tuple[int, int]:
    """(distinct, novel): distinct binarised decodings over an n x n grid on [-span, span]^2, and how many of
    those differ from every training emoji by more than NOVEL_MIN_PIXELS pixels."""
    grid = inference.decode_grid(model, n, span).reshape(n * n, *emoji.SHAPE)
    distinct = distinct_binary(grid)
    dist, _ = min_hamming(distinct, _train_binary())
    return len(distinct), int((dist > NOVEL_MIN_PIXELS).sum())


def evaluate(model, seed: int = 0) -> dict[str, float]:
    distinct, novel = grid_novelty(model)
    recon = inference.reconstruct(model, emoji.BASE)
    wrong = (binarise(recon) != binarise(emoji.BASE)).reshape(len(recon), -1).sum(1)
    return {"distinct_in_grid": distinct, "novel_in_grid": novel,
            "designs_recalled": float((wrong <= NOVEL_MIN_PIXELS).mean()),  # base designs redrawn within 3 px
            "recon_wrong_pixels_mean": float(wrong.mean())}


register_experiment(Experiment(
    name="emoji-vae",
    lab="emoji",
    title="Emoji VAE",
    description="VAE with a 2-D latent trained on 24 pixel-art faces; its decoder blends them into faces it "
                "never saw.",
    family="mlp-vae",
    model_config=VAEConfig(input_shape=emoji.SHAPE, hidden=(512, 256), latent_dim=2, beta=1.0),
    train_config=TrainConfig(epochs=40, steps_per_epoch=100, batch_size=128, lr=2e-3),
    batches=_batches,
    evaluate=evaluate,
    data_fingerprint=emoji.fingerprint,
    input_shape=emoji.SHAPE,
    headline="novel_in_grid",
    render=emoji.to_rgb,
    map_points=lambda: (emoji.BASE, list(emoji.NAMES)),
    nearest=nearest_training,
    bars=(Bar("distinct_in_grid", ">=", 30), Bar("novel_in_grid", ">=", 10)),
))
