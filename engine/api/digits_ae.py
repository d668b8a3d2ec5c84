"""The digits lab's part of the facade for the denoiser, PCA vs AE and anomaly pages. `engine.api` re-exports
everything in `__all__`: pages call `api.<name>`.

Keep heavy imports (torch, sklearn, umap) inside functions so that `import engine.api` stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from engine import baselines, inference
from engine.api import uploads
from engine.api.models import card, extras, load, page_calls
from engine.data import digits
from engine.experiments import digits as vae_lab
from engine.experiments import digits_ae as lab
from engine.experiments.digits_ae import DIGIT_NOISES
from engine.metrics import psnr, ssim

__all__ = [
    "DAE", "AEK", "DenoiseResult", "AnomalyResult", "digit_noise_kinds", "denoise_digits", "denoise_digit_upload",
    "digit_strip", "pca_mse_figure", "pca_ae_reconstructions", "pca_ae_scatter", "anomaly_sets",
    "anomaly_histogram", "anomaly_roc", "anomaly_heatmap", "anomaly_threshold_default", "error_heatmap",
    "anomaly_scores", "AnomalyScore",
    "upload_to_digit", "METHODS",
]

DAE, AEK = "digits-dae", "digits-ae-k"
METHODS = ("noisy", "DAE", "NL-means", "median 3x3")
_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_MAX_PIXELS = 40_000_000


@dataclass
class DenoiseResult:
    clean: np.ndarray  # (N, 28, 28) the digits before noise (MNIST-style for an upload)
    outputs: dict[str, np.ndarray]  # method -> (N, 28, 28): "noisy", "DAE", "NL-means", "median 3x3"
    psnr: dict[str, list[float]]  # method -> per-digit PSNR (dB) against `clean`
    ssim: dict[str, list[float]]
    nlm_h: list[float] = field(default_factory=list)  # the h NL-means used on each digit


def digit_noise_kinds() -> dict[str, dict[str, Any]]:
    """The noises the denoiser was trained on: name -> label, unit, default, max and step of its amount."""

    return {k: dict(label=v[1], unit=v[2], default=v[3], max=v[4], step=v[5]) for k, v in DIGIT_NOISES.items()}


def _check_noise(kind: str, amount: float) -> None:
    kinds = digit_noise_kinds()
    if kind not in kinds:
        raise ValueError(f"Unknown noise {kind!r}; choose one of {', '.join(kinds)}.")
    if not 0 <= float(amount) <= kinds[kind]["max"]:
        raise ValueError(f"The {kinds[kind]['label']} level must be between 0 and {kinds[kind]['max']}.")


def _denoise(clean: np.ndarray, kind: str, amount: float, seed: int) -> DenoiseResult:

    noisy = lab.add_digit_noise(clean, kind, float(amount), int(seed))
    # NL-means gets the h factor that won on the eval digits; sigma is known for Gaussian noise, else estimated.
    factor = card(DAE)["metrics"]["nlm_best_h"] / 0.3
    sig = (np.full(len(noisy), float(amount)) if kind == "gaussian" and amount > 0
           else lab.estimate_sigma(noisy))
    sig = np.maximum(sig, 1e-3)
    nlm = np.stack([lab.nl_means(im[None], factor * s, s)[0] for im, s in zip(noisy, sig)])
    outs = {"noisy": noisy, "DAE": inference.reconstruct(load(DAE), noisy), "NL-means": nlm,
            "median 3x3": baselines.median_filter(noisy, 3)}
    outs = {k: np.clip(v, 0, 1).astype(np.float32) for k, v in outs.items()}
    ps = {k: [round(psnr(c, o), 2) if not np.array_equal(c, o) else float("inf") for c, o in zip(clean, v)]
          for k, v in outs.items()}
    ss = {k: [round(ssim(c, o), 3) for c, o in zip(clean, v)] for k, v in outs.items()}
    return DenoiseResult(clean, outs, ps, ss, [round(float(factor * s), 3) for s in sig])


def _version(name: str) -> str:
    """The loaded checkpoint's SHA-256: part of every cache key, so a retrained model or another checkpoint folder
    (tests) never gets a stale answer."""

    return card(name)["sha256"]


@lru_cache(maxsize=64)
def _denoise_test(kind: str, amount: float, seed: int, n: int, start: int, version: str) -> DenoiseResult:

    x = digits.load().x_test
    idx = (np.arange(n) + start) % len(x)
    return _denoise(x[idx], kind, amount, seed)


def denoise_digits(kind: str = "gaussian", amount: float = 0.3, seed: int = 0, n: int = 8,
                   start: int = 0) -> DenoiseResult:
    """`n` test digits from index `start`, noised (kind, amount, seed) and cleaned by the DAE, NL-means and a
    median filter, with PSNR/SSIM of each against the clean digit."""
    _check_noise(kind, amount)
    if not 1 <= int(n) <= 32:
        raise ValueError("Show between 1 and 32 digits.")
    return _denoise_test(kind, round(float(amount), 4), int(seed), int(n), int(start), _version(DAE))


def _upload_image(data: bytes):
    """Bytes of an uploaded file -> a PIL image, with messages a person can act on."""
    from PIL import Image

    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValueError("The upload is empty: choose a PNG or JPEG picture of one digit.")
    if len(data) > _MAX_UPLOAD_BYTES:
        raise ValueError(f"The file is {len(data) / 1e6:.0f} MB; upload a picture under 20 MB.")
    # JPEG decodes at reduced size straight away (a digit needs 28x28)
    img = uploads.open_image(data, _MAX_PIXELS / 1e6, draft=("L", (256, 256)))
    try:
        if img.mode not in ("1", "L", "LA", "P", "PA", "RGB", "RGBA", "I", "I;16", "F"):
            img = img.convert("RGB")  # LAB, CMYK, YCbCr, HSV...: what the digit reader understands
        if img.mode in ("I", "I;16", "F"):
            a = np.asarray(img, np.float64)
            if not np.isfinite(a).all():
                raise uploads.UploadError("The picture has NaN or infinite pixel values; save it as an 8-bit image.")
            lo, hi = a.min(), a.max()
            img = Image.fromarray(((a - lo) / (hi - lo if hi > lo else 1) * 255).astype(np.uint8))
    except uploads.UploadError:
        raise
    except Exception as e:  # noqa: BLE001  a mode Pillow cannot convert
        raise uploads.damaged(e) from None
    if max(img.size) > 512:  # to_mnist only needs the shape of the digit: shrink first, it is then ~10x faster
        img = img.copy()
        img.thumbnail((512, 512))
    return img


def upload_to_digit(data: bytes) -> np.ndarray:
    """An uploaded picture of one digit (any size, mode, dark-on-light or light-on-dark) as a 28x28 MNIST digit."""

    return digits.to_mnist(_upload_image(data))


def denoise_digit_upload(data: bytes, kind: str = "gaussian", amount: float = 0.0, seed: int = 0) -> DenoiseResult:
    """Your own digit: scaled and centred like MNIST, optionally noised, then cleaned by every method."""
    _check_noise(kind, amount)
    return _denoise(upload_to_digit(data)[None], kind, float(amount), int(seed))


def digit_strip(images: Any, scale: int = 4) -> Any:
    """A row of 28x28 0-1 images as one crisp PIL picture (dark ink on white, as everywhere in the app)."""
    from engine import viz

    imgs = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28)
    return viz.pixels(viz.strip(viz.gray_ink(imgs)), scale)


# --- PCA vs autoencoders ---------------------------------------------------------------------------------------

def _aek_extras() -> dict[str, np.ndarray]:

    return extras(AEK)


def pca_mse_figure():
    """Test reconstruction MSE against latent size k, PCA and the autoencoders, on one log-scaled plot."""
    import plotly.graph_objects as go

    ex = _aek_extras()
    ks = ex["ks"].tolist()
    fig = go.Figure()
    fig.add_scatter(x=ks, y=ex["mse_pca"].tolist(), name="PCA (fit on train)", mode="lines+markers")
    fig.add_scatter(x=ks, y=ex["mse_ae"].tolist(), name="conv autoencoder", mode="lines+markers")
    fig.update_layout(xaxis=dict(title="latent size k", type="log", tickvals=ks), yaxis=dict(
        title="test MSE per pixel", type="log"), height=340, margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", y=1.12))
    return fig


@dataclass
class Reconstructions:
    original: np.ndarray
    pca: np.ndarray
    ae: np.ndarray
    mse_pca: list[float]
    mse_ae: list[float]


@lru_cache(maxsize=32)
def _recon(k: int, start: int, n: int, version: str) -> Reconstructions:

    ex = _aek_extras()
    x = digits.load().x_test
    x = x[(np.arange(n) + start) % len(x)]
    flat = x.reshape(n, -1) - ex["pca_mean"]
    comps = ex["pca_components"][:k]
    pca = np.clip((flat @ comps.T) @ comps + ex["pca_mean"], 0, 1).reshape(x.shape)
    ae = lab.reconstruct_k(load(AEK), x, k)
    err = lambda r: [round(float(((a - x_) ** 2).mean()), 4) for a, x_ in zip(r, x)]  # noqa: E731
    return Reconstructions(x, pca, ae, err(pca), err(ae))


def pca_ae_reconstructions(k: int = 8, start: int = 0, n: int = 8) -> Reconstructions:
    """The same `n` test digits reconstructed by PCA and by the autoencoder with a k-number code."""
    ks = _aek_extras()["ks"].tolist()
    if int(k) not in ks:
        raise ValueError(f"k must be one of {ks}.")
    if not 1 <= int(n) <= 32:
        raise ValueError("Show between 1 and 32 digits.")
    return _recon(int(k), int(start), int(n), _version(AEK))


def pca_ae_scatter():
    """(PCA-2 figure, AE-2 figure, their 5-NN accuracies) for the 1 000 test digits coloured by class."""
    return _scatter(_version(AEK))


@lru_cache(maxsize=2)
def _scatter(version: str):
    import plotly.express as px

    ex = _aek_extras()
    labels = ex["y_test"].astype(str)
    m = card(AEK)["metrics"]
    figs = []
    for key, title in (("codes_pca2", "PCA, first 2 components"), ("codes_ae2", "autoencoder, 2-D code")):
        c = ex[key]
        fig = px.scatter(x=c[:, 0], y=c[:, 1], color=labels, category_orders={"color": [str(i) for i in range(10)]},
                         labels={"color": "digit", "x": "z1", "y": "z2"}, title=title, render_mode="webgl",
                         color_discrete_sequence=px.colors.qualitative.D3)
        fig.update_traces(marker=dict(size=5, opacity=0.8))
        fig.update_layout(height=420, margin=dict(l=10, r=10, t=40, b=10))
        figs.append(fig)
    return figs[0], figs[1], m["knn5_acc_pca2"], m["knn5_acc_ae2"]


# --- anomalies -------------------------------------------------------------------------------------------------

ANOMALY_SETS = {"letters": "letters (letters lab, MNIST-style)", "faces": "faces (LFW subset)",
                "noise": "noise images"}


@dataclass(frozen=True)
class AnomalyScore:
    """One way of scoring "how much is this not a digit": which model, where its shipped scores live."""
    model: str
    prefix: str  # extras keys: f"{prefix}_{set}" scores, f"roc_{set}" curves of the model's own extras
    auc_prefix: str  # card metric keys: f"{auc_prefix}{set}"
    label: str
    unit: str  # axis / slider title
    slider: tuple[float, float, float]  # threshold slider: min, max, step
    heat_caption: str
    heat_max: float  # per-pixel value drawn white


ANOMALY_SCORES = {
    "elbo": AnomalyScore("digits-vae16", "nelbo", "auc_", "VAE surprise: negative ELBO (digits-vae16)",
                         "negative ELBO (nats)", (20.0, 800.0, 1.0),
                         "cross-entropy beyond the pixel's own entropy (bright = surprising)", 3.0),
    "mse": AnomalyScore(AEK, "err", "recon_auc_", "reconstruction error (digits-ae-k, k = 8)",
                        "reconstruction error (MSE per pixel)", (0.001, 0.1, 0.001),
                        "squared error per pixel (bright = wrong)", 1.0),
}


def anomaly_sets() -> dict[str, str]:
    """Out-of-distribution sets the anomaly page scores against the test digits: key -> label."""
    return dict(ANOMALY_SETS)


def anomaly_scores() -> dict[str, AnomalyScore]:
    """The anomaly scores the page offers, key -> description; "elbo" (the VAE's likelihood bound) first."""
    return dict(ANOMALY_SCORES)


def _score(score: str) -> AnomalyScore:
    if score not in ANOMALY_SCORES:
        raise ValueError(f"Unknown anomaly score {score!r}; choose one of {', '.join(ANOMALY_SCORES)}.")
    return ANOMALY_SCORES[score]


def _scores_of(score: str) -> dict[str, np.ndarray]:
    """Shipped per-item scores of the test digits and every OOD set, and their ROC curves."""

    return extras(_score(score).model)


def _set_images(source: str) -> np.ndarray:

    if source == "digits":
        return digits.load().x_test
    if source not in ANOMALY_SETS:
        raise ValueError(f"Unknown set {source!r}; choose digits or one of {', '.join(ANOMALY_SETS)}.")
    return extras(ANOMALY_SCORES["elbo"].model)[f"images_{source}"].astype(np.float32) / 255.0


def anomaly_threshold_default(score: str = "elbo") -> float:
    """A threshold that lets 95 % of test digits through: a sensible starting point for the slider."""
    sc = _score(score)
    return float(np.quantile(_scores_of(score)[f"{sc.prefix}_digits"], 0.95))


# Below the axis title: the page shows the two plots side by side, and in a half-width column a legend of four
# entries wraps into rows that would cover the top of the plot and the threshold's label.
_LEGEND_BELOW = dict(orientation="h", yanchor="top", y=-0.22, x=0)


def anomaly_histogram(upload_score: float | None = None, threshold: float | None = None, score: str = "elbo"):
    """Histograms of the anomaly score (log scale) for test digits and every out-of-distribution set."""
    import plotly.graph_objects as go

    sc, ex = _score(score), _scores_of(score)
    logs = {key: np.log10(np.maximum(ex[f"{sc.prefix}_{key}"], 1e-6)) for key in ("digits", *ANOMALY_SETS)}
    lo, hi = min(v.min() for v in logs.values()), max(v.max() for v in logs.values())
    bins = dict(start=float(lo), end=float(hi), size=float(hi - lo) / 90)
    fig = go.Figure()
    for key, label in (("digits", "test digits"), *ANOMALY_SETS.items()):
        fig.add_histogram(x=logs[key].tolist(), name=label, xbins=bins, histnorm="probability", opacity=0.6)
    if threshold is not None:
        fig.add_vline(x=float(np.log10(max(threshold, 1e-6))), line_dash="dash", annotation_text="threshold")
    if upload_score is not None:
        fig.add_vline(x=float(np.log10(max(upload_score, 1e-6))), line_color="black", line_width=3,
                      annotation_text="your image")
    fig.update_layout(barmode="overlay", height=400, margin=dict(l=10, r=10, t=30, b=10),
                      xaxis_title=f"log10 {sc.unit}", yaxis_title="share of the set", legend=_LEGEND_BELOW)
    return fig


@dataclass
class RocResult:
    figure: Any
    auc: dict[str, float]  # set -> AUC (digits as negatives), from the scoring model's card
    flagged: dict[str, float]  # set -> share flagged as anomalous at the threshold (for digits: false alarms)


def anomaly_roc(threshold: float, score: str = "elbo") -> RocResult:
    """ROC curves of every set against the test digits (precomputed), with the operating point of `threshold`."""
    import plotly.graph_objects as go

    sc, ex = _score(score), _scores_of(score)
    m = card(sc.model)["metrics"]
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color="gray"), showlegend=False)
    flagged = {"digits": float((ex[f"{sc.prefix}_digits"] > threshold).mean())}
    aucs = {}
    for key, label in ANOMALY_SETS.items():
        fpr, tpr, _ = ex[f"roc_{key}"]
        aucs[key] = float(m.get(f"{sc.auc_prefix}{key}", float("nan")))
        fig.add_scatter(x=fpr.tolist(), y=tpr.tolist(), mode="lines", name=f"{label} (AUC {aucs[key]:.3f})")
        flagged[key] = float((ex[f"{sc.prefix}_{key}"] > threshold).mean())
        fig.add_scatter(x=[flagged["digits"]], y=[flagged[key]], mode="markers", marker=dict(size=10, color="black"),
                        showlegend=False, hovertext=f"threshold {threshold:.4g}")
    fig.update_layout(height=400, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="false alarms (test digits)",
                      yaxis_title="detected", legend=_LEGEND_BELOW)
    return RocResult(fig, aucs, flagged)


