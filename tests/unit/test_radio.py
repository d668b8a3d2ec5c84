"""Radio lab without trained checkpoints: simulator statistics, classical filters on hand-checked cases, the
trace models with tiny configs, the metrics, and the upload reader's messages."""

import io

import numpy as np
import pytest
import torch

from engine import checkpoints
from engine import radio_filters as rf
from engine.api import radio as api_radio
from engine.data import radio
from engine.experiments.radio import energy_resolution, render
from engine.registry import build_model

# --- simulator -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("noise_set", radio.NOISE_SETS)
def test_snr_definition_shapes_and_determinism(noise_set):
    a = radio.simulate(noise_set, 200, (1.0, 5.0), seed=3)
    b = radio.simulate(noise_set, 200, (1.0, 5.0), seed=3)
    c = radio.simulate(noise_set, 200, (1.0, 5.0), seed=4)
    assert a.noisy.shape == a.clean.shape == (200, 500) and a.noisy.dtype == np.float32
    assert np.array_equal(a.noisy, b.noisy) and not np.array_equal(a.noisy, c.noisy)
    # SNR = max|pulse| / std(noise), the noise std taken over the whole trace and the full band.
    np.testing.assert_allclose(np.abs(a.clean).max(1), a.snr, rtol=1e-5)
    np.testing.assert_allclose((a.noisy - a.clean).std(1), 1.0, rtol=1e-3)
    assert np.array_equal(a.peak, np.abs(a.clean).argmax(1))
    assert ((a.snr >= 1) & (a.snr <= 5)).all()


def test_pulse_lives_in_the_band_and_arrives_inside_the_trace():
    p = radio.pulses(np.random.default_rng(0), 500)
    power = np.abs(np.fft.rfft(p, axis=1)) ** 2
    out_of_band = (radio.FREQS < 30) | (radio.FREQS > 80)
    assert power[:, out_of_band].sum() < 1e-9 * power.sum()
    np.testing.assert_allclose(np.abs(p).max(1), 1.0)
    peaks = np.abs(p).argmax(1)
    assert peaks.min() >= 40 and peaks.max() <= 460
    # Random phase: both pulses with one dominant lobe and bipolar ones (two equal opposite lobes) occur.
    ratio = np.minimum(-p.min(1), p.max(1)) / np.abs(p).max(1)
    assert (ratio < 0.8).any() and (ratio > 0.97).any()


def test_realistic_noise_is_galactic_coloured_with_varying_rfi():
    rng = np.random.default_rng(1)
    n = radio.noise(rng, 2000, "realistic")
    power = (np.abs(np.fft.rfft(n, axis=1)) ** 2).mean(0)
    low, high = power[(radio.FREQS >= 30) & (radio.FREQS <= 50)].mean(), power[radio.FREQS > 200].mean()
    assert low > 20 * high  # galactic noise ~ f^-2.55 dominates the low band; thermal floor above 150 MHz
    # RFI lines differ trace to trace: the strongest in-band bin is not the same frequency for every trace.
    strongest = np.abs(np.fft.rfft(n, axis=1))[:, 10:80].argmax(1)
    assert len(np.unique(strongest)) > 20


def test_uniform_is_bounded_and_cosine_is_a_few_lines():
    u = radio.noise(np.random.default_rng(2), 100, "uniform")
    assert np.abs(u).max() < 2.0  # bounded: U(-a, a) scaled to std 1 has |x| <= ~sqrt(3)
    kurtosis = (u ** 4).mean() / (u ** 2).mean() ** 2
    assert abs(kurtosis - 1.8) < 0.05  # uniform's kurtosis (Gaussian: 3)
    c = radio.noise(np.random.default_rng(2), 100, "cosine")
    spec = np.abs(np.fft.rfft(c * np.hanning(500), axis=1))
    strong = (spec > 0.1 * spec.max(1, keepdims=True)).sum(1)
    assert strong.max() <= 3 * 6  # at most three lines, each a few bins wide after windowing


def test_unknown_noise_set_and_negative_snr_are_refused():
    with pytest.raises(ValueError, match="noise set"):
        radio.simulate("pink", 2, 1.0, seed=0)
    with pytest.raises(ValueError, match="non-negative"):
        radio.simulate("uniform", 2, -1.0, seed=0)


