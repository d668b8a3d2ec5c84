"""Radio part 2: the station family sampler, the held-out station, the noise-spectrum estimators, the conditioned
U-Net and the calibration path (arrays and files, good and bad)."""

import io

import numpy as np
import pytest
import torch

from engine import radio_filters as rf
from engine.api import radio_calibration as cal_api
from engine.data import radio, radio_family, radio_heldout
from engine.experiments.radio import calibrated, finetune
from engine.models.trace_ae import energy_bias
from engine.models.unet1d import PULSE_CUT, UNet1D, UNet1DConfig, self_psd


def _tiny(conditioned=True):
    torch.manual_seed(0)
    return UNet1D(UNet1DConfig(channels=(4, 6, 8), kernel=5, conditioned=conditioned)).eval()


def test_stations_respect_every_range_and_avoid_the_held_out_rfi_windows():
    st = radio_family.draw_stations(np.random.default_rng(0), 5000)
    for key, (lo, hi) in radio_family.RANGES.items():
        if hasattr(st, key):
            v = getattr(st, key)
            assert v.min() >= lo and v.max() <= hi, key
    assert set(np.unique(st.rfi_count)) == set(range(radio_family.MAX_LINES + 1))
    for a, b in radio_family.EXCLUDED_RFI_MHZ:
        assert not ((st.rfi_freq > a) & (st.rfi_freq < b)).any()
    assert st.rfi_freq.min() >= 20 and st.rfi_freq.max() <= 150
    assert st.rfi_freq.max() > 145 and st.rfi_freq.min() < 25  # the whole allowed span is used
    assert len(st.repeat(3)) == 15000 and (st.repeat(3).thermal[:3] == st.thermal[0]).all()


def test_family_traces_are_deterministic_unit_std_noise_and_unit_peak_pulses():
    a = radio_family.simulate(300, (1.0, 5.0), seed=4, calib=4)
    b = radio_family.simulate(300, (1.0, 5.0), seed=4, calib=4)
    c = radio_family.simulate(300, (1.0, 5.0), seed=5)
    np.testing.assert_array_equal(a.noisy, b.noisy)
    np.testing.assert_array_equal(a.psd, b.psd)
    assert not np.allclose(a.noisy, c.noisy)
    assert a.noisy.shape == (300, 500) and a.psd.shape == (300, len(radio.FREQS)) and c.psd is None
    np.testing.assert_allclose((a.noisy - a.clean).std(axis=1), 1.0, rtol=1e-4)
    np.testing.assert_allclose(np.abs(a.clean).max(axis=1), a.snr, rtol=1e-4)
    assert (np.abs(a.clean).argmax(axis=1) == a.peak).all()
    # the pulse stays in the 30-80 MHz band (the chain only narrows it)
    p = np.abs(np.fft.rfft(a.clean, axis=1)) ** 2
    assert p[:, (radio.FREQS < 28) | (radio.FREQS > 82)].sum() < 1e-3 * p.sum()


def test_held_out_station_is_outside_the_training_family_and_deterministic():
    lo, hi = radio_family.RANGES["galactic_index"]
    assert not lo <= radio_heldout.SKY_INDEX <= hi
    for f in radio_heldout.RFI_MHZ:
        assert any(a < f < b for a, b in radio_family.EXCLUDED_RFI_MHZ)
    a, b = radio_heldout.simulate(200, 2.0, 3), radio_heldout.simulate(200, 2.0, 3)
    np.testing.assert_array_equal(a.noisy, b.noisy)
    np.testing.assert_allclose((a.noisy - a.clean).std(axis=1), 1.0, rtol=1e-4)
    # its RFI carriers stand out in the measured spectrum, where no training station has lines
    psd = rf.noise_psd(radio_heldout.noise(np.random.default_rng(0), 2000))
    k = np.abs(radio.FREQS - 60).argmin()
    assert psd[k] > 5 * np.median(psd[(radio.FREQS > 40) & (radio.FREQS < 56)])


def _coloured(n, amp, seed=0):
    rng = np.random.default_rng(seed)
    spec = (rng.standard_normal((n, len(amp))) + 1j * rng.standard_normal((n, len(amp)))) * amp
    return np.fft.irfft(spec, radio.N_SAMPLES, axis=1)


def test_noise_psd_recovers_a_known_spectrum():
    st = radio_family.draw_stations(np.random.default_rng(1), 1)
    amp = radio_family.noise_amplitude(st)[0]
    x = _coloured(4000, amp)
    est = rf.noise_psd(x)
    band = (radio.FREQS >= 30) & (radio.FREQS <= 120)
    truth = amp ** 2
    ratio = (est[band] / est[band].mean()) / (truth[band] / truth[band].mean())
    assert np.abs(np.log(ratio)).max() < 0.15  # within ~15 % in every bin of the band
    # scale-free: a file in other units gives the same spectrum
    np.testing.assert_allclose(rf.noise_psd(1000 * x), est, rtol=1e-6)


