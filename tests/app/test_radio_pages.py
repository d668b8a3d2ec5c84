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
