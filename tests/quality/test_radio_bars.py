"""The shipped radio checkpoints meet their bars on freshly simulated held-out traces (fewer than the card's
4 000 per metric, so this stays fast; the tolerances allow for the smaller sample)."""

import io

import numpy as np
import pytest

from engine import api
from engine import radio_filters as rf
from engine.data import radio, radio_heldout
from engine.experiments.radio import (
    FINETUNE_EVAL_STEPS,
    HELDOUT_CALIB_N,
    calibrated,
    denoise,
    energy_errors,
    finetune,
    heldout_calibration,
    spread68,
    with_event_spectra,
)

N = 1500
SEED = 20261121  # not the card's eval seed


@pytest.fixture(scope="module")
def models():
    try:
        return {n: api.load(n) for n in ("radio-dae", "radio-dae-seed")}
    except api.CheckpointError as e:
        pytest.fail(f"radio checkpoint missing: {e}")


def _acc(model, tr):
    return rf.peak_hits(denoise(model, tr.noisy), tr.peak).mean()


CASES = [(m, s, b) for m in ("radio-dae", "radio-dae-seed") for s, b in (("realistic", 0.69), ("uniform", 0.95),
                                                                          ("cosine", 0.98))]


@pytest.mark.parametrize("name,noise_set,bar", CASES)
def test_both_models_meet_the_seed_figures_per_noise_set(models, name, noise_set, bar):
    tr = radio.simulate(noise_set, N, radio.TRAIN_SNR, seed=SEED + len(noise_set))
    acc = _acc(models[name], tr)
    slack = 2 * np.sqrt(bar * (1 - bar) / N)  # two binomial standard errors
    assert acc >= bar - slack, (name, acc)


def test_radio_dae_is_at_least_as_good_as_the_seed(models):
    for noise_set in ("realistic", "uniform", "cosine"):
        tr = radio.simulate(noise_set, N, radio.TRAIN_SNR, seed=SEED + len(noise_set))
        a, b = _acc(models["radio-dae"], tr), _acc(models["radio-dae-seed"], tr)
        assert a >= b - 2 * np.sqrt(0.25 / N), (noise_set, a, b)


def test_radio_dae_matches_the_matched_filter_blind_and_beats_the_bandpass(models):
    tr = radio.simulate("realistic", N, 2.0, seed=SEED)
    net = _acc(models["radio-dae"], tr)
    matched = rf.peak_hits(rf.apply("matched", tr.noisy, "realistic"), tr.peak).mean()
    band = rf.peak_hits(rf.bandpass(tr.noisy), tr.peak).mean()
    se = np.sqrt(0.25 / N)
    assert net >= 0.97 * matched - 2 * se, (net, matched)
    assert net >= band + 0.08 - 2 * se, (net, band)


# The absolute energy_res_snr3 <= 0.20 bar is retired (issue 14): under this SNR definition even the best unbiased
# estimate told each trace's true pulse shape spreads by ~0.29. The bar is now relative to that oracle, with the
# median error bounded so that shrinking every pulse cannot buy it.
def _energy(models):
    tr = radio.simulate("realistic", N, (3.0, 5.0), seed=SEED + 1)
    rel = energy_errors(denoise(models["radio-dae"], tr.noisy), tr.clean, tr.peak)
    amp = rf.oracle_amplitude(tr.noisy, tr.clean, rf.wiener_for("realistic").noise_power)
    return rel, amp ** 2 - 1


def test_energy_resolution_within_85_percent_of_the_oracle(models):
    rel, oracle = _energy(models)
    ratio = spread68(rel) / spread68(oracle)
    assert ratio <= 0.85 + 0.03, ratio  # ~2 standard errors of a 68 % width from 1 500 traces


def test_energy_bias_within_10_percent(models):
    rel, _ = _energy(models)
    assert abs(np.median(rel)) <= 0.10 + 0.015, np.median(rel)


@pytest.fixture(scope="module")
def heldout():
    cal, mf = heldout_calibration(SEED + 7, n=HELDOUT_CALIB_N)
    return cal, mf, radio_heldout.simulate(N, 2.0, SEED + 8)


@pytest.mark.xfail(strict=True, reason="card: peak_acc_heldout_snr2 = 0.607 blind vs matched 0.6555 (0.926x, bar "
                                       "0.97x; multitaper blind spectrum with the pulse cut out, issue 14 round 2). "
                                       "Before it 0.602 (0.918x); the part-1 model scored 0.5915 on the same traces")
