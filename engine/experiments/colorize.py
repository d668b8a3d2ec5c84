"""Colourisation autoencoder (issue 16): gray in, colour out (`colorize-ae`).

The network sees only the CIELAB lightness L of a picture and predicts its chroma (a, b); the result is (L, a, b)
with the input's L untouched, turned into sRGB by `colour.lab_to_rgb`, which shrinks out-of-gamut chroma rather
than clipping, so the output's lightness is the input's to float precision.

Training: 64x64 crops (random flips) of the colour photos the installed packages ship, each at full and at half
size, and of rendered galaxies (30 % of a batch); never the held-out astronaut, coffee and chelsea.
Measured: mean Delta E (CIE76; with L shared it is the distance in (a, b)) and `chroma_psnr` (PSNR of (a, b)
with a peak of 100) on the held-out photos (longest side 256) and on 64 held-out galaxies, against the plain
baseline the issue names: every pixel given the mean chroma of the training crops (a faint warm tint).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

import numpy as np
import torch

from engine.data import colour
from engine.models.colorize import ColorizeConfig
from engine.registry import Bar, Experiment, register_experiment
from engine.training import TrainConfig

CROP = 64
GALAXY_SHARE = 0.3
N_GALAXIES = 512
EVAL_GALAXIES = 64


@lru_cache(maxsize=1)
def _pool() -> tuple[list[np.ndarray], np.ndarray]:
    """Lab pictures to crop from: every training photo at full and half size, then the galaxy renders (one
    (N, 64, 64, 3) array)."""
    photos = []
    for _, rgb in colour.training_photos():
        photos.append(colour.rgb_to_lab(rgb))
        photos.append(colour.rgb_to_lab(colour.resize_max(rgb, max(rgb.shape[:2]) // 2)))
    gal = colour.rgb_to_lab(colour.galaxy_rgb(N_GALAXIES, 0).reshape(-1, CROP, 3)).reshape(N_GALAXIES, CROP, CROP, 3)
    return photos, gal


def crops(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random Lab crops (n, 64, 64, 3), a share GALAXY_SHARE of them galaxies, each flipped at random."""
    photos, gal = _pool()
    out = np.empty((n, CROP, CROP, 3), np.float32)
    for k in range(n):
        if rng.random() < GALAXY_SHARE:
            c = gal[rng.integers(len(gal))]
        else:
            p = photos[rng.integers(len(photos))]
            y, x = rng.integers(p.shape[0] - CROP + 1), rng.integers(p.shape[1] - CROP + 1)
            c = p[y:y + CROP, x:x + CROP]
        out[k] = c[:, ::-1] if rng.random() < 0.5 else c
    return out


