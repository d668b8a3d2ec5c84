"""Issue 15's breadth metrics for the photo denoiser: BM3D on the card's own pictures, a held-out set of photos no
model here was trained on, and a held-out flat-graphics render.

BM3D is optional (`baselines.bm3d_available`); when it is missing its keys are left out (the registry's BM3D bars
are optional and then not judged) and a note goes to stderr. BM3D is given the true sigma, the network is blind
(it estimates sigma itself), NL-means estimates it too, as everywhere else on the card. Every picture gets the
issue's noise: Gaussian, seed 0, not clipped. Run time: BM3D takes ~12 s per 512x512 gray picture and ~35 s per
512x512 colour one on this (shared) machine, so these metrics add about three minutes to `eval`.
"""

from __future__ import annotations

import sys

import numpy as np

from engine import baselines, tiling
from engine.data import images, synthetic
from engine.metrics import psnr

FLAT_SIZE, FLAT_SHAPES = 512, 24  # the held-out render: 512x512 like camera, twice the shapes of a 256 training one


def flat_eval_image(seed: int) -> np.ndarray:
    """The held-out flat-graphics picture, RGB on 0-1. In colour on purpose: in gray (its luminance) the shipped
    network already beat NL-means by ~1 dB on such renders, in colour it lost by ~2 dB (the issue's complaint),
    because saturated flat colours give the chroma planes sharp edges that photos' smooth chroma never shows."""
    return synthetic.flat_graphics(FLAT_SIZE, seed=seed, shapes=FLAT_SHAPES)


def measure_breadth(model, card: dict[str, float], flat_seed: int, noise_seed: int = 0,
                    with_bm3d: bool | None = None) -> dict[str, float]:
    """BM3D gains on camera (sigma 15/25/50) and astronaut (colour, 25) against the network PSNRs already in
    `card` (the same noisy pictures: seed `noise_seed`); then held-out photos (gray) and the flat render (colour)."""
    from engine.experiments.images import SIGMAS, noisy_copy

    bm3d = baselines.bm3d_available() if with_bm3d is None else with_bm3d
    if not bm3d:
        print("eval image-denoiser-gray: BM3D not installed (optional: pip install bm3d), so the BM3D keys "
              "(psnr_gain_vs_bm3d_*, bm3d_*, margin_bm3d_*) are skipped and their bars not judged.", file=sys.stderr)
    out: dict[str, float] = {}
    if bm3d:
        cam = images.eval_image("camera")
        for s in SIGMAS:
            out[f"bm3d_s{s}"] = psnr(cam, baselines.bm3d(noisy_copy(cam, s, noise_seed), s / 255))
            out[f"psnr_gain_vs_bm3d_s{s}"] = card[f"psnr_s{s}"] - out[f"bm3d_s{s}"]
        ast = images.eval_image("astronaut")
        out["bm3d_rgb_s25"] = psnr(ast, baselines.bm3d(noisy_copy(ast, 25, noise_seed), 25 / 255))
        out["psnr_gain_vs_bm3d_rgb_s25"] = card["psnr_rgb_s25"] - out["bm3d_rgb_s25"]
    out.update(heldout(model, noise_seed, bm3d))
    out.update(flat(model, flat_seed, noise_seed, bm3d))
    return out


def heldout(model, noise_seed: int = 0, bm3d: bool = True, sigma: int = 25) -> dict[str, float]:
    """Mean PSNR over `images.HELDOUT` (gray) at `sigma`: the network (blind), NL-means, BM3D (true sigma)."""
    from engine.experiments.images import noisy_copy

    rows = []
    for _, clean in images.heldout_images():
        noisy = noisy_copy(clean, sigma, noise_seed)
        row = [psnr(clean, tiling.denoise(model, noisy)[0]), psnr(clean, baselines.nl_means(noisy))]
        rows.append(row + ([psnr(clean, baselines.bm3d(noisy, sigma / 255))] if bm3d else []))
    mean = np.mean(rows, 0)
    out = {f"psnr_heldout_s{sigma}": mean[0], f"nlmeans_heldout_s{sigma}": mean[1],
           f"margin_nlmeans_heldout_s{sigma}": mean[0] - mean[1]}
    if bm3d:
        out[f"bm3d_heldout_s{sigma}"] = mean[2]
        out[f"margin_bm3d_heldout_s{sigma}"] = mean[0] - mean[2]
    return out


def flat(model, flat_seed: int, noise_seed: int = 0, bm3d: bool = True, sigma: int = 15) -> dict[str, float]:
    """The held-out flat-graphics render (colour) at `sigma`: the network (blind), NL-means and, for the record,
    BM3D (colour, true sigma)."""
    from engine.experiments.images import noisy_copy

    clean = flat_eval_image(flat_seed)
    noisy = noisy_copy(clean, sigma, noise_seed)
    out = {f"psnr_flat_s{sigma}": psnr(clean, tiling.denoise(model, noisy)[0]),
           f"nlmeans_flat_s{sigma}": psnr(clean, baselines.nl_means(noisy))}
    out[f"margin_nlmeans_flat_s{sigma}"] = out[f"psnr_flat_s{sigma}"] - out[f"nlmeans_flat_s{sigma}"]
    if bm3d:
        out[f"bm3d_flat_s{sigma}"] = psnr(clean, baselines.bm3d(noisy, sigma / 255))
    return out
