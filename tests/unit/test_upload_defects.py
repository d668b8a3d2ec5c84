"""The upload defects issue 17 lists, one reproduction each: every path's bad input is a ValueError a person can act
on (the pages catch ValueError; anything else is a traceback on screen), and nothing silently wrong comes back."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from engine import api
from engine.api import radio as api_radio


def _save(im, fmt, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def ztxt_bomb_png() -> bytes:
    """A small PNG whose zTXt chunk inflates to 8 MB (Pillow's MAX_TEXT_CHUNK is 1 MB)."""
    png = _save(Image.new("L", (8, 8), 128), "PNG")
    bomb = _chunk(b"zTXt", b"comment\x00\x00" + zlib.compress(b"a" * 8_000_000, 9))
    return png[:33] + bomb + png[33:]


def lying_jpeg(w: int = 6000, h: int = 6600) -> bytes:
    """A 10 kB-class JPEG whose SOF header claims w x h pixels."""
    data = bytearray(_save(Image.new("L", (64, 64), 100), "JPEG"))
    i = data.index(b"\xff\xc0")
    data[i + 5:i + 9] = struct.pack(">HH", h, w)
    return bytes(data)


JPEG = _save(Image.fromarray((np.random.default_rng(0).random((40, 40, 3)) * 255).astype(np.uint8)), "JPEG")
WEBP = _save(Image.new("RGB", (40, 40), (10, 200, 30)), "WEBP")
ICO = _save(Image.new("RGBA", (32, 32), (10, 200, 30, 255)), "ICO")
DDS = _save(Image.new("RGBA", (16, 16), (1, 2, 3, 255)), "DDS")
RNG = np.random.default_rng(1)

BAD_IMAGES = {
    "jpeg cut to 9 bytes": JPEG[:9],
    "jpeg cut to 124 bytes": JPEG[:124],
    "BM + random": b"BM" + RNG.bytes(300),
    "webp cut short": WEBP[:40],
    "webp garbage body": WEBP[:16] + RNG.bytes(200),
    "jpeg2000 magic + garbage": b"\x00\x00\x00\x0cjP  \r\n\x87\n" + RNG.bytes(200),
    "dds magic + garbage": b"DDS " + RNG.bytes(200),
    "dds truncated": DDS[: len(DDS) // 2],
    "ico cut short": ICO[:30],
    "png zTXt bomb": ztxt_bomb_png(),
    "lying jpeg header 6000x6600": lying_jpeg(),
}
LAB_TIFF = _save(Image.new("LAB", (40, 40), (50, 10, 10)), "TIFF")
NAN_TIFF = _save(Image.fromarray(np.where(np.eye(32, dtype=bool), np.nan, 0.5).astype(np.float32), "F"), "TIFF")


def _paths(data):
    return {
        "photo": lambda: api.load_image(data),
        "digit upload": lambda: api.upload_to_digit(data),
        "drawing": lambda: api.read_drawing(data),
        "anomaly upload": lambda: api.anomaly_heatmap(upload=data),
        "as_batch": lambda: api.as_batch("digits-vae2", data),
    }


@pytest.mark.parametrize("case", sorted(BAD_IMAGES))
@pytest.mark.parametrize("path", sorted(_paths(b"")))
def test_bad_image_files_are_readable_value_errors(case, path):
    if case.startswith("lying") and path != "photo":  # digit paths decode JPEG at 1/8 size: cheap, so accepted
        try:
            _paths(BAD_IMAGES[case])[path]()
        except ValueError as e:
            assert "too large" in str(e)
        return
    with pytest.raises(ValueError) as e:
        _paths(BAD_IMAGES[case])[path]()
    msg = str(e.value)
    assert "MAX_TEXT_CHUNK" not in msg and "not enough image data" not in msg, msg
    if case == "png zTXt bomb":
        assert "metadata" in msg
    if case.startswith("lying"):
        assert "too large" in msg


def test_photo_limit_refuses_the_lying_header_before_decoding():
    """6000x6600 is 39.6 MP: above the limit measured for this machine (see README, memory table)."""
    with pytest.raises(ValueError, match=f"limit {api.MAX_MEGAPIXELS:g}"):
        api.load_image(lying_jpeg())


@pytest.mark.parametrize("path", ["digit upload", "anomaly upload", "drawing"])
def test_lab_tiff_on_the_digit_paths_reads_or_says_why(path):
    try:
        _paths(LAB_TIFF)[path]()
    except ValueError as e:
        assert "LAB" in str(e) or "blank" in str(e) or "damaged" in str(e)


def test_float_tiff_with_nan_pixels_is_refused_not_returned_as_nan():
    with pytest.raises(ValueError, match="NaN"):
        api.load_image(NAN_TIFF)
    with pytest.raises(ValueError, match="NaN"):
        api.upload_to_digit(NAN_TIFF)


@pytest.mark.parametrize("arr,match", [
    (np.full((8, 8), 200.0), "0-1 scale.*Divide it by 255"),
    (np.full((8, 8), -5.0), "0-1 scale"),
    (np.full((8, 8), 1e9), "0-1 scale"),
    (np.full((8, 8), -3, np.int16), "0-255"),
    (np.full((8, 8), 70000, np.int32), "0-65535"),
])
def test_load_image_range_checks_arrays(arr, match):
    with pytest.raises(ValueError, match=match):
        api.load_image(arr)


@pytest.mark.parametrize("arr,match", [
    (np.full((28, 28), np.nan), "NaN"),
    (np.full((28, 28), np.inf), "NaN"),
    (np.array([["a"] * 28] * 28), "pixel numbers"),
    (np.full((28, 28), -5.0), "0-255"),
])
def test_drawing_reader_refuses_nan_inf_and_strings(arr, match):
    with pytest.raises(ValueError, match=match):
        api.read_drawing(arr)


def _npz() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, trace=np.sin(np.arange(500) / 7))
    return buf.getvalue()


TRACE = np.sin(np.arange(500) / 7) + 0.01 * np.arange(500) % 3


@pytest.mark.parametrize("data,name,match", [
    (_npz(), "trace.npy", "npz archive"),
    (("\n".join(str(v) for v in TRACE * 1e300)).encode(), "t.csv", "Rescale"),
    (("\n".join(str(v) for v in TRACE[:250]) + "\nfoo\n" + "\n".join(str(v) for v in TRACE[250:])).encode(), "t.csv",
     "Line 251"),
])
def test_radio_uploads_refused_with_a_reason(data, name, match):
    with pytest.raises(ValueError, match=match):
        api_radio.load_trace_file(data, name)


def test_radio_decimal_comma_and_quoted_numbers_are_read():
    comma = "value\n" + "\n".join(f"{v:.6f}".replace(".", ",") for v in TRACE)
    y, _ = api_radio.load_trace_file(comma.encode(), "t.csv")
    np.testing.assert_allclose(y, TRACE, atol=1e-5)
    semi = "t;v\n" + "\n".join(f"{i};{v:.6f}".replace(".", ",") for i, v in enumerate(TRACE))
    np.testing.assert_allclose(api_radio.load_trace_file(semi.encode(), "t.csv")[0], TRACE, atol=1e-5)
    quoted = "\n".join(f'"{v:.6f}"' for v in TRACE)
    np.testing.assert_allclose(api_radio.load_trace_file(quoted.encode(), "t.txt")[0], TRACE, atol=1e-5)