# --- classical filters -----------------------------------------------------------------------------------------

def test_a_pure_sine_is_removed():
    t = np.arange(500)
    x = 3.0 * np.sin(2 * np.pi * 47.3 * t / 1000 + 0.4)[None]
    y = rf.sine_subtract(x)
    assert np.abs(y).max() < 0.03 * 3.0
    two = x + 1.5 * np.sin(2 * np.pi * 131.7 * t / 1000)[None]
    assert np.abs(rf.sine_subtract(two)).max() < 0.1


def test_sine_subtraction_keeps_a_pulse():
    p = radio.pulses(np.random.default_rng(5), 4)
    y = rf.sine_subtract(p + np.sin(2 * np.pi * 60.5 * np.arange(500) / 1000)[None])
    assert (np.abs(rf.peak_estimate(y) - rf.peak_estimate(p)) <= 1).all()


def test_a_clean_pulse_passes_the_bandpass():
    p = radio.pulses(np.random.default_rng(6), 50)
    y = rf.bandpass(p)
    corr = (y * p).sum(1) / np.linalg.norm(y, axis=1) / np.linalg.norm(p, axis=1)
    assert corr.min() > 0.95
    assert (np.abs(rf.peak_estimate(y) - rf.peak_estimate(p)) <= 2).mean() > 0.95
    # ... while out-of-band noise is suppressed.
    hf = np.sin(2 * np.pi * 200 * np.arange(500) / 1000)[None]
    assert np.abs(rf.bandpass(hf)[:, 100:400]).max() < 0.01


def test_wiener_and_matched_find_a_clean_pulse_and_beat_raw_in_noise():
    w = rf.wiener_for("realistic")
    tr = radio.simulate("realistic", 1000, 2.5, seed=11)
    raw = rf.peak_hits(tr.noisy, tr.peak).mean()
    assert rf.peak_hits(w.matched(tr.noisy), tr.peak).mean() > raw + 0.1
    assert rf.peak_hits(w.filter(tr.noisy, 2.5), tr.peak).mean() > raw + 0.1
    assert rf.peak_hits(w.matched(tr.clean), tr.peak).mean() > 0.97


def test_peak_hits_tolerance():
    y = np.zeros((3, 500))
    y[0, 110], y[1, 111], y[2, 89] = 1, -1, 1
    assert rf.peak_hits(y, np.array([100, 100, 100])).tolist() == [True, False, False]


def test_energy_resolution_hand_cases():
    tr = radio.simulate("uniform", 100, 3.0, seed=0)
    assert energy_resolution(tr.clean, tr.clean, tr.peak) == pytest.approx(0.0, abs=1e-9)
    # Every energy scaled by 1.21 or 0.81 (amplitude +-10 %): relative errors +0.21 / -0.19, half-width ~0.2.
    scale = np.where(np.arange(100) % 2 == 0, 1.1, 0.9)[:, None]
    assert energy_resolution(tr.clean * scale, tr.clean, tr.peak) == pytest.approx(0.2, abs=0.011)


def test_oracle_amplitude_is_exact_without_noise_and_unbiased_with_it():
    tr = radio.simulate("realistic", 2000, 3.0, seed=1)
    noise_power = rf.wiener_for("realistic").noise_power
    assert np.allclose(rf.oracle_amplitude(2 * tr.clean, tr.clean, noise_power), 2.0)
    a = rf.oracle_amplitude(tr.noisy, tr.clean, noise_power)
    assert abs(np.median(a) - 1) < 0.02 and 0.05 < a.std() < 0.3


# --- models ----------------------------------------------------------------------------------------------------

TINY = {"radio-conv-ae": dict(channels=(4, 4, 4, 4), kernel=5), "radio-unet": dict(channels=(4, 6, 8), kernel=5)}


