"""Sparse autoencoders on the digits (issue 16): an overcomplete code of 128 units with an L1 penalty, one member
per penalty strength, all in one checkpoint (`digits-sparse`).

Measured per strength on the 1 000 test digits: `active_units_mean` (units with z > 0 per digit), `recon_mse`
(per pixel) and `linear_probe_acc` (logistic regression fitted on the training digits' codes, scored on the test
digits'), with the raw-pixel probe in the same run. Unsuffixed keys are the strongest penalty's, which carries
the bar: at most 10 % of the units active on average, and a probe within 0.02 of the raw pixels'.
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np
import torch

from engine.data import digits
from engine.experiments.digits_ae import augment
from engine.models.sparse_ae import SparseAESetConfig
from engine.registry import Bar, Experiment, register_experiment
from engine.training import TrainConfig
from engine.viz import gray_ink

STRENGTHS = (0.0, 0.3, 1.0, 2.0)
PCA_KS = tuple(range(1, 65))


def _batches(cfg: TrainConfig, rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    x = torch.from_numpy(digits.load().x_train)
    order = rng.permutation(len(x))
    for i in range(cfg.steps_per_epoch):
        xb = x[order[(i * cfg.batch_size) % len(x):][:cfg.batch_size]].clone()
        half = len(xb) // 2  # half the batch warped a little: more digits than the 4 000
        xb[:half] = augment(xb[:half], rng)
        yield xb, xb


@torch.inference_mode()
def codes(model, x: np.ndarray, i: int) -> np.ndarray:
    """The code of member `i` (penalty STRENGTHS[i]) for each image: (N, units), >= 0."""
    return model.encode(torch.from_numpy(np.ascontiguousarray(x, np.float32)), i).numpy()


@torch.inference_mode()
def reconstruct(model, x: np.ndarray, i: int) -> np.ndarray:
    return model.reconstruct_i(torch.from_numpy(np.ascontiguousarray(x, np.float32)), i).numpy()


@torch.inference_mode()
def features(model, i: int) -> np.ndarray:
    """(units, 28, 28): each unit's decoder image (unit length), the picture it adds to the reconstruction."""
    return model.member(i).features().T.reshape(-1, 28, 28).numpy()


def probe(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray) -> float:
    """Accuracy of a logistic regression fitted on `train`, scored on `test` (sklearn's defaults, the same for codes
    and for pixels)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=3000)
    return float(clf.fit(train.reshape(len(train), -1), y_train).score(test.reshape(len(test), -1), y_test))


def pca_mse(x_train: np.ndarray, x_test: np.ndarray, ks=PCA_KS) -> np.ndarray:
    """Test MSE per pixel of PCA (fitted on train) with k components, for each k."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=max(ks), random_state=0).fit(x_train.reshape(len(x_train), -1))
    flat = x_test.reshape(len(x_test), -1) - pca.mean_
    out = []
    for k in ks:
        c = pca.components_[:k]
        out.append(float((((flat @ c.T) @ c - flat) ** 2).mean()))
    return np.array(out, np.float32)


def evaluate(model, seed: int = 0, n: int | None = None) -> dict[str, float]:
    """Per strength: active units, test MSE, probe accuracy; the raw-pixel probe; the bar's two numbers."""
    d = digits.load()
    x_te, y_te = d.x_test[:n], d.y_test[:n]
    out: dict[str, float] = {"raw_pixel_probe_acc": probe(d.x_train, d.y_train, x_te, y_te)}
    for i, lam in enumerate(model.cfg.strengths):
        z_te = codes(model, x_te, i)
        m = {"active_units_mean": float((z_te > 0).sum(1).mean()),
             "recon_mse": float(((reconstruct(model, x_te, i) - x_te) ** 2).mean()),
             "linear_probe_acc": probe(codes(model, d.x_train, i), d.y_train, z_te, y_te)}
        out.update({f"{k}_l{lam:g}": v for k, v in m.items()})
        if i == len(model.cfg.strengths) - 1:  # the strongest penalty: the unsuffixed keys and the bar
            out.update(m)
            out["active_units_frac"] = m["active_units_mean"] / model.cfg.units
            out["probe_gap_vs_pixels"] = m["linear_probe_acc"] - out["raw_pixel_probe_acc"]
    return {k: round(float(v), 5) for k, v in out.items()}


def extras(model) -> dict[str, np.ndarray]:
    """For the page: PCA's test MSE for k = 1 ... 64, and per strength the mean active units and test MSE."""
    d = digits.load()
    act, mse = [], []
    for i in range(len(model.cfg.strengths)):
        act.append((codes(model, d.x_test, i) > 0).sum(1).mean())
        mse.append(((reconstruct(model, d.x_test, i) - d.x_test) ** 2).mean())
    return {"pca_ks": np.array(PCA_KS, np.int64), "pca_mse": pca_mse(d.x_train, d.x_test),
            "strengths": np.array(model.cfg.strengths, np.float32), "active_units_mean": np.array(act, np.float32),
            "recon_mse": np.array(mse, np.float32)}


def bench(model, quick: bool = False) -> dict:
    """The issue's table: per strength active units, MSE and probe accuracy; PCA's MSE at the same active count."""
    m = evaluate(model, 0, 300 if quick else None)
    d = digits.load()
    curve = pca_mse(d.x_train, d.x_test[:300 if quick else None])
    rows = []
    for lam in model.cfg.strengths:
        a = m[f"active_units_mean_l{lam:g}"]
        k = int(np.clip(round(a), 1, max(PCA_KS)))
        rows.append({"lambda": lam, "active_units_mean": round(a, 2), "active %": round(100 * a / model.cfg.units, 1),
                     "recon_mse": m[f"recon_mse_l{lam:g}"], "PCA mse at k≈active": round(float(curve[k - 1]), 5),
                     "linear_probe_acc": m[f"linear_probe_acc_l{lam:g}"]})
    rows.append({"lambda": "raw pixels", "active_units_mean": 784, "linear_probe_acc": m["raw_pixel_probe_acc"]})
    return {"table": "sparse autoencoders on the test digits, per L1 strength", "rows": rows}


register_experiment(Experiment(
    name="digits-sparse",
    lab="digits",
    title="Sparse autoencoders (L1, 4 strengths)",
    description="One-layer overcomplete autoencoders (784 -> 128 ReLU units -> 784, unit-norm features) on MNIST "
                f"digits with an L1 penalty on the code, one per strength lambda in {STRENGTHS}.",
    family="sparse-ae-set",
    model_config=SparseAESetConfig(units=128, strengths=STRENGTHS),
    train_config=TrainConfig(epochs=80, steps_per_epoch=math.ceil(4000 / 128), batch_size=128, lr=2e-3,
                             warmup_steps=50),
    batches=_batches,
    evaluate=evaluate,
    data_fingerprint=lambda: digits.load().fingerprint(),
    input_shape=(28, 28),
    headline="active_units_mean",
    bars=(Bar("active_units_frac", "<=", 0.10), Bar("probe_gap_vs_pixels", ">=", -0.02)),
    bench=bench,
    extras=extras,
    render=gray_ink,
    use_data=digits.use_data,
    storage_dtype="float16",
))
