"""Digits lab part B: noises, conv models (tiny configs, save -> load), baselines, metrics and the facade calls
against tiny checkpoints written to a temp folder."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from engine import api, checkpoints
from engine.data import digits
from engine.experiments import digits as vae_lab
from engine.experiments import digits_ae as lab
from engine.experiments import get_experiment
from engine.models.conv_ae import ConvAEKConfig, ConvDAEConfig
from engine.models.conv_vae import ConvVAEConfig
from engine.registry import build_model
from engine.training import TrainConfig, Trainer, seed_everything

TINY = {"digits-dae": ConvDAEConfig(channels=(4, 8), loss="mse"),
        "digits-ae-k": ConvAEKConfig(ks=(2, 4, 8, 16, 32), width=4, hidden=16),
        "digits-vae16": ConvVAEConfig(latent_dim=16, channels=(4, 8), hidden=16)}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Tiny digits-dae, digits-ae-k and digits-vae16 trained for a few steps, saved with real metrics and extras
    (for the VAE only what the anomaly page reads: its UMAP would take a minute)."""
    d = tmp_path_factory.mktemp("digits-ck")
    mp = pytest.MonkeyPatch()
    mp.setenv("AEX_CHECKPOINTS", str(d))
    api.clear_cache()
    models = {}
    for name, cfg in TINY.items():
        exp = get_experiment(name)
        seed_everything(0)
        m = build_model(exp.family, cfg)
        Trainer(m, TrainConfig(epochs=1, steps_per_epoch=3, batch_size=32, warmup_steps=1)).fit(exp.batches)
        m.eval()
        if name == "digits-vae16":
            metrics, extras = vae_lab.anomaly_aucs(m, 5, n=100), vae_lab.anomaly_extras(m)
        else:
            metrics, extras = exp.evaluate(m, 5, n=100), exp.extras(m) if exp.extras else None
        card = {"model": exp.family, "model_config": exp.model_config_dict() | {
            k: getattr(cfg, k) for k in cfg.__dataclass_fields__}, "metrics": metrics}
        checkpoints.save(name, m, card, extras, directory=d)
        models[name] = (m, metrics)
    yield models
    mp.undo()
    api.clear_cache()


def _png(a: np.ndarray, mode: str = "L") -> bytes:
    buf = io.BytesIO()
    Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8)).convert(mode).save(buf, format="PNG")
    return buf.getvalue()


# --- noise and data --------------------------------------------------------------------------------------------

def test_keras_noise_is_the_seeds_shifted_gaussian_and_reproducible():
    x = np.zeros((200, 28, 28), np.float32)
    a, b = lab.add_digit_noise(x, "keras", 0.5, 3), lab.add_digit_noise(x, "keras", 0.5, 3)
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() <= 1
    # N(0.5, 0.5) clipped to [0, 1] from a black background: mean ~0.5 (symmetric clip around 0.5)
    assert 0.45 < a.mean() < 0.55
    with pytest.raises(ValueError, match="Unknown noise"):
        lab.add_digit_noise(x, "poisson", 0.1, 0)


def test_training_batches_mix_noises_and_keep_clean_targets():
    exp = get_experiment("digits-dae")
    x, y = next(iter(exp.batches(TrainConfig(batch_size=64, steps_per_epoch=1), np.random.default_rng(0))))
    assert x.shape == y.shape == (64, 28, 28) and x.dtype == torch.float32
    assert float(x.min()) >= 0 and float(x.max()) <= 1
    assert not torch.equal(x, y)
    train = torch.from_numpy(digits.load().x_train)
    assert all(any(torch.equal(t, row) for row in train[:4000]) for t in y[:3])  # targets are real digits


def test_augment_warps_but_keeps_shape_and_range():
    x = torch.from_numpy(digits.load().x_train[:16])
    w = lab.augment(x, np.random.default_rng(0))
    assert w.shape == x.shape and float(w.min()) >= -1e-6 and float(w.max()) <= 1 + 1e-6
    assert not torch.allclose(w, x)
    assert abs(float(w.sum() - x.sum())) / float(x.sum()) < 0.3  # about the same ink


