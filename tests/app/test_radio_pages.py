"""The radio page through AppTest: opens from a URL, its controls drive the URL, uploads work or explain."""

import io

import apptools
import numpy as np

PAGE = "app_pages/radio.py"


def open_page(query=None):
    return apptools.open_page(PAGE, query)


def charts(at):
    return [e for e in at.get("plotly_chart")]


def test_radio_page_from_url_controls_and_next_trace():
    at = open_page({"noise": "cosine", "snr": "3.5", "seed": "7"})
    assert at.title[0].value.startswith("📡 Radio")
    assert at.radio(key="radio_set").value == "cosine" and at.slider(key="radio_snr").value == 3.5
    assert at.number_input(key="radio_seed").value == 7
    labels = [m.label for m in at.metric]
    assert labels[:3] == ["noisy input", "radio-dae", "radio-dae-seed"] and "sine subtraction" in labels
    assert len(charts(at)) == 3  # time domain, spectrum, accuracy curves
    assert not at.warning  # both checkpoints load
    at.radio(key="radio_set").set_value("realistic").run()
    at.slider(key="radio_snr").set_value(1.5).run()
    at.button[0].click().run()  # next trace
    assert not at.exception
    assert dict(at.query_params) == {"noise": "realistic", "snr": "1.5", "seed": "8"}
    assert "whitened matched filter" in [m.label for m in at.metric]


def test_hostile_url_values_fall_back_to_defaults():
    at = open_page({"noise": "<script>", "snr": "nan", "seed": "-5"})
    assert at.radio(key="radio_set").value == "realistic"
    assert at.slider(key="radio_snr").value == 2.0 and at.number_input(key="radio_seed").value == 0


def _npy(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(a))
    return buf.getvalue()


def test_upload_a_trace_and_a_bad_file():
    at = open_page()
    long = np.sin(np.arange(800) / 7.0) + np.random.default_rng(0).normal(0, 0.3, 800)
    at.file_uploader(key="radio_upload").set_value(("mine.npy", _npy(long), "application/octet-stream")).run()
    assert not at.exception and not at.error
    assert any("window" in i.value for i in at.info)
    assert len(charts(at)) == 5  # + the upload's time-domain and spectrum plots
    at.file_uploader(key="radio_upload").set_value(("bad.npy", b"\x93NUMPY broken", "application/octet-stream")).run()
    assert not at.exception
    assert at.error and "Could not read" in at.error[0].value
    at.file_uploader(key="radio_upload").set_value(("two.csv", b"1,2,3\n4,5,6\n7,8,9", "text/csv")).run()
    assert not at.exception and "single trace" in at.error[0].value


def _station_noise(n: int) -> np.ndarray:
    from engine.data import radio_heldout

    return radio_heldout.noise(np.random.default_rng(0), n)


def test_calibration_panel_spectrum_calibrate_and_use_it_for_an_upload():
    at = open_page()
    at.file_uploader(key="radio_cal_upload").set_value(("station.npy", _npy(_station_noise(32)),
                                                        "application/octet-stream")).run()
    assert not at.exception and not at.error
    assert len(charts(at)) == 4  # + the spectrum of the user's noise against the simulator's
    assert "your noise" in charts(at)[3].proto.spec
    assert not at.success  # nothing calibrated until the button is pressed
    assert at.slider(key="radio_cal_secs").value == 60
    at.slider(key="radio_cal_secs").set_value(0).run()  # conditioning only: instant
    at.button(key="radio_cal_go").click().run()
    assert not at.exception
    assert at.success and "Calibrated on 32 noise traces" in at.success[0].value
    trace = _station_noise(1)[0]
    at.file_uploader(key="radio_upload").set_value(("mine.npy", _npy(trace), "application/octet-stream")).run()
    assert not at.exception and not at.error
    assert "radio-dae (calibrated)" in charts(at)[4].proto.spec  # the user's trace through the calibrated copy


def test_calibration_on_event_traces_conditions_without_fine_tuning():
    from engine.data import radio_heldout

    at = open_page()
    at.checkbox(key="radio_cal_events").check().run()
    at.file_uploader(key="radio_cal_upload").set_value(("events.npy", _npy(radio_heldout.simulate(20, 3.0, 1).noisy),
                                                        "application/octet-stream")).run()
    assert not at.exception and not at.error
    assert "your event traces" in charts(at)[3].proto.spec
    assert not [s for s in at.slider if s.key == "radio_cal_secs"]  # no fine-tuning on traces with pulses
    at.button(key="radio_cal_go").click().run()
    assert not at.exception
    assert at.success and "Calibrated on 20 event traces" in at.success[0].value


def test_calibration_panel_explains_a_bad_file():
    at = open_page()
    at.file_uploader(key="radio_cal_upload").set_value(("few.npy", _npy(_station_noise(5)),
                                                        "application/octet-stream")).run()
    assert not at.exception
    assert at.error and "at least 16" in at.error[0].value
    assert len(charts(at)) == 3 and not at.success