@pytest.mark.parametrize("family", TINY)
def test_tiny_models_shapes_loss_scale_and_save_load(family, tmp_path):
    torch.manual_seed(0)
    m = build_model(family, TINY[family])
    noisy, clean = radio.simulate_mixed(np.random.default_rng(0), 8)
    x, y = torch.from_numpy(noisy), torch.from_numpy(clean)
    out = m(x, y)
    assert out.recon.shape == x.shape and torch.isfinite(out.loss)
    out.loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in m.parameters())
    m.eval()
    with torch.no_grad():
        z = m.encode(x)
        assert z.shape == (8, m.latent_dim)
        torch.testing.assert_close(m.decode(z), m.reconstruct(x))
        # Blind and scale-free: each trace is normalised by its own std, so scaling the input scales the output.
        torch.testing.assert_close(m.reconstruct(10 * x), 10 * m.reconstruct(x), rtol=1e-4, atol=1e-4)
    card = checkpoints.save("tiny", m, {"model": family, "model_config": TINY[family]}, directory=tmp_path)
    m2, card2, _ = checkpoints.load("tiny", tmp_path)
    with torch.no_grad():
        assert torch.equal(m.reconstruct(x), m2.reconstruct(x))
    assert card2["sha256"] == card["sha256"]


def test_render_draws_one_dark_pixel_per_sample():
    img = render(radio.simulate("cosine", 2, 2.0, seed=0).noisy)
    assert img.shape == (2, 32, 250) and img.dtype == np.uint8
    assert ((img == 0).sum(1) == 1).all()


# --- the upload reader -----------------------------------------------------------------------------------------

def _npy(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(a))
    return buf.getvalue()


def test_upload_npy_and_csv_of_500_samples_are_used_as_they_are():
    x = radio.simulate("uniform", 1, 2.0, seed=0).noisy[0]
    y, note = api_radio.load_trace_file(_npy(x), "t.npy")
    np.testing.assert_allclose(y, x) and "as they are" in note
    csv = "amplitude\n" + "\n".join(f"{v:.6f}" for v in x)
    y, note = api_radio.load_trace_file(csv.encode(), "t.csv")
    np.testing.assert_allclose(y, x, atol=1e-5)
    two_cols = "t,v\n" + "\n".join(f"{i},{v:.6f}" for i, v in enumerate(x))
    np.testing.assert_allclose(api_radio.load_trace_file(two_cols.encode(), "t.csv")[0], x, atol=1e-5)


def test_upload_other_lengths_are_windowed_or_resampled_with_a_note():
    long = np.zeros(2000)
    long[1500] = 5.0
    y, note = api_radio.load_trace_file(_npy(long + np.random.default_rng(0).normal(0, 0.1, 2000)), "l.npy")
    assert y.shape == (500,) and np.abs(y).argmax() == 250 and "window" in note
    y, note = api_radio.load_trace_file(_npy(np.sin(np.arange(250) / 5)), "s.npy")
    assert y.shape == (500,) and "resampled" in note


@pytest.mark.parametrize("data,name,match", [
    (b"hello", "t.wav", "not a .npy or .csv"),
    (b"", "t.npy", "empty"),
    (b"\x93NUMPY garbage", "t.npy", "Could not read"),
    (b"1,2\nx,y,z\n3", "t.csv", "Line 2 .* not numbers"),
    (_npy(np.zeros((3, 500))), "t.npy", "single trace"),
    (_npy(np.ones(500)), "t.npy", "constant"),
    (_npy(np.arange(10.0)), "t.npy", "at least"),
    (_npy(np.array([1.0, np.nan] * 300)), "t.npy", "NaN"),
    (_npy(np.array(["a"] * 500)), "t.npy", "real numbers"),
])
def test_bad_uploads_get_a_clear_message(data, name, match):
    with pytest.raises(ValueError, match=match):
        api_radio.load_trace_file(data, name)


def test_denoise_trace_rejects_bad_input_before_loading_a_model():
    with pytest.raises(ValueError, match="500 samples"):
        api_radio.denoise_trace(np.zeros(499) + np.arange(499))
    with pytest.raises(ValueError, match="noise set"):
        api_radio.denoise_trace(np.arange(500.0), noise="pink")
    with pytest.raises(ValueError, match="NaN"):
        api_radio.denoise_trace(np.full(500, np.nan))
