"""Galaxy GAN lab: four GANs on the procedural galaxies, measured for diversity, not just shown.

`gan-vanilla` (DCGAN, non-saturating loss), `gan-acgan` (Odena et al., class-conditional), `gan-wgan-gp`
(lambda = 10) and `gan-wgan-div` (k = 2, p = 6) share one generator architecture and the same number of generator
steps. Evaluation: 2 000 samples against 2 000 held-out renders, in the feature space of the `galaxy-classifier`
(precision/recall/density/coverage, Naeem et al. 2020, k = 5, via the `prdc` package), class shares by that
classifier, the near-duplicate rate, and the morphology distance of engine.morphology.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from engine.data import galaxies
from engine.models.dcgan import DCGANConfig
from engine.models.gan_losses import make_loss
from engine.registry import Bar, Experiment, register_bench, register_experiment
from engine.training import AdversarialTrainer, Callback, Distributed, GANTrainConfig, Resumable

SIZE = 32  # training resolution (see docs: 64x64 was too slow for four runs on this CPU)
RENDER_SIZE = 64  # galaxies are rendered at 64 and area-averaged down, the same way for real and eval images
N_TRAIN = 10_000  # fixed training renders (cached), so a step costs the networks, not the renderer
N_EVAL = 2000
NEAREST_K = 5
STEPS = 12_000  # generator steps, the same for all four (budget: see docs, measured steps/s: WGANs ~30 min)
SNAPSHOT_EVERY = 500  # 24 replay frames
N_FIXED = 16  # fixed latents replayed on the page


@dataclass
class GalaxyGANTrain(GANTrainConfig):
    loss: str = "gan"
    loss_params: dict | None = None


def _down(x: np.ndarray) -> np.ndarray:
    """(N, 3, 64, 64) -> (N, 3, SIZE, SIZE) by area averaging."""
    f = RENDER_SIZE // SIZE
    if f == 1:
        return x
    n, c, h, w = x.shape
    return x.reshape(n, c, h // f, f, w // f, f).mean((3, 5))


@lru_cache(maxsize=1)
def _train_set() -> tuple[torch.Tensor, torch.Tensor]:
    x, y = galaxies.training_set(N_TRAIN, seed=0, size=RENDER_SIZE)
    return torch.from_numpy(_down(x) * 2 - 1).float(), torch.from_numpy(y).long()


def _real_batch(n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = _train_set()
    i = torch.randint(len(x), (n,), generator=gen)
    return x[i], y[i]


def _to_uint8(x: torch.Tensor) -> np.ndarray:
    return galaxies.to_uint8(((x.clamp(-1, 1) + 1) / 2).numpy())


class _Resume(Callback):
    """Writes the trainer's full state every `every_s` seconds (atomically), so a killed run continues with
    `train NAME --resume` where it was."""

    def __init__(self, trainer: AdversarialTrainer, r: Resumable):
        self.trainer, self.r, self.last = trainer, r, time.monotonic()

    def on_step_end(self, state) -> None:
        if state.step < state.total_steps and time.monotonic() - self.last >= self.r.every_s:
            self.trainer.save(self.r.path, self.r.fingerprint)
            self.last = time.monotonic()


def fit(model, cfg: GalaxyGANTrain, callbacks=(), resumable: Resumable | None = None,
        dist: Distributed | None = None) -> dict:
    """Train `model` adversarially under cfg.loss (under torchrun, on every rank's slice of each batch); with
    `resumable`, save the state every few minutes and, on --resume, continue from it. Returns {"step", "history",
    "extras", ...} for the card and the checkpoint."""
    loss = make_loss(cfg.loss, **(cfg.loss_params or {}))
    trainer = AdversarialTrainer(model, loss, cfg, _real_batch, callbacks, snapshot=_to_uint8, dist=dist)
    if resumable is not None and resumable.resume:
        trainer.load(resumable.path, resumable.fingerprint)
    if resumable is not None and (dist is None or dist.rank == 0):  # rank 0 writes, as in Trainer
        trainer.callbacks.append(_Resume(trainer, resumable))
    for p in model.parameters():
        p.requires_grad_(True)
    state = trainer.fit()
    snaps = state.snapshots or [(state.step, trainer.sample_fixed())]
    key = "g_loss"
    return {"step": state.step, "history": state.history.get(key, []), "seconds": state.seconds,
            "history_parts": state.history, "stride": state.stride,
            "extras": {"snapshot_steps": np.array([s for s, _ in snaps], np.int64),
                       "snapshots": np.stack([im for _, im in snaps]),  # (S, N_FIXED, H, W, 3) uint8
                       "fixed_z": trainer.fixed_z.numpy(),
                       "fixed_y": (trainer.fixed_y.numpy() if trainer.fixed_y is not None
                                   else np.zeros(N_FIXED, np.int64))}}


# ---------------------------------------------------------------------------------------------------------------
# Evaluation


def _classifier():
    from engine.checkpoints import cached

    return cached("galaxy-classifier")[0]


def _features_and_logits(clf, images01: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Classifier features and logits of images in [0, 1] at SIZE, upsampled to the classifier's 64x64."""
    out_f, out_l = [], []
    with torch.inference_mode():
        for i in range(0, len(images01), 250):
            x = torch.from_numpy(np.ascontiguousarray(images01[i:i + 250])).float()
            if x.shape[-1] != RENDER_SIZE:
                x = F.interpolate(x, size=RENDER_SIZE, mode="bilinear", align_corners=False)
            f = clf.features(x)  # the penultimate layer: the feature space of precision/recall/density/coverage
            logits = clf.head(f)
            out_f.append(f.numpy())
            out_l.append(logits.numpy())
    return np.concatenate(out_f), np.concatenate(out_l)


@lru_cache(maxsize=2)
def held_out_real(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """N_EVAL held-out renders at SIZE in [0, 1] (same downsampling as the training data), and their classes."""
    x, y = galaxies.held_out(N_EVAL, seed, RENDER_SIZE)
    return _down(x), y


def generate(model, n: int, seed: int, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """`n` samples in [0, 1] from latents seeded by `seed` (ACGAN: classes y, or uniform classes)."""
    g = torch.Generator().manual_seed(int(seed))
    z = model.sample_z(n, g)
    yt = None
    if model.cfg.n_classes:
        yt = torch.as_tensor(y) if y is not None else torch.randint(model.cfg.n_classes, (n,), generator=g)
    out = []
    with torch.inference_mode():
        for i in range(0, n, 250):
            out.append(model.to_unit(model.generate(z[i:i + 250], None if yt is None else yt[i:i + 250])).numpy())
    return np.concatenate(out), (None if yt is None else yt.numpy())


@lru_cache(maxsize=2)
def _real_features(seed: int) -> np.ndarray:
    """Classifier features of the held-out renders (cached: the page's duplicate view reuses them)."""
    return _features_and_logits(_classifier(), held_out_real(seed)[0])[0]


def duplicate_threshold(real_f: np.ndarray) -> float:
    """The 1st percentile of real-to-real nearest-neighbour distances (classifier feature space)."""
    from sklearn.neighbors import NearestNeighbors

    rd, _ = NearestNeighbors(n_neighbors=2).fit(real_f).kneighbors(real_f)
    return float(np.percentile(rd[:, 1], 1))


@lru_cache(maxsize=2)
def _real_threshold(seed: int) -> float:
    return duplicate_threshold(_real_features(seed))


def duplicate_rate(fake_f: np.ndarray, real_f: np.ndarray, thr: float | None = None) -> tuple[float, np.ndarray]:
    """Share of samples whose nearest other sample is closer than the 1st percentile of real-to-real
    nearest-neighbour distances (classifier feature space; `thr` if already known); also each sample's nearest
    other sample."""
    from sklearn.neighbors import NearestNeighbors

    thr = duplicate_threshold(real_f) if thr is None else thr
    fd, fi = NearestNeighbors(n_neighbors=2).fit(fake_f).kneighbors(fake_f)
    return float((fd[:, 1] < thr).mean()), np.where(fd[:, 1] < thr, fi[:, 1], -1)


def evaluate(model, seed: int = 0) -> dict[str, float]:
    """The card's metrics: N_EVAL samples (latents seeded by seed + 1) against N_EVAL held-out renders (seed)."""
    fake, y_req = generate(model, N_EVAL, seed + 1)
    return sample_metrics(fake, seed, y_req)


def sample_metrics(fake: np.ndarray, seed: int = 0, y_req: np.ndarray | None = None) -> dict[str, float]:
    """Every GAN metric for generated images in [0, 1] (N, 3, SIZE or RENDER_SIZE, ...) against N_EVAL held-out
    renders: prdc (k = 5) in the classifier's features, class shares, duplicate rate, morphology W1, and the
    class agreement when `y_req` (the classes asked for) is given. 64x64 images are first averaged down to SIZE,
    the way the GANs' training data was, so every model is scored through the same pipeline."""
    from prdc import compute_prdc

    from engine import morphology

    if fake.shape[-1] != SIZE:
        fake = _down(fake)
    clf = _classifier()
    real, _ = held_out_real(seed)
    rf, _ = _features_and_logits(clf, real)
    ff, fl = _features_and_logits(clf, fake)
    m = {k: float(v) for k, v in compute_prdc(real_features=rf, fake_features=ff, nearest_k=NEAREST_K).items()}
    k = fl.shape[1]
    shares = np.bincount(fl.argmax(1), minlength=k) / len(fl)
    nz = shares > 0
    m["class_share_min"] = float(shares.min())
    m["class_kl_uniform"] = float((shares[nz] * np.log(shares[nz] * k)).sum())
    m["duplicate_rate"] = duplicate_rate(ff, rf)[0]
    m["morph_w1"] = float(morphology.mean_w1(morphology.measure(fake), morphology.measure(real)))
    if y_req is not None:
        m["class_agreement"] = float((fl.argmax(1) == y_req).mean())
    return m


def bench_table(quick: bool = False) -> dict:
    """`python -m engine bench gans`: the four GANs and galaxy-vae's prior samples scored in one run, one table."""
    from engine.checkpoints import CheckpointError, cached

    n = 500 if quick else N_EVAL
    rows, notes = [], []
    for name in (*_SPECS, "galaxy-vae"):
        try:
            model, card, _ = cached(name)
        except CheckpointError as e:
            notes.append(f"  {name}: skipped ({e})")
            continue
        t = time.perf_counter()
        if name in _SPECS:
            fake, y = generate(model, n, 1)
        else:
            with torch.inference_mode():
                fake, y = model.sample(n, torch.Generator().manual_seed(1)).numpy(), None
        m = sample_metrics(fake, 0, y)
        rows.append({"model": name, **{k: round(v, 3) for k, v in m.items()},
                     "train_min": round(card.get("wall_time_s", 0) / 60, 1), "steps": card.get("steps"),
                     "eval_s": round(time.perf_counter() - t, 1)})
    cols = sorted({k for r in rows for k in r}, key=lambda k: list(rows[0]).index(k) if k in rows[0] else 99)
    rows = [{c: r.get(c, "-") for c in cols} for r in rows]
    return {"rows": rows, "notes": notes, "table": f"galaxy GANs and the VAE: {n} samples vs {N_EVAL} held-out "
            f"renders, {SIZE}x{SIZE}, classifier features (prdc k={NEAREST_K})"}


def _fingerprint() -> str:
    return f"{galaxies.fingerprint()} n={N_TRAIN} size={SIZE}"


COMMON = dict(steps=STEPS, batch_size=32, seed=0, snapshot_every=SNAPSHOT_EVERY, n_fixed=N_FIXED)
PRECISION = Bar("precision", ">=", 0.5)
_SPECS = {
    # name: (title, description, loss, loss params, critic norm, classes, n_critic, lr, betas, bars)
    "gan-vanilla": ("Vanilla DCGAN", "DCGAN with the non-saturating loss; batch norm in the discriminator.",
                    "gan", None, "batch", 0, 1, 2e-4, (0.5, 0.999), (PRECISION,)),
    "gan-acgan": ("ACGAN", "Auxiliary-classifier GAN (Odena et al.): one generator per class through a class "
                  "embedding; the discriminator's class head returns logits for cross-entropy.",
                  "acgan", None, "batch", 3, 1, 2e-4, (0.5, 0.999),
                  (PRECISION, Bar("class_agreement", ">=", 0.9))),
    "gan-wgan-gp": ("WGAN-GP", "Wasserstein GAN with gradient penalty (lambda = 10) at interpolates; critic "
                    "without batch norm.", "wgan-gp", {"lam": 10.0}, "none", 0, 5, 1e-4, (0.0, 0.9),
                    (PRECISION, Bar("recall", ">=", 0.5), Bar("coverage", ">=", 0.7))),
    "gan-wgan-div": ("WGAN-div", "Wasserstein divergence GAN (k = 2, p = 6), penalty at real and fake points; "
                     "critic without batch norm.", "wgan-div", {"k": 2.0, "p": 6.0}, "none", 0, 5, 1e-4,
                     (0.0, 0.9), (PRECISION, Bar("recall", ">=", 0.5), Bar("coverage", ">=", 0.7))),
}
WIDTH, Z_DIM = 16, 64


def model_config(name: str) -> DCGANConfig:
    s = _SPECS[name]
    return DCGANConfig(image_size=SIZE, z_dim=Z_DIM, width=WIDTH, n_classes=s[5], critic_norm=s[4])


def train_config(name: str) -> GalaxyGANTrain:
    s = _SPECS[name]
    return GalaxyGANTrain(**COMMON, loss=s[2], loss_params=s[3], n_critic=s[6], lr_g=s[7], lr_d=s[7],
                          beta1=s[8][0], beta2=s[8][1])


for _name, _s in _SPECS.items():
    register_experiment(Experiment(
        name=_name, lab="gans", title=_s[0], description=_s[1], family="dcgan",
        model_config=model_config(_name), train_config=train_config(_name),
        batches=None, fit=fit, evaluate=evaluate, data_fingerprint=_fingerprint,
        input_shape=(3, SIZE, SIZE), headline="recall", bars=_s[9],
        render=lambda x: galaxies.to_uint8(x),
    ))


def near_duplicate_groups(model, n: int = 500, seed: int = 0, max_groups: int = 8) -> dict:
    """The picture of collapse: `n` samples, linked when one is the other's nearest neighbour closer than the
    duplicate threshold (classifier features, as `duplicate_rate`); the largest linked groups first.
    Returns {"images": (n, H, W, 3) uint8, "groups": [[index, ...], ...], "rate": share of linked samples}."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    clf = _classifier()
    fake, _ = generate(model, n, seed)
    ff, _ = _features_and_logits(clf, fake)
    rate, partner = duplicate_rate(ff, _real_features(0), _real_threshold(0))
    src = np.flatnonzero(partner >= 0)
    graph = coo_matrix((np.ones(len(src)), (src, partner[src])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    groups = [np.flatnonzero(comp == c).tolist() for c in np.unique(comp[src])] if len(src) else []
    groups.sort(key=len, reverse=True)
    return {"images": galaxies.to_uint8(fake), "groups": groups[:max_groups], "rate": rate}


register_bench("gans", bench_table)