def test_experiments_read_user_mnist_through_the_loader():
    for name in ("digits-dae", "digits-dae-seed", "digits-ae-k"):
        assert get_experiment(name).use_data is digits.use_data
    with pytest.raises(ValueError, match="does not exist"):
        get_experiment("digits-ae-k").use_data("/no/such/mnist")


def test_ood_sets_are_deterministic_images_in_range():
    letters_a, letters_b = lab.letter_images(1), lab.letter_images(1)
    assert letters_a.shape == (26 * lab.NOISE_SEED_DRAWS["letters"], 28, 28) and np.array_equal(letters_a, letters_b)
    noise = lab.noise_images(1)
    faces = lab.face_images()
    assert noise.shape[1:] == faces.shape[1:] == (28, 28) and len(faces) == 200
    for s in (letters_a, noise, faces):
        assert s.dtype == np.float32 and s.min() >= 0 and s.max() <= 1


# --- models ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(TINY))
def test_tiny_models_shapes_loss_gradients_and_save_load(name, tmp_path):
    torch.manual_seed(0)
    exp = get_experiment(name)
    m = build_model(exp.family, TINY[name])
    x = torch.rand(4, 28, 28)
    out = m(x, x)
    assert out.recon.shape == x.shape and torch.isfinite(out.loss)
    out.loss.backward()
    assert all(p.grad is not None for p in m.parameters())
    m.eval()
    checkpoints.save("t", m, {"model": exp.family, "model_config": TINY[name].__dict__}, directory=tmp_path)
    m2, _, _ = checkpoints.load("t", tmp_path)
    with torch.no_grad():
        assert torch.equal(m.reconstruct(x), m2.reconstruct(x))


def test_ae_k_has_one_submodel_per_k():
    m = build_model("conv-ae-k", TINY["digits-ae-k"]).eval()
    x = torch.rand(3, 28, 28)
    with torch.no_grad():
        for k in (2, 4, 8, 16, 32):
            assert m.encode(x, k).shape == (3, k) and m.reconstruct_k(x, k).shape == x.shape
        assert m.encode(x).shape == (3, 2)  # default_k: the 2-D scatter
    with pytest.raises(ValueError, match="latent size 3"):
        m.sub(3)
    with pytest.raises(ValueError, match="default_k"):
        ConvAEKConfig(ks=(4, 8), default_k=2)


def test_conv_dae_loss_kinds():
    with pytest.raises(ValueError, match="Unknown loss"):
        build_model("conv-dae", ConvDAEConfig(loss="l1"))(torch.rand(2, 28, 28))


# --- baselines and metrics -------------------------------------------------------------------------------------

def test_pca_truncation_matches_sklearn_and_error_falls_with_k():
    from sklearn.decomposition import PCA

    d = digits.load()
    pca = lab.fit_pca(d.x_train)
    x = d.x_test[:50]
    ref = PCA(n_components=8, random_state=0).fit(d.x_train.reshape(4000, -1))
    ours = lab.pca_reconstruct(pca, x, 8)
    theirs = ref.inverse_transform(ref.transform(x.reshape(50, -1))).reshape(x.shape)
    assert np.abs(ours - theirs).max() < 1e-3
    errs = [((lab.pca_reconstruct(pca, x, k) - x) ** 2).mean() for k in (2, 8, 32)]
    assert errs[0] > errs[1] > errs[2]


def test_nl_means_baseline_picks_its_best_h_and_beats_the_noisy_input():
    clean = digits.load().x_test[:40]
    noisy = lab.add_digit_noise(clean, "gaussian", 0.3, 0)
    factor, out = lab.best_nl_means(noisy, clean, 0.3)
    assert factor in lab.NLM_FACTORS
    scores = {f: lab.mean_psnr(clean, lab.nl_means(noisy, f * 0.3, 0.3)) for f in lab.NLM_FACTORS}
    assert lab.mean_psnr(clean, out) == pytest.approx(max(scores.values()))
    assert lab.mean_psnr(clean, out) > lab.mean_psnr(clean, noisy) + 2


