"""Every bad input the images issue lists: each one is read (or refused) with a clear message, and none crashes
the engine. The network here is a tiny random one written to a temp checkpoint folder: these tests are about
reading and shapes, the shipped model's quality is tested in tests/quality/test_images_bars.py."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from engine import api, checkpoints
from engine.models.ffdnet import FFDNetConfig
from engine.registry import build_model


@pytest.fixture
def tiny_denoiser(ckpt_dir):
    import torch

    torch.manual_seed(0)
    model = build_model("ffdnet", FFDNetConfig(widths=(4, 8), convs=1))
    with torch.no_grad():
        model.tail.weight.normal_(0, 0.01)  # not the identity, so shapes and alignment are really exercised
    checkpoints.save(api.DENOISER, model, {"experiment": api.DENOISER, "model": "ffdnet",
                                           "model_config": {"widths": [4, 8], "convs": 1}}, None, ckpt_dir)
    api.clear_cache()
    return model


def png_bytes(arr, mode=None, **save):
    buf = io.BytesIO()
    Image.fromarray(arr, mode) if mode else Image.fromarray(arr)
    (Image.fromarray(arr, mode) if mode else Image.fromarray(arr)).save(buf, format="PNG", **save)
    return buf.getvalue()


def rgb_noise(h, w, seed=0):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def bomb_png(width, height):
    """A PNG whose header claims width x height but holds almost no data: what a decompression bomb looks like
    before it is decoded. Reading it must stop at the header."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_not_an_image():
    with pytest.raises(ValueError, match="not an image"):
        api.load_image(b"name,value\n1,2\nthis is a CSV file, not a picture\n")


def test_empty_file():
    with pytest.raises(ValueError, match="empty"):
        api.load_image(b"")


def test_truncated_png():
    data = png_bytes(rgb_noise(40, 60))
    with pytest.raises(ValueError, match="truncated or damaged"):
        api.load_image(data[: len(data) // 2])


@pytest.mark.parametrize("w, h", [(30_000, 30_000), (20_000, 10_000)])  # ours, and above Pillow's own 2x limit
def test_decompression_bomb_says_size_and_limit(w, h):
    with pytest.raises(ValueError) as e:
        api.load_image(bomb_png(w, h))
    assert str(e.value).startswith(f"image too large ({w * h / 1e6:.0f} megapixels; limit {api.MAX_MEGAPIXELS})")


def test_16_bit_png_keeps_16_bits(tiny_denoiser):
    a = (np.linspace(0, 65535, 48 * 64).reshape(48, 64)).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    pic = api.load_image(buf.getvalue())
    assert pic.bits == 16 and pic.pixels.shape == (48, 64)
    np.testing.assert_allclose(pic.pixels, a / 65535, atol=1e-6)
    out = api.denoise_picture(pic)
    back = Image.open(io.BytesIO(api.to_png(out.pixels, bits=pic.bits)))
    assert back.mode.startswith("I") and back.size == (64, 48)
    assert np.asarray(back).max() > 255  # really 16-bit values, not 8-bit ones widened


def test_cmyk_jpeg_becomes_rgb(tiny_denoiser):
    buf = io.BytesIO()
    Image.fromarray(rgb_noise(32, 48)).convert("CMYK").save(buf, format="JPEG")
    pic = api.load_image(buf.getvalue())
    assert pic.mode == "CMYK" and pic.pixels.shape == (32, 48, 3)
    assert any("CMYK" in n for n in pic.notes)
    assert api.denoise_picture(pic).pixels.shape == (32, 48, 3)


def test_rgba_png_keeps_alpha(tiny_denoiser):
    rgba = np.dstack([rgb_noise(30, 50), np.tile(np.arange(50, dtype=np.uint8) * 5, (30, 1))])
    pic = api.load_image(png_bytes(rgba))
    assert pic.pixels.shape == (30, 50, 3) and pic.alpha is not None
    out = api.denoise_image(rgba)
    assert out.shape == rgba.shape and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])  # alpha untouched
    back = np.asarray(Image.open(io.BytesIO(api.to_png(api.denoise_picture(pic).pixels, pic.alpha))))
    assert back.shape == (30, 50, 4)
    np.testing.assert_array_equal(back[..., 3], rgba[..., 3])


def test_animated_palette_gif_uses_first_frame_and_says_so(tiny_denoiser):
    frames = [Image.fromarray(np.full((20, 30, 3), c, np.uint8)).convert("P") for c in (10, 128, 250)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    pic = api.load_image(buf.getvalue())
    assert any("3 frames" in n and "first frame" in n for n in pic.notes)
    assert pic.pixels.shape == (20, 30, 3)
    assert abs(pic.pixels.mean() * 255 - 10) < 3  # the first frame, not a later one
    assert api.denoise_picture(pic).pixels.shape == (20, 30, 3)


def test_exif_rotated_jpeg_comes_back_upright():
    upright = np.zeros((60, 40, 3), np.uint8)  # tall picture with a white block at the top
    upright[:15] = 255
    # Stored rotated (wide, block on the left) with EXIF orientation 6: "rotate 90 degrees clockwise to show".
    stored = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", exif=exif, quality=95)
    pic = api.load_image(buf.getvalue())
    assert pic.pixels.shape == (60, 40, 3)
    assert pic.pixels[:10].mean() > 0.9 and pic.pixels[-30:].mean() < 0.1
    assert any("EXIF" in n for n in pic.notes)


def test_one_pixel_image(tiny_denoiser):
    """Any size works with a given noise level; blind, a picture under 8 px a side is refused with a message
    (the estimate would be 0, i.e. "no noise", silently)."""
    for arr in (np.array([[128]], np.uint8), np.array([[[10, 200, 30]]], np.uint8)):
        out = api.denoise_image(arr, sigma=20)
        assert out.shape == arr.shape and out.dtype == np.uint8
        with pytest.raises(ValueError, match="too small to estimate its noise level"):
            api.denoise_image(arr)
    pic = api.load_image(png_bytes(np.array([[77]], np.uint8)))
    assert api.denoise_picture(pic, 10).pixels.shape == (1, 1)
    assert api.denoise_picture(np.zeros((8, 30), np.float32)).pixels.shape == (8, 30)


def test_very_wide_strip(tiny_denoiser):
    strip = (np.random.default_rng(1).random((50, 20_000)) * 255).astype(np.uint8)
    pic = api.load_image(png_bytes(strip))
    out = api.denoise_picture(pic)
    assert out.pixels.shape == (50, 20_000) and np.isfinite(out.pixels).all()


def test_bad_arrays_and_levels(tiny_denoiser):
    with pytest.raises(ValueError, match="shape"):
        api.denoise_image(np.zeros((4, 4, 5)))
    with pytest.raises(ValueError, match="empty"):
        api.denoise_image(np.zeros((0, 7)))
    with pytest.raises(ValueError, match="NaN"):
        api.denoise_image(np.full((8, 8), np.nan))
    with pytest.raises(ValueError, match="between 0 and 255"):
        api.denoise_image(np.zeros((8, 8)), sigma=-3)
    with pytest.raises(ValueError, match="Expected image bytes"):
        api.load_image(12345)
    with pytest.raises(ValueError, match="Unknown noise"):
        api.add_image_noise(np.zeros((8, 8)), "speckle", 0.1)
    with pytest.raises(ValueError, match="unavailable baseline"):
        api.run_image_baseline("magic", np.zeros((8, 8)))


def test_missing_checkpoint_names_the_command(ckpt_dir):
    with pytest.raises(ValueError, match="python -m engine train image-denoiser-gray"):
        api.denoise_image(np.zeros((16, 16), np.uint8))