@dataclass
class AnomalyResult:
    image: np.ndarray  # (28, 28) what the model saw
    recon: np.ndarray  # its reconstruction
    error_map: np.ndarray  # per-pixel share of the score (squared error, or excess cross-entropy in nats)
    score: float  # the anomaly score (negative ELBO in nats, or MSE per pixel)
    digit_percentile: float  # share of test digits with a lower score


def anomaly_heatmap(source: str = "digits", index: int = 0, upload: bytes | None = None,
                    score: str = "elbo") -> AnomalyResult:
    """Score one input — item `index` of a set, or an uploaded picture (made MNIST-style) — with `score`
    ("elbo": digits-vae16's negative ELBO; "mse": reconstruction error of the k = 8 autoencoder), with its
    per-pixel map."""

    sc = _score(score)
    if upload is not None:
        x = upload_to_digit(upload)
    else:
        images = _set_images(source)
        if not 0 <= int(index) < len(images):
            raise ValueError(f"The {source} set has items 0-{len(images) - 1}.")
        x = images[int(index)]
    model = load(sc.model)
    if score == "elbo":
        recon = inference.reconstruct(model, x[None])[0]
        err = vae_lab.neg_elbo(model, x[None], per_pixel=True)[0]
        value = float(vae_lab.neg_elbo(model, x[None])[0])
    else:
        recon = lab.reconstruct_k(model, x[None], lab.ANOMALY_K)[0]
        err = (recon - x) ** 2
        value = float(err.mean())
    pct = float((_scores_of(score)[f"{sc.prefix}_digits"] < value).mean())
    return AnomalyResult(x, recon, err, value, pct)