def test_auc_and_knn_on_known_cases():
    assert lab.auc(np.array([0.1, 0.2]), np.array([0.3, 0.4])) == 1.0
    assert lab.auc(np.array([0.3, 0.4]), np.array([0.1, 0.2])) == 0.0
    codes = np.r_[np.zeros((10, 2)), np.ones((10, 2))]
    y = np.r_[np.zeros(10), np.ones(10)]
    assert lab.knn5(codes, y, codes, y) == 1.0


def test_eval_reports_every_metric_key(tiny):
    dae_m, aek_m = tiny["digits-dae"][1], tiny["digits-ae-k"][1]
    for key in ("psnr_gauss03", "psnr_nlm_gauss03", "psnr_gain_vs_nlm", "nlm_best_h", "psnr_median_gauss03",
                "ssim_gauss03", "ssim_nlm_gauss03", "psnr_sp10", "psnr_keras05"):
        assert np.isfinite(dae_m[key]), key
    assert dae_m["psnr_gain_vs_nlm"] == pytest.approx(dae_m["psnr_gauss03"] - dae_m["psnr_nlm_gauss03"], abs=1e-3)
    for k in (2, 4, 8, 16, 32):
        assert aek_m[f"mse_ratio_k{k}"] == pytest.approx(aek_m[f"mse_ae_k{k}"] / aek_m[f"mse_pca_k{k}"], rel=1e-3)
    for key in ("knn5_acc_ae2", "knn5_acc_pca2", "recon_auc_letters", "recon_auc_noise", "recon_auc_faces"):
        assert 0 <= aek_m[key] <= 1
    assert not any(k.startswith("auc_") for k in aek_m), "the auc_* bars are digits-vae16's, not this model's"
    assert set(tiny["digits-vae16"][1]) == {"auc_letters", "auc_noise", "auc_faces"}


# --- facade ----------------------------------------------------------------------------------------------------

def test_denoise_digits_batch_and_bad_levels(tiny):
    r = api.denoise_digits("gaussian", 0.3, 0, 4, 10)
    assert set(r.outputs) == set(api.METHODS) and r.outputs["DAE"].shape == (4, 28, 28)
    assert len(r.psnr["NL-means"]) == 4 and all(0 <= s <= 1 for s in r.ssim["median 3x3"])
    assert np.array_equal(r.clean, digits.load().x_test[10:14])
    assert np.array_equal(r.outputs["noisy"], api.denoise_digits("gaussian", 0.3, 0, 4, 10).outputs["noisy"])
    with pytest.raises(ValueError, match="between 0 and"):
        api.denoise_digits("gaussian", 0.9)
    with pytest.raises(ValueError, match="Unknown noise"):
        api.denoise_digits("speckle", 0.1)


def test_upload_any_size_and_mode_or_a_clear_error(tiny):
    digit = np.kron(digits.load().x_test[3], np.ones((20, 20)))
    for mode in ("L", "RGB", "RGBA"):
        r = api.denoise_digit_upload(_png(1 - digit, mode), "salt_pepper", 0.1, 0)  # dark ink on white paper
        assert r.clean.shape == (1, 28, 28) and r.clean.max() == pytest.approx(1, abs=0.01)
    with pytest.raises(ValueError, match="not an image"):
        api.denoise_digit_upload(b"hello, not a png", "gaussian", 0.1, 0)
    with pytest.raises(ValueError, match="blank"):
        api.denoise_digit_upload(_png(np.ones((50, 50))), "gaussian", 0.1, 0)
    with pytest.raises(ValueError, match="empty"):
        api.denoise_digit_upload(b"", "gaussian", 0.1, 0)