def _batches(cfg: TrainConfig, rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for _ in range(cfg.steps_per_epoch):
        lab = torch.from_numpy(crops(rng, cfg.batch_size)).permute(0, 3, 1, 2)
        yield lab[:, :1].contiguous(), lab[:, 1:].contiguous()


@lru_cache(maxsize=1)
def mean_chroma() -> tuple[float, float]:
    """The baseline's colour: the mean (a, b) over 2 000 training crops drawn as training draws them (seed 0)."""
    ab = crops(np.random.default_rng(0), 2000)[..., 1:]
    return float(ab[..., 0].mean()), float(ab[..., 1].mean())


@torch.inference_mode()
def predict_ab(model, lightness: np.ndarray) -> np.ndarray:
    """(H, W) L -> (H, W, 2) predicted (a, b)."""
    t = torch.from_numpy(np.ascontiguousarray(lightness, np.float32))[None]
    return model.chroma(t)[0].permute(1, 2, 0).numpy()


def colourise(model, lightness: np.ndarray) -> np.ndarray:
    """(H, W) L -> (H, W, 3) sRGB 0-1 whose lightness is exactly `lightness`."""
    return colour.lab_to_rgb(np.concatenate([lightness[..., None], predict_ab(model, lightness)], -1))


def baseline(lightness: np.ndarray, mean_ab: tuple[float, float] | None = None) -> np.ndarray:
    """The mean-chroma baseline: the input's L with the training set's mean (a, b) everywhere (`mean_ab`, as
    shipped in the checkpoint's extras; computed from the training crops when not given)."""
    a, b = mean_chroma() if mean_ab is None else mean_ab
    ab = np.broadcast_to(np.array([a, b], np.float32), (*lightness.shape, 2))
    return colour.lab_to_rgb(np.concatenate([lightness[..., None], ab], -1))


def delta_e_map(rgb_true: np.ndarray, rgb_out: np.ndarray) -> np.ndarray:
    """Per-pixel CIE76 Delta E between the true colours and an output, both sRGB 0-1."""
    from skimage.color import deltaE_cie76

    return deltaE_cie76(colour.rgb_to_lab(rgb_true), colour.rgb_to_lab(rgb_out)).astype(np.float32)


def chroma_psnr(rgb_true: np.ndarray, rgb_out: np.ndarray) -> float:
    """PSNR of the (a, b) channels with a peak of 100 (about the largest chroma of everyday colours)."""
    d = colour.rgb_to_lab(rgb_true)[..., 1:] - colour.rgb_to_lab(rgb_out)[..., 1:]
    return float(10 * np.log10(100.0 ** 2 / max(float((d ** 2).mean()), 1e-10)))


def _held_out_sets() -> dict[str, list[np.ndarray]]:
    return {"photos": [rgb for _, rgb in colour.held_out_photos()],
            "galaxies": list(colour.galaxy_rgb(EVAL_GALAXIES, 0, held_out=True))}


def evaluate(model, seed: int = 0, mean_ab: tuple[float, float] | None = None) -> dict[str, float]:
    """Mean Delta E and chroma PSNR of the model and the baseline on each held-out set (and per held-out photo).
    The pictures are fixed (seed unused): these are the held-out set. `mean_ab`: the baseline's chroma."""
    out: dict[str, float] = {}
    for name, pics in _held_out_sets().items():
        de_m, de_b, ps_m, ps_b = [], [], [], []
        for rgb in pics:
            lum = colour.lightness(rgb)
            m, b = colourise(model, lum), baseline(lum, mean_ab)
            de_m.append(float(delta_e_map(rgb, m).mean())), de_b.append(float(delta_e_map(rgb, b).mean()))
            ps_m.append(chroma_psnr(rgb, m)), ps_b.append(chroma_psnr(rgb, b))
        out.update({f"delta_e_{name}": np.mean(de_m), f"delta_e_baseline_{name}": np.mean(de_b),
                    f"delta_e_ratio_{name}": np.mean(de_m) / np.mean(de_b), f"chroma_psnr_{name}": np.mean(ps_m),
                    f"chroma_psnr_baseline_{name}": np.mean(ps_b)})
        if name == "photos":
            for (pname, _), dm, db in zip(colour.held_out_photos(), de_m, de_b):
                out[f"delta_e_{pname}"], out[f"delta_e_baseline_{pname}"] = dm, db
    return {k: round(float(v), 4) for k, v in out.items()}


def extras(model) -> dict[str, np.ndarray]:
    return {"mean_ab": np.array(mean_chroma(), np.float32)}


def bench(model, quick: bool = False) -> dict:
    m = evaluate(model)
    rows = [{"set": s, "model ΔE": m[f"delta_e_{s}"], "mean-chroma ΔE": m[f"delta_e_baseline_{s}"],
             "ratio": m[f"delta_e_ratio_{s}"], "model chroma PSNR": m[f"chroma_psnr_{s}"],
             "baseline chroma PSNR": m[f"chroma_psnr_baseline_{s}"]} for s in ("photos", "galaxies")]
    rows += [{"set": p, "model ΔE": m[f"delta_e_{p}"], "mean-chroma ΔE": m[f"delta_e_baseline_{p}"],
              "ratio": round(m[f"delta_e_{p}"] / m[f"delta_e_baseline_{p}"], 4)} for p in colour.HELD_OUT]
    return {"table": "held-out colourisation error (mean ΔE CIE76, lower is better)", "rows": rows}


def manifest() -> dict:
    return {"photos": [n for n, _ in colour.training_photos()], "scales": [1.0, 0.5],
            "galaxies": f"{N_GALAXIES} renders, seed 0, {GALAXY_SHARE:.0%} of each batch",
            "never_trained_on": list(colour.HELD_OUT)}


register_experiment(Experiment(
    name="colorize-ae",
    lab="colour",
    title="Colourisation: gray in, colour out",
    description="A small U-Net predicts CIELAB chroma (a, b) from lightness L, trained on crops of the bundled "
                "colour photos and rendered galaxies; the output keeps the input's lightness exactly.",
    family="colorize-unet",
    model_config=ColorizeConfig(widths=(16, 32, 64)),
    train_config=TrainConfig(epochs=24, steps_per_epoch=100, batch_size=16, lr=2e-3, warmup_steps=100),
    batches=_batches,
    evaluate=evaluate,
    data_fingerprint=colour.fingerprint,
    input_shape=(1, CROP, CROP),
    headline="delta_e_photos",
    bars=(Bar("delta_e_ratio_photos", "<=", 0.9), Bar("delta_e_ratio_galaxies", "<=", 0.7)),
    bench=bench,
    extras=extras,
    data_manifest=manifest,
    storage_dtype="float16",
))