def error_heatmap(error_map: np.ndarray, scale: int = 8, vmax: float = 1.0) -> Any:
    """Per-pixel error as a crisp heat picture: black (0) through red and yellow to white (`vmax` and above).
    The square root spreads small errors, which are most of them, over more of the colour ramp."""
    from PIL import Image

    a = np.sqrt(np.clip(np.asarray(error_map, dtype=np.float32) / vmax, 0, 1))
    rgb = np.stack([np.clip(3 * a, 0, 1), np.clip(3 * a - 1, 0, 1), np.clip(3 * a - 2, 0, 1)], -1)
    img = (rgb * 255).round().astype(np.uint8)
    return Image.fromarray(np.repeat(np.repeat(img, scale, 0), scale, 1))


def _page_calls_dae():
    from itertools import count

    fresh = count(1000)  # a new seed per call: time the computation, not the cache
    return {
        "denoise_batch(8 digits, uncached)": lambda: denoise_digits("gaussian", 0.3, next(fresh), 8),
        "denoise_upload(1 Mpx PNG)": lambda: denoise_digit_upload(_MEGAPIXEL_PNG(), "gaussian", 0.3, 0),
    }


def _page_calls_aek():
    from itertools import count

    fresh = count(0, 10)  # new digits per call: time the computation, not the cache
    return {
        "pca_vs_ae figure": lambda: pca_mse_figure(),
        "pca_vs_ae reconstructions(k=8, uncached)": lambda: pca_ae_reconstructions(8, next(fresh), 10),
        "scatter figures (PCA-2, AE-2; cached after 1st)": lambda: pca_ae_scatter(),
        **anomaly_page_calls("mse"),
    }


