"""Galaxies lab: a classifier of the three rendered classes and two VAEs you can walk through.

- `galaxy-classifier`: a small CNN (barred spiral / elliptical / spiral); its penultimate features are the GAN lab's
  feature space, and it judges the class of VAE samples and of points along an interpolation path.
- `galaxy-vae-seed`: the seed's MLP VAE (12288 -> 500 -> 2×50, MSE + KL) at 64×64, the reproduction and reference.
- `galaxy-vae`: a convolutional VAE with a 32-D latent, the page's model.

Training data: a pool of `POOL_N` renders (seeds < 2**31, cached as uint8 .npz), each batch drawn from it with a
random turn by a multiple of 90° and a random flip (a galaxy has no preferred orientation or handedness: 8× the
pool for free). Held-out sets use `galaxies.held_out` (seeds ≥ 2**40). Eval (`EVAL_SEED`): 3 000 renders for the
classifier; 1 000 for the VAEs' reconstructions, 2 000 prior samples against 2 000 renders for morphology and class
shares, 100 random held-out pairs for interpolation smoothness, the Hubble cutouts for `recon_psnr_real`.
"""

from __future__ import annotations

import os
import weakref
import zipfile
from functools import lru_cache, partial
from typing import Iterator

import numpy as np
import torch

from engine import inference, morphology
from engine.data import galaxies, hubble
from engine.models.cnn_classifier import ClassifierConfig
from engine.models.conv_vae_rgb import ConvVAERGBConfig
from engine.models.vae import VAEConfig
from engine.registry import EVAL_SEED, Bar, Experiment, register_experiment
from engine.training import TrainConfig

SIZE = 64
SHAPE = (3, SIZE, SIZE)
POOL_N = 30000
PCA_FIT_N = 5000  # training renders the PCA baseline is fitted on
N_RECON, N_SAMPLES, N_PAIRS, PATH_STEPS, N_CLASSIFY = 1000, 2000, 100, 16, 3000
CLASSIFIER = "galaxy-classifier"


@lru_cache(maxsize=1)
def pool() -> tuple[np.ndarray, np.ndarray]:
    """The training pool: (uint8 (POOL_N, 3, 64, 64), labels). Rendered once (~1 min) and cached as .npz."""
    path = galaxies.cache_dir() / f"galaxies-pool-{POOL_N}-{SIZE}-{galaxies.fingerprint()[9:17]}.npz"
    try:
        with np.load(path, allow_pickle=False) as f:
            return f["x"], f["y"]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        pass
    xs, ys = [], []
    for i in range(0, POOL_N, 250):  # chunks of 250: the renderer's sweet spot for cache use
        x, y = galaxies.render(250, 10_000 + i, SIZE)
        xs.append(np.round(x * 255).astype(np.uint8))
        ys.append(y)
    x, y = np.concatenate(xs), np.concatenate(ys)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    np.savez(tmp, x=x, y=y)
    os.replace(tmp, path)
    return x, y