def test_blind_self_estimate_follows_the_spectrum_on_average():
    amp = np.where(radio.FREQS > 0, np.maximum(radio.FREQS, 10.0), 1.0) ** -1.3
    x = torch.from_numpy(_coloured(2000, amp, seed=2).astype(np.float32))
    est = self_psd(x / x.std(dim=1, keepdim=True)).mean(0).numpy()
    band = (radio.FREQS >= 30) & (radio.FREQS <= 120)
    truth = amp ** 2
    ratio = (est[band] / est[band].mean()) / (truth[band] / truth[band].mean())
    assert np.abs(np.log(ratio)).max() < 0.25  # smoothed over 10 MHz, so a little looser
    # Without the pulse cut the multitaper alone is closer still (the cut's soft edges leak a little of the sky).
    est = self_psd(x / x.std(dim=1, keepdim=True), cut=0).mean(0).numpy()
    assert np.abs(np.log((est[band] / est[band].mean()) / (truth[band] / truth[band].mean()))).max() < 0.2


def test_blind_self_estimate_leaves_the_pulse_out():
    """A strong pulse is not taken for in-band noise: with the cut, SNR 5 raises the 30-80 MHz power estimate by
    little; without it, by several times (it would whiten the pulse away)."""
    amp = np.where(radio.FREQS > 0, np.maximum(radio.FREQS, 10.0), 1.0) ** -1.3
    x = torch.from_numpy(_coloured(500, amp, seed=3).astype(np.float32))
    x = x / x.std(dim=1, keepdim=True)
    p = torch.from_numpy(radio.pulses(np.random.default_rng(4), 500).astype(np.float32))
    inb = torch.from_numpy((radio.FREQS >= 30) & (radio.FREQS <= 80))

    def rise(cut):
        return (self_psd(x + 5 * p, cut=cut)[:, inb].sum(1) / self_psd(x, cut=cut)[:, inb].sum(1)).median()

    assert rise(0) > 3 and rise(PULSE_CUT) < 1.5, (rise(0), rise(PULSE_CUT))


def test_energy_bias_penalty_sees_a_shared_shrinkage_only():
    tr = radio.simulate("realistic", 64, (1.0, 5.0), seed=0)
    x, t = torch.from_numpy(tr.noisy), torch.from_numpy(tr.clean)
    s = x.std(1, keepdim=True)
    peak = (t / s).abs().argmax(1, keepdim=True)
    assert energy_bias(t / s, t / s, x / s, peak, 25) < 1e-8
    assert energy_bias(0.9 * t / s, t / s, x / s, peak, 25) == pytest.approx(np.log(0.81) ** 2, rel=1e-3)
    low = radio.simulate("realistic", 8, 1.0, seed=0)  # nothing at SNR >= 2.5: no penalty
    lx, lt = torch.from_numpy(low.noisy), torch.from_numpy(low.clean)
    assert energy_bias(0 * lt, lt, lx, lt.abs().argmax(1, keepdim=True), 25) == 0


def test_conditioned_unet_reads_spectra_from_the_row_the_copy_or_the_trace():
    m = _tiny()
    tr = radio_family.simulate(8, 3.0, seed=0, calib=8)
    x = torch.from_numpy(tr.noisy)
    blind = m.reconstruct(x)
    assert blind.shape == (8, 500)
    zeros = torch.cat([x, torch.zeros(8, len(radio.FREQS))], dim=1)
    torch.testing.assert_close(m.denoise(zeros), m.denoise(x))  # an all-zero spectrum means blind
    given = torch.cat([x, torch.from_numpy(tr.psd.astype(np.float32))], dim=1)
    assert not torch.allclose(m.denoise(given), blind)
    c = calibrated(m, tr.psd[0])
    assert c is not m and m.noise_psd is None and c.noise_psd.shape == (len(radio.FREQS),)
    one = torch.cat([x, torch.from_numpy(np.tile(tr.psd[0], (8, 1)).astype(np.float32))], dim=1)
    torch.testing.assert_close(c.denoise(x), m.denoise(one))
    assert calibrated(_tiny(conditioned=False), tr.psd[0]) is None
    out = m(given, torch.from_numpy(tr.clean))
    assert torch.isfinite(out.loss) and out.recon.shape == (8, 500)