def test_held_out_station_blind_within_3_percent_of_the_calibrated_matched_filter(models, heldout):
    cal, mf, tr = heldout
    net = _acc(models["radio-dae"], tr)
    matched = rf.peak_hits(mf.matched(tr.noisy), tr.peak).mean()
    assert net >= 0.97 * matched - 2 * np.sqrt(0.25 / N), (net, matched)


def test_held_out_station_from_its_own_event_traces_within_3_percent_of_the_calibrated_matched_filter(models,
                                                                                                        heldout):
    """No noise-only traces at all: each trace conditioned on the spectrum of its group of 16 event traces (the
    page's event-trace calibration), against the matched filter calibrated on 4 000 noise-only traces."""
    cal, mf, tr = heldout
    ev = with_event_spectra(tr.noisy)
    net = rf.peak_hits(denoise(models["radio-dae"], ev), tr.peak[:len(ev)]).mean()
    matched = rf.peak_hits(mf.matched(tr.noisy), tr.peak).mean()
    assert net >= 0.97 * matched - 2 * np.sqrt(0.25 / N), (net, matched)


def test_held_out_station_calibrated_at_least_the_matched_filter(models, heldout):
    """Calibrated as the card and the page do it: conditioned on the station's spectrum, then fine-tuned on its
    noise (FINETUNE_EVAL_STEPS steps, ~40-60 s on one thread)."""
    cal, mf, tr = heldout
    tuned, _ = finetune(models["radio-dae"], cal, seconds=None, max_steps=FINETUNE_EVAL_STEPS)
    net = _acc(tuned, tr)
    matched = rf.peak_hits(mf.matched(tr.noisy), tr.peak).mean()
    assert net >= matched - 2 * np.sqrt(0.25 / N), (net, matched)


def test_held_out_station_conditioning_alone_beats_blind(models, heldout):
    cal, mf, tr = heldout
    blind, cond = _acc(models["radio-dae"], tr), _acc(calibrated(models["radio-dae"], rf.noise_psd(cal)), tr)
    assert cond >= blind + 0.02, (cond, blind)


def test_calibration_facade_on_a_small_noise_file(heldout):
    cal, mf, tr = heldout
    buf = io.BytesIO()
    np.save(buf, cal[:200])
    c = api.calibrate(api.read_noise_file(buf.getvalue(), "station.npy"))
    assert c.label == "radio-dae (calibrated)" and c.finetune_steps == 0
    out = api.denoise_calibrated(c, tr.noisy[:400])
    assert out.shape == (400, 500)
    blind = denoise(api.load("radio-dae"), tr.noisy[:400])
    assert not np.allclose(out, blind)  # the spectrum is used


def test_energy_beats_the_known_shape_oracle_and_is_not_bought_by_shrinking(models):
    tr = radio.simulate("realistic", N, (3.0, 5.0), seed=SEED + 1)
    rel = energy_errors(denoise(models["radio-dae"], tr.noisy), tr.clean, tr.peak)
    amp = rf.oracle_amplitude(tr.noisy, tr.clean, rf.wiener_for("realistic").noise_power)
    assert spread68(rel) < spread68(amp ** 2 - 1), (spread68(rel), spread68(amp ** 2 - 1))
    assert abs(np.median(rel)) < 0.25, np.median(rel)  # a bias this small does not explain the spread


def test_shipped_curves_cover_every_method_and_rise_with_snr():
    c = api.radio_curves("realistic")
    assert {"snr", "radio-dae", "radio-dae-seed", "raw", "bandpass", "wiener", "matched"} <= set(c)
    assert c["snr"][0] == 0.5 and c["snr"][-1] == 5.0
    for k in ("radio-dae", "matched", "bandpass"):
        assert c[k][-1] > c[k][0] + 0.5
    assert "sine_sub" in api.radio_curves("cosine")


def test_denoise_trace_facade(models):
    tr = radio.simulate("realistic", 20, 4.0, seed=SEED + 2)
    out = np.stack([api.denoise_trace(x) for x in tr.noisy])
    assert out.shape == (20, 500) and out.dtype == np.float32
    assert rf.peak_hits(out, tr.peak).mean() >= 0.9  # SNR 4 is easy
    np.testing.assert_allclose(api.denoise_trace(3 * tr.noisy[0]), 3 * out[0], rtol=1e-4, atol=1e-4)