def test_pca_page_calls(tiny):
    r = api.pca_ae_reconstructions(4, 0, 5)
    assert r.original.shape == r.pca.shape == r.ae.shape == (5, 28, 28) and len(r.mse_ae) == 5
    with pytest.raises(ValueError, match="k must be one of"):
        api.pca_ae_reconstructions(3)
    f_pca, f_ae, acc_pca, acc_ae = api.pca_ae_scatter()
    assert len(f_pca.data) == 10 and acc_pca == tiny["digits-ae-k"][1]["knn5_acc_pca2"]
    assert [t.name for t in api.pca_mse_figure().data] == ["PCA (fit on train)", "conv autoencoder"]


@pytest.mark.parametrize("score, name, auc_key", [("elbo", "digits-vae16", "auc_"),
                                                  ("mse", "digits-ae-k", "recon_auc_")])
def test_anomaly_page_calls(tiny, score, name, auc_key):
    thr = api.anomaly_threshold_default(score)
    roc = api.anomaly_roc(thr, score)
    assert set(roc.auc) == {"letters", "faces", "noise"}
    assert roc.flagged["digits"] == pytest.approx(0.05, abs=0.01)
    assert roc.auc["letters"] == tiny[name][1][f"{auc_key}letters"]
    assert len(api.anomaly_histogram(0.01, thr, score).data) == 4
    res = api.anomaly_heatmap("faces", 7, score=score)
    assert res.error_map.shape == (28, 28) and (res.error_map >= 0).all()
    if score == "mse":
        assert res.score == pytest.approx(res.error_map.mean())
    else:  # the per-pixel excess cross-entropy is part of the negative ELBO; the rest is the pixels' entropy + KL
        assert 0 < res.error_map.sum() < res.score
    up = api.anomaly_heatmap(upload=_png(np.kron(digits.load().x_test[0], np.ones((10, 10))), "RGB"), score=score)
    assert 0 <= up.digit_percentile <= 1
    with pytest.raises(ValueError, match="items 0-"):
        api.anomaly_heatmap("letters", 5000, score=score)
    with pytest.raises(ValueError, match="Unknown set"):
        api.anomaly_heatmap("cats", 0, score=score)
    assert api.error_heatmap(res.error_map, 4).size == (112, 112)


def test_unknown_anomaly_score_is_a_clear_error(tiny):
    with pytest.raises(ValueError, match="Unknown anomaly score"):
        api.anomaly_roc(0.1, "psychic")


def test_neg_elbo_is_reconstruction_cross_entropy_plus_kl(tiny):
    """The score by hand for two digits, and its per-pixel map: zero where the reconstruction equals the input."""
    m = tiny["digits-vae16"][0]
    x = digits.load().x_test[:2]
    with torch.inference_mode():
        mu, logvar = m.stats(torch.from_numpy(x))
        p = torch.sigmoid(m.decode_logits(mu)).double()
        xt = torch.from_numpy(x).reshape(2, -1).double()
        bce = -(xt * p.log() + (1 - xt) * (1 - p).log()).sum(1)
        kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(1)
    np.testing.assert_allclose(vae_lab.neg_elbo(m, x), (bce + kl).numpy(), rtol=1e-4)
    recon = p.float().reshape(2, 28, 28).numpy()
    # the excess cross-entropy at each pixel is KL(Bernoulli(x) || Bernoulli(recon)): >= 0, 0 iff recon == x
    pix = vae_lab.neg_elbo(m, x, per_pixel=True)
    xp = x.reshape(2, -1).astype(np.float64).clip(1e-6, 1 - 1e-6)
    pp = recon.reshape(2, -1).astype(np.float64)
    kl_pix = xp * np.log(xp / pp) + (1 - xp) * np.log((1 - xp) / (1 - pp))
    np.testing.assert_allclose(pix.reshape(2, -1), np.maximum(kl_pix, 0), atol=2e-3)
