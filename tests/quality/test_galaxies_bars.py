"""The shipped galaxy models on fresh held-out renders (seed 7, not the cards' 1234): the classifier's bar, the
conv VAE's four bars, and extras that match the weights (the page reads them instead of recomputing)."""

import numpy as np
import pytest
import torch

from engine import checkpoints, inference, runs
from engine.data import galaxies
from engine.experiments import galaxies as lab
from engine.registry import EVAL_SEED

SEED = 7


@pytest.fixture(scope="module")
def vae_metrics():
    return runs.evaluate("galaxy-vae", SEED)  # as `eval` measures it: samples from the shipped learned prior


def test_classifier_accuracy_on_3000_fresh_renders():
    m = lab.evaluate_classifier(checkpoints.cached("galaxy-classifier")[0], SEED)
    assert m["accuracy"] >= 0.97, m


def test_vae_beats_pca_by_half_a_db(vae_metrics):
    assert vae_metrics["recon_psnr"] >= vae_metrics["recon_psnr_pca"] + 0.5, vae_metrics


def test_vae_samples_morphology_close_to_renders(vae_metrics):
    # Samples from the learned prior (the page's); N(0, I)'s are ~0.43-0.45 from the renders (not a bar).
    assert vae_metrics["sample_morph_w1"] <= 0.3, vae_metrics


def test_vae_samples_cover_every_class(vae_metrics):
    assert vae_metrics["sample_class_share_min"] >= 0.2, vae_metrics


def test_vae_walks_are_even(vae_metrics):
    assert vae_metrics["interp_smoothness"] <= 2.0, vae_metrics


@pytest.mark.parametrize("name", ["galaxy-vae", "galaxy-vae-seed"])
def test_shipped_map_matches_the_weights(name):
    model, _, ex = checkpoints.cached(name)
    x, y = galaxies.held_out(lab.MAP_N, EVAL_SEED, lab.SIZE)
    assert np.array_equal(ex["map_labels"], y)
    z = inference.encode(model, x[:50])
    assert np.allclose(ex["map_codes"][:50], z, atol=1e-3)
    assert ex["map_umap"].shape == (lab.MAP_N, 2) and np.isfinite(ex["map_umap"]).all()


def test_shipped_prior_matches_the_weights():
    """The learned prior in the extras was fitted to these weights' codes: its mean and covariance are those of the
    codes of training renders (posterior means plus the posterior variance), not of some earlier model's."""
    model, _, ex = checkpoints.cached("galaxy-vae")
    w, mu, tril = (ex[k].astype(np.float64) for k in lab.PRIOR_KEYS)
    assert w.shape == (lab.PRIOR_K,) and np.isclose(w.sum(), 1) and mu.shape == (lab.PRIOR_K, model.latent_dim)
    assert np.allclose(tril, np.tril(tril)) and (np.diagonal(tril, axis1=1, axis2=2) > 0).all()
    with torch.inference_mode():
        m, logvar = model.stats(torch.from_numpy(lab.pool()[0][:2000].astype(np.float32) / 255))
    codes, var = m.numpy().astype(np.float64), np.exp(logvar.numpy()).astype(np.float64)
    mean = w @ mu
    cov = np.einsum("k,kij->ij", w, tril @ tril.transpose(0, 2, 1)) + np.einsum("k,ki,kj->ij", w, mu - mean,
                                                                                  mu - mean)
    assert np.abs(mean - codes.mean(0)).max() < 0.1
    assert np.abs(np.diag(cov) - (codes.var(0) + var.mean(0))).max() < 0.1 * np.diag(cov).max()
