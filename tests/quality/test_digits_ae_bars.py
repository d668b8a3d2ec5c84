"""The shipped digits-dae and digits-ae-k checkpoints meet the issue's bars on fresh noise / fresh OOD draws
(seeds other than the card's) over part of the test digits: seconds each. The anomaly bars are digits-vae16's
(test_digits_vae_bars.py)."""

import pytest

from engine import api
from engine.experiments import digits_ae as lab

N = 400  # test digits (of 1 000); the cards measure all of them


@pytest.fixture(scope="module")
def dae_metrics():
    return lab.eval_dae(api.load("digits-dae"), seed=99, n=N)


@pytest.fixture(scope="module")
def aek_metrics():
    return lab.eval_aek(api.load("digits-ae-k"), seed=99, n=N)


def test_dae_beats_nl_means_with_its_best_h_by_3_db(dae_metrics):
    assert dae_metrics["psnr_gain_vs_nlm"] >= 3.0, dae_metrics
    assert dae_metrics["psnr_gauss03"] > dae_metrics["psnr_median_gauss03"] + 3
    assert dae_metrics["ssim_gauss03"] > dae_metrics["ssim_nlm_gauss03"]


def test_dae_also_cleans_salt_and_pepper_and_the_seeds_noise(dae_metrics):
    # Salt-and-pepper at p = 0.1 is the median filter's home ground: the card has DAE 20.74 dB vs median 20.92 dB.
    assert dae_metrics["psnr_sp10"] > dae_metrics["psnr_median_sp10"] - 0.5
    assert dae_metrics["psnr_keras05"] > dae_metrics["psnr_median_keras05"] + 3


def test_dae_improves_on_the_keras_seed_design():
    try:
        seed_model = api.load("digits-dae-seed")
    except api.CheckpointError:
        pytest.skip("digits-dae-seed is not trained")
    ours = api.card("digits-dae")["metrics"]["psnr_gauss03"]
    assert ours > api.card("digits-dae-seed")["metrics"]["psnr_gauss03"]
    assert seed_model is not None


def test_ae_k2_beats_pca_by_the_bar(aek_metrics):
    assert aek_metrics["mse_ratio_k2"] <= 0.70, aek_metrics


def test_ae_beats_pca_at_small_k(aek_metrics):
    for k in (2, 4, 8, 16, 32):  # the card: 0.669, 0.536, 0.397, 0.298, 0.328
        assert aek_metrics[f"mse_ratio_k{k}"] < 0.75, (k, aek_metrics)


def test_ae_2d_code_separates_classes_better_than_pca(aek_metrics):
    assert aek_metrics["knn5_acc_ae2"] > aek_metrics["knn5_acc_pca2"]


def test_reconstruction_error_catches_noise_and_faces_but_not_letters(aek_metrics):
    # The anomaly page's second score. Its AUCs are not the issue's bars (those are digits-vae16's negative ELBO,
    # tests/quality/test_digits_vae_bars.py); the page teaches the contrast, so the contrast is what is checked.
    assert aek_metrics["recon_auc_noise"] >= 0.9, aek_metrics
    assert aek_metrics["recon_auc_faces"] >= 0.75, aek_metrics
    assert aek_metrics["recon_auc_letters"] < 0.9, aek_metrics  # card 0.834: short of the 0.95 the VAE reaches