def test_finetune_is_bounded_reports_progress_and_leaves_the_model_alone():
    m = _tiny()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    noise = radio_heldout.noise(np.random.default_rng(0), 40)
    seen = []
    tuned, steps = finetune(m, noise, seconds=30, on_progress=lambda f, s: seen.append((f, s)), max_steps=3)
    assert steps == 3 and [s for _, s in seen] == [1, 2, 3] and all(0 <= f <= 1 for f, _ in seen)
    for k, v in m.state_dict().items():
        torch.testing.assert_close(v, before[k])
    assert any(not torch.equal(v, tuned.state_dict()[k]) for k, v in before.items())
    assert not tuned.training and tuned.noise_psd is not None
    with pytest.raises(ValueError, match="no noise spectrum"):
        finetune(_tiny(conditioned=False), noise, seconds=1)


def _npy(a, **kw) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, **kw)
    return buf.getvalue()


def test_calibration_from_arrays_and_files():
    noise = radio_heldout.noise(np.random.default_rng(0), 40)
    c = cal_api.noise_calibration(3.0 * noise)
    assert c.traces.shape == (40, 500) and c.psd.shape == (len(radio.FREQS),)
    np.testing.assert_allclose(c.psd, rf.noise_psd(noise), rtol=1e-5)
    np.testing.assert_allclose(cal_api.read_noise_file(_npy(noise), "station.npy").psd, c.psd, rtol=1e-5)
    text = "\n".join(",".join(f"{v:.7g}" for v in row) for row in noise).encode()
    np.testing.assert_allclose(cal_api.read_noise_file(text, "station.csv").psd, c.psd, rtol=1e-4)
    fig = cal_api.calibration_figure(c)
    assert [t.name for t in fig.data] == ["your noise", "lab simulator (realistic)"]


BAD = [
    ("too few", lambda n: _npy(n[:5]), "x.npy", "at least 16"),
    ("wrong length", lambda n: _npy(n[:, :300]), "x.npy", "500 samples"),
    ("NaN", lambda n: _npy(np.where(np.arange(500) == 7, np.nan, n)), "x.npy", "NaN"),
    ("pickled", lambda n: _npy(np.array([n[0], "a"], dtype=object), allow_pickle=True), "x.npy", "pickle"),
    ("npz named npy", lambda n: (lambda b: (np.savez(b, a=n), b.getvalue())[1])(io.BytesIO()), "x.npy", ".npz"),
    ("one row", lambda n: _npy(n[0]), "x.npy", "single row"),
    ("constant row", lambda n: _npy(np.vstack([n, np.zeros((1, 500))])), "x.npy", "constant"),
    ("empty", lambda n: b"", "x.npy", "empty"),
    ("not a table", lambda n: b"a,b\n1,2\n3,x\n", "x.csv", "Line 3"),
    ("wrong type", lambda n: b"hello", "x.txt.exe", "not a .npy or .csv"),
]


@pytest.mark.parametrize("case,make,name,message", BAD, ids=[b[0] for b in BAD])
def test_bad_calibration_files_say_what_is_wrong(case, make, name, message):
    noise = radio_heldout.noise(np.random.default_rng(0), 40)
    with pytest.raises(ValueError, match=message):
        cal_api.read_noise_file(make(noise), name)


def test_calibrate_rejects_out_of_range_fine_tuning():
    c = cal_api.noise_calibration(radio_heldout.noise(np.random.default_rng(0), 20))
    with pytest.raises(ValueError, match="between 0 and 60"):
        cal_api.calibrate(c, finetune_s=61)


def test_event_traces_calibrate_by_conditioning_only():
    """No noise-only traces: event traces (pulses inside) give the spectrum; fine-tuning on them is refused, since
    it would teach the copy that pulses are noise."""
    from engine.experiments.radio import with_event_spectra

    tr = radio_heldout.simulate(32, 3.0, 5)
    c = cal_api.read_noise_file(_npy(tr.noisy), "events.npy", events=True)
    assert c.events and "event traces" in c.note
    np.testing.assert_allclose(c.psd, rf.noise_psd(tr.noisy), rtol=1e-4)
    assert [t.name for t in cal_api.calibration_figure(c).data][0] == "your event traces"
    with pytest.raises(ValueError, match="pulses are noise"):
        cal_api.calibrate(c, finetune_s=10)
    # The card's `_events16` metric: each trace with the spectrum of its group of 16 (a ragged tail is dropped).
    rows = with_event_spectra(tr.noisy[:35])
    assert rows.shape == (32, 751)
    np.testing.assert_allclose(rows[17, 500:], rf.noise_psd(tr.noisy[16:32]), rtol=1e-4)