def augment(x: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """One of the 8 symmetries of the square per batch quarter (turns by 90° and flips)."""
    out = x.clone()
    for q in np.array_split(np.arange(len(x)), 4):
        k, flip = int(rng.integers(4)), bool(rng.integers(2))
        part = torch.rot90(x[q], k, dims=(2, 3))
        out[q] = torch.flip(part, dims=(3,)) if flip else part
    return out


def _pool_batches(cfg: TrainConfig, rng: np.random.Generator):
    x, y = pool()
    for _ in range(cfg.steps_per_epoch):
        idx = rng.integers(0, len(x), cfg.batch_size)
        xb = augment(torch.from_numpy(x[idx].astype(np.float32) / 255), rng)
        yield xb, torch.from_numpy(y[idx])


def _classifier_batches(cfg: TrainConfig, rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    yield from _pool_batches(cfg, rng)


def _vae_batches(cfg: TrainConfig, rng: np.random.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for xb, _ in _pool_batches(cfg, rng):
        yield xb, xb


@torch.inference_mode()
def classify(model, x: np.ndarray, batch: int = 500) -> np.ndarray:
    """Class probabilities (N, 3) of images (N, 3, 64, 64)."""
    out = [model.probs(torch.from_numpy(np.ascontiguousarray(x[i:i + batch], np.float32)))
           for i in range(0, len(x), batch)]
    return torch.cat(out).numpy() if out else np.zeros((0, 3), np.float32)


def evaluate_classifier(model, seed: int = 0) -> dict[str, float]:
    x, y = galaxies.held_out(N_CLASSIFY, seed, SIZE)
    pred = classify(model, x).argmax(1)
    out = {"accuracy": float((pred == y).mean())}
    for c, name in enumerate(galaxies.CLASSES):
        out[f"recall_{name.replace(' ', '_')}"] = float((pred[y == c] == c).mean())
    return out


def psnr_per_image(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    mse = ((np.asarray(a, np.float64) - b) ** 2).reshape(len(a), -1).mean(1)
    return 10 * np.log10(1 / np.maximum(mse, 1e-10))


@lru_cache(maxsize=5)
def pixel_pca(k: int):
    """PCA with k components fitted on the first PCA_FIT_N training renders (the linear baseline)."""
    from sklearn.decomposition import PCA

    x = pool()[0][:PCA_FIT_N].reshape(PCA_FIT_N, -1).astype(np.float32) / 255
    return PCA(k, svd_solver="randomized", random_state=0).fit(x)


def pca_reconstruct(k: int, x: np.ndarray) -> np.ndarray:
    p = pixel_pca(k)
    flat = x.reshape(len(x), -1)
    return np.clip(p.inverse_transform(p.transform(flat)), 0, 1).reshape(x.shape).astype(np.float32)


def _batched(fn, x: np.ndarray, batch: int = 250) -> np.ndarray:
    return np.concatenate([fn(x[i:i + batch]) for i in range(0, len(x), batch)])


def _classifier_model():
    from engine import checkpoints

    return checkpoints.cached(CLASSIFIER)[0]


def interp_smoothness(model, x: np.ndarray, rng: np.random.Generator, pairs: int = N_PAIRS,
                      steps: int = PATH_STEPS) -> float:
    """Mean over random pairs of (largest step / mean step) between consecutive decoded frames of the lerp path
    between their codes; 1.0 is a perfectly even walk."""
    z = inference.encode(model, x)
    i = rng.integers(0, len(x), pairs)
    j = (i + rng.integers(1, len(x), pairs)) % len(x)  # a different galaxy
    t = np.linspace(0, 1, steps, dtype=np.float32)[None, :, None]
    path = (1 - t) * z[i][:, None] + t * z[j][:, None]  # (pairs, steps, latent)
    frames = _batched(lambda zz: inference.decode(model, zz), path.reshape(pairs * steps, -1))
    frames = frames.reshape(pairs, steps, -1)
    d = np.linalg.norm(np.diff(frames, axis=1), axis=2)  # (pairs, steps-1)
    return float(np.mean(d.max(1) / np.maximum(d.mean(1), 1e-12)))


# The learned prior: a Gaussian mixture fitted after training to the codes of the training renders (ex-post density
# estimation, Ghosh et al. 2020; Bauer & Mnih 2019 on learned priors). Fitted to one draw from each render's
# posterior, i.e. to a sample of the aggregate posterior q(z) = mean_x q(z|x), the prior that maximises the ELBO for
# the trained encoder (Hoffman & Johnson 2016). The beta-VAE's codes do not fill N(0, I): the prior's draws land
# where the decoder saw no training code and decode to smooth average light (sample_morph_w1_normal). K = 200
# components, chosen on validation draws (held-out seeds 777/778, not the eval's; the 5 000-step beta-0.3 weights):
# 20/50/100/200 gave mean morph_w1 0.263/0.263/0.262/0.237 (fitted to posterior means instead: 0.289/0.272/0.261/
# 0.261). Mixing the posteriors of 2 000 training renders directly scored 0.19, but its samples are those renders'
# reconstructions (median 40 dB from them): a replay, not a density.
PRIOR_K = 200
PRIOR_KEYS = ("prior_weights", "prior_means", "prior_scale_tril")
_fitted_priors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@torch.inference_mode()
def fit_latent_prior(model, k: int = PRIOR_K, n: int = POOL_N) -> dict[str, np.ndarray]:
    """Fit the learned prior to one posterior draw for each of the first `n` training renders: a Gaussian mixture
    with `k` full-covariance components, {"prior_weights" (k,), "prior_means" (k, latent), "prior_scale_tril"
    (k, latent, latent), the Cholesky factors}. Deterministic (seeded draws, seeded k-means start); ~1 min."""
    from sklearn.mixture import GaussianMixture

    x, gen, codes = pool()[0][:n], torch.Generator().manual_seed(0), []
    for i in range(0, len(x), 500):
        mu, logvar = model.stats(torch.from_numpy(x[i:i + 500].astype(np.float32) / 255))
        codes.append(mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=gen))
    gm = GaussianMixture(k, covariance_type="full", reg_covar=1e-5, max_iter=200, random_state=0)
    gm.fit(torch.cat(codes).numpy().astype(np.float64))
    return {"prior_weights": gm.weights_.astype(np.float32), "prior_means": gm.means_.astype(np.float32),
            "prior_scale_tril": np.linalg.cholesky(gm.covariances_).astype(np.float32)}


def prior_of(model, name: str = "galaxy-vae") -> dict[str, np.ndarray]:
    """`model`'s learned prior: for the shipped checkpoint `name`, the one in its extras (what the page draws from);
    for any other model (one just trained), `fit_latent_prior`, fitted once per model."""
    from engine import checkpoints

    try:
        shipped, _, ex = checkpoints.cached(name)
    except checkpoints.CheckpointError:  # none shipped yet (a first training run)
        shipped, ex = None, {}
    if shipped is model and all(k in ex for k in PRIOR_KEYS):
        return {k: ex[k] for k in PRIOR_KEYS}
    if model not in _fitted_priors:
        _fitted_priors[model] = fit_latent_prior(model)
    return _fitted_priors[model]


def prior_samples(model, n: int, seed: int, prior: dict[str, np.ndarray] | None = None,
                  batch: int = 500) -> np.ndarray:
    """`n` images decoded from prior draws, `batch` at a time from one generator seeded with `seed`: from the
    learned prior given its arrays (`fit_latent_prior`), else from N(0, I). The eval's, bench's and page's samples."""
    gen = torch.Generator().manual_seed(int(seed))
    mix = None if prior is None else tuple(torch.from_numpy(prior[k]) for k in PRIOR_KEYS)
    with torch.inference_mode():
        out = [model.sample(min(batch, n - i), gen, mix) for i in range(0, n, batch)]
    return torch.cat(out).numpy() if out else np.zeros((0, *model.input_shape), np.float32)


def _sample_scores(samples: np.ndarray, ref: dict[str, np.ndarray]) -> tuple[dict[str, float], np.ndarray]:
    """Per-statistic scaled W1 of the samples' morphology against `ref`, and the classifier's class shares."""
    w1 = morphology.compare(morphology.measure(samples), ref)
    return w1, np.bincount(classify(_classifier_model(), samples).argmax(1), minlength=3) / len(samples)


def evaluate_vae(model, seed: int = 0, learned_prior: bool = False) -> dict[str, float]:
    k = model.latent_dim
    x, _ = galaxies.held_out(N_RECON, seed, SIZE)
    recon = _batched(lambda a: inference.reconstruct(model, a), x)
    real = hubble.cutouts(SIZE)[0]
    ref = morphology.measure(galaxies.held_out(N_SAMPLES, seed + 1, SIZE)[0])
    prior = prior_of(model) if learned_prior else None
    w1, shares = _sample_scores(prior_samples(model, N_SAMPLES, seed, prior), ref)
    out = {
        "recon_psnr": float(psnr_per_image(recon, x).mean()),
        "recon_psnr_pca": float(psnr_per_image(pca_reconstruct(k, x), x).mean()),
        "recon_psnr_real": float(psnr_per_image(_batched(lambda a: inference.reconstruct(model, a), real),
                                                real).mean()),
        "recon_psnr_real_pca": float(psnr_per_image(pca_reconstruct(k, real), real).mean()),
        "sample_morph_w1": float(np.mean(list(w1.values()))),
        "sample_class_share_min": float(shares.min()),
        "interp_smoothness": interp_smoothness(model, x, np.random.default_rng(seed)),
    }
    out["recon_psnr_margin"] = out["recon_psnr"] - out["recon_psnr_pca"]  # the bar: >= 0.5 dB over PCA
    out.update({f"w1_{s}": v for s, v in w1.items()})
    out.update({f"sample_share_{n.replace(' ', '_')}": float(v) for n, v in zip(galaxies.CLASSES, shares)})
    if learned_prior:  # N(0, I)'s figures beside them: what the learned prior changed, in the same card
        w1n, sharesn = _sample_scores(prior_samples(model, N_SAMPLES, seed), ref)
        out["sample_morph_w1_normal"] = float(np.mean(list(w1n.values())))
        out["sample_class_share_min_normal"] = float(sharesn.min())
    return out


def morphology_floor(model, quick: bool = False, seed: int = EVAL_SEED, learned_prior: bool = False) -> dict:
    """`bench galaxy-vae`: how far from 2 000 renders, in the morphology distance of `sample_morph_w1`, are another
    draw of renders (the metric's own noise), PCA's and the VAE's reconstructions of 1 000 held-out renders, and
    the VAE's prior samples; also the same 1 000 galaxies rendered without noise (a perfect mean decoder) and PCA
    with 1-8x the latent size (how faithful a reconstruction must be for a given distance). A reconstruction is
    the closest the decoder comes to a given render, so it is the floor a prior sample can be expected to reach:
    the decoder draws smooth light, without the knots and stars that drive M20, asymmetry and Gini. With
    `learned_prior`, samples from the learned prior (`prior_of`) are listed beside those from N(0, I)."""
    k = model.latent_dim
    x, _ = galaxies.held_out(N_RECON, seed, SIZE)
    ref = morphology.measure(galaxies.held_out(N_SAMPLES, seed + 1, SIZE)[0])
    samples = {"VAE prior samples, N(0, I)": prior_samples(model, N_SAMPLES, seed)}
    if learned_prior:
        samples["VAE prior samples, learned prior"] = prior_samples(model, N_SAMPLES, seed, prior_of(model))
    # PCA with ever more components: how faithful a reconstruction must be (PSNR) to come within a given
    # morphology distance of the renders, i.e. what a bar on prior samples asks of the decoder.
    ladder = (k, 2 * k, 4 * k) if quick else (k, 2 * k, 4 * k, 8 * k)
    # Versions of x (their PSNR against x is reported), then sets that are not.
    of_x = {"noise-free renders": galaxies.held_out(N_RECON, seed, SIZE, noise=False)[0],  # a perfect mean decoder
            **{f"PCA-{j} reconstructions": pca_reconstruct(j, x) for j in ladder},
            "VAE reconstructions": _batched(lambda a: inference.reconstruct(model, a), x)}
    sets = {"renders (another draw)": galaxies.held_out(N_SAMPLES, seed + 2, SIZE)[0], **of_x,
            **samples}
    rows = []
    for name, imgs in sets.items():
        w1 = morphology.compare(morphology.measure(imgs), ref)
        psnr = float(psnr_per_image(imgs, x).mean()) if name in of_x else None
        rows.append({"set": name, "recon_psnr": None if psnr is None else round(psnr, 2),
                     "morph_w1": float(np.mean(list(w1.values()))), **{s: round(float(v), 3) for s, v in w1.items()}})
    return {"table": "morphology distance (scaled W1, mean over the statistics) to 2 000 held-out renders; "
                     "recon_psnr of the reconstructions of 1 000 held-out renders", "rows": rows}


MAP_N = 1000  # held-out renders whose codes the page's map shows (the eval's reconstruction set, EVAL_SEED)


def vae_extras(model, learned_prior: bool = False) -> dict[str, np.ndarray]:
    """Computed at training time, shipped with the weights: the map of the held-out codes (PCA and UMAP), the
    latent principal directions (traversal sliders), class means (arithmetic), the pixel PCA baseline and, with
    `learned_prior`, the learned prior (`fit_latent_prior`) the page samples from."""
    from engine.registry import EVAL_SEED

    x, y = galaxies.held_out(MAP_N, EVAL_SEED, SIZE)
    z = _batched(lambda a: inference.encode(model, a), x).astype(np.float32)
    mean = z.mean(0)
    u, s, vt = np.linalg.svd(z - mean, full_matrices=False)
    out = {
        "map_labels": y.astype(np.int64),
        "map_codes": z,
        "latent_mean": mean,
        "latent_pcs": vt.astype(np.float32),  # rows: principal directions of the codes
        "latent_pc_std": (s / np.sqrt(len(z) - 1)).astype(np.float32),
        "map_pca": ((z - mean) @ vt[:2].T).astype(np.float32),
        "class_means": np.stack([z[y == c].mean(0) for c in range(3)]).astype(np.float32),
    }
    try:
        import umap

        out["map_umap"] = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=0).fit_transform(z).astype(
            np.float32)
    except ImportError:  # umap-learn is optional at training time; the page then offers PCA only
        pass
    p = pixel_pca(model.latent_dim)
    out["pixel_pca_components"] = p.components_.astype(np.float16)
    out["pixel_pca_mean"] = p.mean_.astype(np.float16)
    if learned_prior:
        out.update(prior_of(model))
    return out


def _fingerprint() -> str:
    return f"{galaxies.fingerprint()} pool {POOL_N} x D4"


def _map_points():
    from engine.registry import EVAL_SEED

    x, y = galaxies.held_out(200, EVAL_SEED, SIZE)
    return x, [galaxies.CLASSES[c] for c in y]


register_experiment(Experiment(
    name=CLASSIFIER,
    lab="galaxies",
    title="Galaxy classifier",
    description="A small CNN telling barred spirals, ellipticals and spirals apart; judges VAE samples and paths "
                "and gives the GAN lab its feature space.",
    family="cnn-classifier",
    model_config=ClassifierConfig(input_shape=SHAPE),
    train_config=TrainConfig(epochs=10, steps_per_epoch=200, batch_size=64, lr=2e-3, weight_decay=1e-4),
    batches=_classifier_batches,
    evaluate=evaluate_classifier,
    data_fingerprint=_fingerprint,
    input_shape=SHAPE,
    headline="accuracy",
    bars=(Bar("accuracy", ">=", 0.97),),
    render=galaxies.to_uint8,
))

register_experiment(Experiment(
    name="galaxy-vae-seed",
    lab="galaxies",
    title="Galaxy VAE (seed MLP)",
    description="The seed's MLP VAE (12288 -> 500 -> 2x50, MSE + KL) on 64x64 rendered galaxies: the reference.",
    family="mlp-vae",
    model_config=VAEConfig(input_shape=SHAPE, hidden=(500,), latent_dim=50, beta=1.0, recon="mse"),
    train_config=TrainConfig(epochs=16, steps_per_epoch=200, batch_size=64, lr=1e-3, warmup_steps=200),
    batches=_vae_batches,
    evaluate=evaluate_vae,
    bench=morphology_floor,
    data_fingerprint=_fingerprint,
    input_shape=SHAPE,
    headline="recon_psnr",
    extras=vae_extras,
    render=galaxies.to_uint8,
    map_points=_map_points,
    storage_dtype="float16",
))

register_experiment(Experiment(
    name="galaxy-vae",
    lab="galaxies",
    title="Galaxy VAE",
    description="A convolutional VAE with a 32-D latent on 64x64 rendered galaxies: interpolate, traverse, sample.",
    family="conv-vae-rgb",
    # BCE, not the seed's MSE: through the sigmoid, MSE's gradient vanishes on saturated pixels and a conv decoder
    # stalled at recon 300 (worse than the mean image, 64) in trials; BCE's (p - x) gradient does not. No KL
    # warm-up: with the KL weight near 0 the codes' scale ran away (KL ~ 5e4 nats) and saturated the decoder.
    # Latent 32: PCA needs ~30 components for these images' smooth light and the VAE must still carry arm phase,
    # bar angle and inclination; 16 lost the arms in reconstructions of the seed-style MLP, 64 only adds dims the
    # KL switches off. Trained in sittings, first at beta 0.5 (samples off the data: the codes' spread 0.2-1.2 per
    # dim against the prior's 1), then `--init` at beta 1 to pull them onto the prior (5 200 steps; N(0, I) samples
    # still 0.44 from the renders in sample_morph_w1, the reconstructions 0.31). Then at beta 0.3 `--init --epochs
    # 25 --lr 3e-4` and `--init --epochs 50 --lr 3e-4` (15 000 steps, 22 min): sharper reconstructions (27.25 ->
    # 27.79 -> 28.13 dB; their morphology distance 0.31 -> 0.17), whose codes fill N(0, I) even less - the learned
    # prior (`fit_latent_prior`) samples where they are instead, the argument of Ghosh et al.'s regularised
    # autoencoders.
    model_config=ConvVAERGBConfig(input_shape=SHAPE, channels=(16, 32, 64, 128), latent_dim=32, beta=0.3,
                                  recon="bce", kl_warmup_steps=0),
    train_config=TrainConfig(epochs=5, steps_per_epoch=200, batch_size=64, lr=1e-3, warmup_steps=100),
    batches=_vae_batches,
    # Samples come from the learned prior (`prior_of`, shipped in the extras); N(0, I)'s figures stay in the
    # card as sample_morph_w1_normal / sample_class_share_min_normal.
    evaluate=partial(evaluate_vae, learned_prior=True),
    bench=partial(morphology_floor, learned_prior=True),
    data_fingerprint=_fingerprint,
    input_shape=SHAPE,
    headline="recon_psnr",
    bars=(Bar("recon_psnr_margin", ">=", 0.5), Bar("sample_morph_w1", "<=", 0.3),
          Bar("sample_class_share_min", ">=", 0.2), Bar("interp_smoothness", "<=", 2.0)),
    extras=partial(vae_extras, learned_prior=True),
    render=galaxies.to_uint8,
    map_points=_map_points,
))