def anomaly_page_calls(score: str) -> dict:
    """The anomaly page's calls for one score ("elbo": digits-vae16's bench times them, "mse": digits-ae-k's)."""

    thr = {"elbo": 150.0, "mse": 0.02}[score]
    return {
        f"anomaly histogram ({score})": lambda: anomaly_histogram(None, thr, score),
        f"anomaly roc + threshold ({score})": lambda: anomaly_roc(thr, score),
        f"anomaly heatmap, set item ({score})": lambda: anomaly_heatmap("letters", 3, score=score),
        f"anomaly upload, 1 Mpx PNG ({score})": lambda: anomaly_heatmap(upload=_MEGAPIXEL_PNG(), score=score),
    }


def _megapixel_png() -> bytes:
    """A 1000x1000 photo-like PNG of a digit (dark ink on grey paper with grain): the upload the bench times."""
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    digit = np.kron(digits.load().x_test[0], np.ones((30, 30), np.float32))
    paper = np.full((1000, 1000), 0.85, np.float32)
    paper[80:80 + 840, 80:80 + 840] -= 0.7 * digit
    img = np.clip(paper + rng.normal(0, 0.03, paper.shape), 0, 1)
    buf = io.BytesIO()
    Image.fromarray((img * 255).astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


_PNG_CACHE: list[bytes] = []


def _MEGAPIXEL_PNG() -> bytes:  # noqa: N802  built once, on the first page call that needs it
    if not _PNG_CACHE:
        _PNG_CACHE.append(_megapixel_png())
    return _PNG_CACHE[0]


page_calls("digits-dae")(_page_calls_dae)
page_calls("digits-ae-k")(_page_calls_aek)
page_calls("digits-vae16")(lambda: anomaly_page_calls("elbo"))  # vae16's likelihood drives the anomaly page
