"""The images lab's part of the facade: uploaded photos in, denoised photos out. `engine.api` re-exports `__all__`.

Reading an upload is where real files bite, so it is strict and explicit: EXIF orientation is applied, every common
Pillow mode is mapped to gray or RGB (+ alpha, kept aside and put back untouched), animations give their first
frame (with a note), and anything unreadable or too large becomes a ValueError a person can act on.
Heavy imports (torch, PIL, scikit-image) stay inside functions so that `import engine.api` stays cheap.
"""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine import baselines
from engine.api import uploads
from engine.api.models import load, page_calls
from engine.data import images
from engine.data.images import eval_image
from engine.data.noise import salt_and_pepper
from engine.experiments.images import FAST_ABOVE_MP, noisy_copy
from engine.metrics import psnr, ssim
from engine.tiling import denoise, estimate_sigma

__all__ = ["MAX_MEGAPIXELS", "DENOISER", "CAMERA_DENOISER", "FAST_DENOISER", "FAST_ABOVE_MP", "denoiser_for",
           "LoadedImage", "DenoiseResult",
           "load_image", "estimate_noise", "add_image_noise", "remove_impulses", "denoise_image", "denoise_picture",
           "image_baselines", "run_image_baseline", "image_quality", "to_png", "sample_image_names", "sample_image",
           "IMAGE_NOISES", "preview", "zoom_crop", "denoise_thumbnail", "MIN_BLIND_SIDE", "NOISE_KINDS",
           "denoise_file"]

DENOISER = "image-denoiser-gray"  # one blind model for gray and colour (see engine/experiments/images.py)
# Camera photos, level estimated (engine/experiments/images_camera.py): the same network fine-tuned on camera noise.
CAMERA_DENOISER = "image-denoiser-camera"
# Photos over FAST_ABOVE_MP megapixels: the same network narrower, twice as fast, in one pass (a 12 MP photo in
# ~15 s, not ~45).
FAST_DENOISER = "image-denoiser-fast"
# A 24-megapixel camera photo (6000x4000) fits. Measured here (README, "Memory"): 24 MP denoise in 1140 MiB peak
# RSS and 6-12 minutes on one shared core; a 10 kB JPEG claiming 6000x6600 (39.6 MP) is refused from its header.
MAX_MEGAPIXELS = 25
# The blind noise estimate (wavelet MAD) returns 0 below 8 pixels a side, i.e. "no noise", silently; measured on
# camera crops with sigma 25: 1-4 px -> 0.0, 8 px -> 23 (10-90 %: 16-31), 16 px -> 25 (19-28). Smaller pictures
# need the level given.
MIN_BLIND_SIDE = 8
IMAGE_NOISES = {"none": "None", "gaussian": "Gaussian (sigma, 0-255 scale)", "salt_pepper": "Salt & pepper (share)"}
_SAMPLES = ("camera", "astronaut")  # the held-out evaluation pictures: never trained on, so a fair demo


@dataclass
class LoadedImage:
    """A picture ready for the denoiser: float32 on 0-1, (H, W) gray or (H, W, 3) RGB, alpha (H, W) kept aside."""

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    mode: str = "L"  # the mode the file had (Pillow's name)
    bits: int = 8  # 16 for 16-bit gray files: the PNG download keeps 16 bits
    notes: list[str] = field(default_factory=list)  # what was done to read it (first frame, CMYK -> RGB, ...)

    @property
    def megapixels(self) -> float:
        return self.pixels.shape[0] * self.pixels.shape[1] / 1e6


def _too_large(pixels: float) -> ValueError:
    return uploads.too_large(pixels, MAX_MEGAPIXELS)


def _read_bytes(src: Any) -> bytes:
    if isinstance(src, (bytes, bytearray, memoryview)):
        return bytes(src)
    if isinstance(src, (str, Path)):
        p = Path(src)
        if not p.is_file():
            raise ValueError(f"No such image file: {src}")
        return p.read_bytes()
    if hasattr(src, "getvalue"):  # Streamlit's UploadedFile, BytesIO
        return src.getvalue()
    if hasattr(src, "read"):
        return src.read()
    raise ValueError(f"Expected image bytes, a file, a PIL image or an array, not {type(src).__name__}.")


def _from_array(a: np.ndarray) -> LoadedImage:
    """Arrays: uint8/uint16/bool/float (float taken as 0-1); (H, W), (H, W, 1), (H, W, 2|3|4) with alpha last."""
    a = np.asarray(a)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (2, 3, 4)):
        raise ValueError(f"Expected a gray (H, W) or colour (H, W, 3/4) image, got an array of shape {a.shape}.")
    if a.size == 0:
        raise ValueError(f"The image is empty (shape {a.shape}).")
    if a.shape[0] * a.shape[1] > MAX_MEGAPIXELS * 1e6:
        raise _too_large(a.shape[0] * a.shape[1])
    bits = 16 if a.dtype == np.uint16 else 8
    if a.dtype == bool:
        f = a.astype(np.float32)
    elif np.issubdtype(a.dtype, np.integer):
        lo, hi = int(a.min()), int(a.max())
        if lo < 0 or hi > 65535:
            raise ValueError(f"Integer pixels must be 0-255 (8 bit) or 0-65535 (16 bit); this array spans {lo} to "
                             f"{hi}.")
        f = a.astype(np.float32) / (65535.0 if hi > 255 else 255.0)
        bits = 16 if hi > 255 else bits
    elif np.issubdtype(a.dtype, np.floating):
        f = a.astype(np.float32)
        if not np.isfinite(f).all():
            raise ValueError("The image contains NaN or infinite values.")
        lo, hi = float(f.min()), float(f.max())
        # Noisy pictures on the 0-1 scale overshoot it (unclipped Gaussian noise, sigma 50 reaches -0.85 and 1.7):
        # -2 to 3 is accepted as is. Beyond that it is another scale (0-255 floats came back as a white picture).
        if lo < -2 or hi > 3:
            hint = " Divide it by 255 (or pass uint8)." if lo >= -2 and hi <= 255 * 3 else ""
            raise ValueError(f"Float pixels must be on the 0-1 scale; this array spans {lo:g} to {hi:g}.{hint}")
    else:
        raise ValueError(f"Unsupported pixel type {a.dtype}.")
    alpha = None
    if a.ndim == 3 and a.shape[2] in (2, 4):
        f, alpha = f[..., :-1], f[..., -1]
        f = f[..., 0] if f.shape[2] == 1 else f
    return LoadedImage(np.ascontiguousarray(f), alpha, mode="array", bits=bits)


def load_image(src: Any) -> LoadedImage:
    """Read an upload (bytes, file, path, PIL image or array) robustly. Raises ValueError with a clear message for
    an empty, unreadable, truncated or too-large file."""
    from PIL import Image, ImageOps

    if isinstance(src, np.ndarray):
        return _from_array(src)
    notes: list[str] = []
    if isinstance(src, Image.Image):
        im = src
        w, h = im.size
        if w * h > MAX_MEGAPIXELS * 1e6:
            raise _too_large(w * h)
        if w == 0 or h == 0:
            raise ValueError(f"The image has no pixels ({w}x{h}).")
    else:
        im = uploads.open_image(_read_bytes(src), MAX_MEGAPIXELS)
    frames = getattr(im, "n_frames", 1)
    if frames > 1:
        notes.append(f"Animated image with {frames} frames: the first frame is used.")
    try:
        im.load()
        if im.getexif().get(0x0112, 1) in range(2, 9):  # EXIF orientation other than "normal"
            im = ImageOps.exif_transpose(im)
            notes.append("Rotated upright as its EXIF orientation says.")
        pixels, alpha, bits = _pixels(im, notes)
    except uploads.UploadError:
        raise
    except Exception as e:  # noqa: BLE001  Pillow reports damaged data as OSError, SyntaxError, ValueError, ...
        raise uploads.damaged(e) from None
    return LoadedImage(pixels, alpha, mode=src.mode if isinstance(src, Image.Image) else im.mode, bits=bits,
                       notes=notes)


def _pixels(im, notes: list[str]) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Pillow image -> (pixels float32 0-1, alpha or None, bits)."""
    mode = im.mode
    if mode.startswith("I;16") or mode == "I":
        a = np.asarray(im).astype(np.float32)
        return np.clip(a / 65535.0, 0, 1), None, 16
    if mode == "F":
        a = np.asarray(im, np.float32)
        if not np.isfinite(a).all():  # a 32-bit float TIFF with NaN pixels would come back as NaN output
            raise uploads.UploadError("The picture has NaN or infinite pixel values (a floating-point TIFF?). "
                                      "Fill them, or save it as an 8- or 16-bit image.")
        return np.clip(a / (255.0 if a.max() > 1 else 1.0), 0, 1), None, 8
    if mode in ("1", "L"):
        return np.asarray(im.convert("L"), np.float32) / 255, None, 8
    if mode in ("LA", "La"):
        a = np.asarray(im.convert("LA"), np.float32) / 255
        return np.ascontiguousarray(a[..., 0]), np.ascontiguousarray(a[..., 1]), 8
    if mode in ("P", "PA"):
        rgba = mode == "PA" or "transparency" in im.info
        notes.append("Palette image: converted to RGB" + (" with its transparency" if rgba else "")
                     + " (a palette cannot hold the cleaned colours).")
        im = im.convert("RGBA" if rgba else "RGB")
    elif mode == "CMYK":
        notes.append("CMYK image: converted to RGB.")
        im = im.convert("RGB")
    elif mode not in ("RGB", "RGBA", "RGBa"):
        notes.append(f"{mode} image: converted to RGB.")
        im = im.convert("RGBA" if "A" in mode else "RGB")
    u8 = np.asarray(im.convert("RGBA") if im.mode == "RGBa" else im)
    # uint8 -> float32 / 255 straight into the result: no whole-picture float temporaries (24 MP: 288 MB each)
    rgb = np.empty(u8.shape[:2] + (3,), np.float32)
    np.divide(u8[..., :3], np.float32(255), out=rgb)
    if u8.shape[2] == 4:
        alpha = np.empty(u8.shape[:2], np.float32)
        np.divide(u8[..., 3], np.float32(255), out=alpha)
        return rgb, alpha, 8
    return rgb, None, 8


def _as_loaded(img: Any) -> LoadedImage:
    return img if isinstance(img, LoadedImage) else load_image(img)


def estimate_noise(img: Any) -> float:
    """Estimated Gaussian noise std of a picture, on the 0-255 scale (wavelet median absolute deviation)."""

    return 255.0 * estimate_sigma(_as_loaded(img).pixels)


def add_image_noise(img: Any, kind: str, level: float, seed: int = 0) -> np.ndarray:
    """A noisy copy on 0-1, clipped like a saved photo: `gaussian` with std `level` on the 0-255 scale, or
    `salt_pepper` replacing a share `level` of the pixel values by 0 or 1; `none` returns a copy."""

    x = _as_loaded(img).pixels
    rng = np.random.default_rng(int(seed))
    if kind == "none":
        return x.copy()
    if kind == "gaussian":
        if not 0 <= level <= 255:
            raise ValueError(f"Gaussian sigma must be between 0 and 255, not {level}.")
        return np.clip(x + rng.normal(0, level / 255, x.shape), 0, 1).astype(np.float32)
    if kind == "salt_pepper":
        if not 0 <= level <= 1:
            raise ValueError(f"The salt-and-pepper share must be between 0 and 1, not {level}.")
        return salt_and_pepper(x, level, rng)
    raise ValueError(f"Unknown noise {kind!r}; choose one of {', '.join(IMAGE_NOISES)}.")


def remove_impulses(x: np.ndarray, min_share: float = 0.002) -> tuple[np.ndarray, int]:
    """Salt-and-pepper step: values at the picture's extremes (0 or 1) that disagree with their 3x3 median by more
    than a quarter of the range are impulses; each is replaced by the median of its non-impulse neighbours (3x3,
    widening to 5x5 and 7x7 where all neighbours are impulses). Returns (cleaned, impulses replaced); a picture with
    fewer than `min_share` impulses is returned unchanged (a saturated sky is not an impulse: it agrees with its
    median). Measured on camera it beats a plain median and the network alone at p = 0.02-0.2 (docs/images.md);
    very strong clipped Gaussian noise can trip it (astronaut sigma 50: -0.6 dB)."""
    from scipy import ndimage

    a = np.asarray(x, np.float32)
    axes = (3, 3, 1) if a.ndim == 3 else (3, 3)
    # Count first, in bands of rows (a photo without impulses - the usual case - then costs no whole-picture
    # median or masks): a pixel that is not at an extreme cannot be an impulse, and a band with one halo row gives
    # the 3x3 median of its rows exactly as the whole picture would.
    threshold = min_share * a.size
    if threshold > 0 and sum(int(((b <= 0.0) | (b >= 1.0)).sum()) for b in _bands(a)) < threshold:
        return a, 0
    if threshold > 0 and _count_impulses(a, axes) < threshold:
        return a, 0
    med = ndimage.median_filter(a, size=axes, mode="reflect")
    hit = ((a <= 0.0) | (a >= 1.0)) & (np.abs(a - med) > 0.25)
    n = int(hit.sum())
    if n < threshold:
        return a, 0
    planes = a[..., None] if a.ndim == 2 else a
    out, bad = planes.copy(), hit.reshape(planes.shape)
    for c in range(planes.shape[2]):
        ys, xs = np.nonzero(bad[..., c])
        out[ys, xs, c] = _good_neighbour_median(planes[..., c], bad[..., c], ys, xs, med.reshape(planes.shape)[..., c])
    return out.reshape(a.shape), n


def _bands(a: np.ndarray, rows: int = 256):
    for y in range(0, a.shape[0], rows):
        yield a[y:y + rows]


def _count_impulses(a: np.ndarray, axes: tuple[int, ...] = (3, 3), chunk: int = 1 << 20) -> int:
    """How many values are impulses (at an extreme and more than 0.25 from their 3x3 median, per channel), with
    the median computed at the extreme values only: a noisy photo clipped to 8 bits has a few % of them, and a
    whole-picture median filter for the count took 3.3 s of a 12 MP photo's 23 s. Equal to the median filter's
    count with mode="reflect" (an index past the edge is the edge pixel: clipping the index does exactly that).
    `axes` is the filter's shape: (3, 3) or (3, 3, 1), both a 3x3 window within each channel."""
    planes = a[..., None] if a.ndim == 2 else a
    h, w = planes.shape[:2]
    dy, dx = (d.ravel() for d in np.mgrid[-1:2, -1:2])
    n = 0
    for c in range(planes.shape[2]):
        p = planes[..., c]
        ys, xs = np.nonzero((p <= 0.0) | (p >= 1.0))
        for s in range(0, len(ys), chunk):
            y, x = ys[s:s + chunk], xs[s:s + chunk]
            win = p[np.clip(y[:, None] + dy, 0, h - 1), np.clip(x[:, None] + dx, 0, w - 1)]
            med = np.partition(win, 4, axis=1)[:, 4]
            n += int((np.abs(p[y, x] - med) > 0.25).sum())
    return n


def _good_neighbour_median(p: np.ndarray, bad: np.ndarray, ys: np.ndarray, xs: np.ndarray,
                           fallback: np.ndarray) -> np.ndarray:
    """Median of the non-impulse pixels around each (y, x), widening 3x3 -> 5x5 -> 7x7 where there is none;
    computed at the impulses only, in chunks, so the cost follows the number of impulses, not the picture."""
    masked = np.pad(np.where(bad, np.nan, p), 3, mode="edge")
    vals = fallback[ys, xs].copy()
    todo = np.ones(len(ys), bool)
    for r in (1, 2, 3):
        dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
        for s in range(0, len(ys), 20_000):
            idx = np.nonzero(todo[s:s + 20_000])[0] + s
            if not len(idx):
                continue
            win = masked[ys[idx, None] + 3 + dy.ravel(), xs[idx, None] + 3 + dx.ravel()]
            ok = np.isfinite(win).any(1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                m = np.nanmedian(win[ok], axis=1) if ok.any() else np.empty(0)
            vals[idx[ok]] = m
            todo[idx[ok]] = False
    return vals


@dataclass
class DenoiseResult:
    pixels: np.ndarray  # float32 on 0-1, clipped, same shape as the input pixels
    sigma: float  # noise std used, 0-255 scale
    sigma_estimated: bool  # True when no level was given (blind)
    seconds: float
    impulses: int = 0  # salt-and-pepper impulses replaced before the network
    model: str = DENOISER  # the experiment whose weights denoised it
    one_pass: bool = False  # a big picture: no self-ensemble (see denoise_picture)


NOISE_KINDS = {"gaussian": "Even grain (added noise, scans, renders)",
               "camera": "Camera photo (phone or camera JPEG)"}


def denoiser_for(kind: str, sigma: float | None, megapixels: float = 0.0) -> str:
    """The model for a noise kind and size: camera photos with the level estimated get the camera-noise model (it
    beats the Gaussian one given the same camera estimate on its own simulator and on two camera-noise families
    written apart from it: docs/images.md); other pictures (and a hand-set sigma, which means a Gaussian sigma) the
    Gaussian one, in its fast width above FAST_ABOVE_MP megapixels."""
    if kind == "camera" and sigma is None:
        return CAMERA_DENOISER
    return FAST_DENOISER if megapixels > FAST_ABOVE_MP else DENOISER


def denoise_picture(img: Any, sigma: float | None = None, impulses: str | bool = "auto",
                    on_progress: Callable[[float], None] | None = None, kind: str = "gaussian") -> DenoiseResult:
    """Denoise any picture with the shipped network: `sigma` on the 0-255 scale, None to estimate it (which needs
    at least MIN_BLIND_SIDE pixels a side); `impulses` "auto" runs the salt-and-pepper step when impulses are
    detected (True: always look, False: never). `on_progress(fraction done)` is called after every tile; an
    exception raised in it cancels the work. `kind` "camera" (the camera-noise model, see `denoiser_for`)
    estimates the level the way camera noise needs
    (demosaicked and JPEG-compressed noise hides from the usual estimate); it only matters when sigma is None."""
    if kind not in NOISE_KINDS:
        raise ValueError(f"Unknown noise kind {kind!r}: use one of {', '.join(NOISE_KINDS)}.")

    if sigma is not None and not (np.isfinite(sigma) and 0 <= sigma <= 255):
        raise ValueError(f"The noise level must be between 0 and 255 (or left to the estimate), not {sigma}.")
    pic = _as_loaded(img)
    h, w = pic.pixels.shape[:2]
    if sigma is None and min(h, w) < MIN_BLIND_SIDE:
        raise ValueError(f"The image is {w}x{h} pixels: too small to estimate its noise level (that needs at least "
                         f"{MIN_BLIND_SIDE}x{MIN_BLIND_SIDE}). Give the noise level (sigma) or use a larger picture.")
    name = denoiser_for(kind, sigma, pic.megapixels)
    model = load(name)
    t0 = time.perf_counter()
    x, n = (pic.pixels, 0) if impulses is False else remove_impulses(pic.pixels, 0.0 if impulses is True else 0.002)
    # Over FAST_ABOVE_MP megapixels, one pass instead of the self-ensemble's two: ~0.6 of the time for 0.05-0.13 dB
    # (measured on camera/astronaut and camera noise, docs/images.md) - what keeps a 12 MP photo near 15 s.
    one_pass = pic.megapixels > FAST_ABOVE_MP
    out, used = denoise(model, x, None if sigma is None else sigma / 255, on_progress=on_progress,
                        camera=kind == "camera", ensemble=not one_pass)
    np.clip(out, 0, 1, out=out)  # in place: a 24 MP colour result is 288 MB
    return DenoiseResult(out.astype(np.float32, copy=False), used * 255, sigma is None,
                         time.perf_counter() - t0, n, name, one_pass)


def denoise_file(path: str, sigma: float | None = None, kind: str = "gaussian") -> tuple[bytes, float, float]:
    """Read an upload from `path`, denoise it and encode the result: (PNG bytes, sigma used on the 0-255 scale,
    network seconds). A path in and bytes out, so a server can run it in a worker process without sending a
    picture's pixels across."""
    pic = load_image(path)
    r = denoise_picture(pic, sigma, kind=kind)
    return to_png(r.pixels, pic.alpha, pic.bits), r.sigma, r.seconds


def denoise_image(img: Any, sigma: float | None = None) -> np.ndarray:
    """The facade contract: any size, gray or RGB (alpha passed through), uint8/uint16 or float (0-1) in, same
    shape and dtype out. `sigma` is the noise std on the 0-255 scale; None estimates it. Bytes, files and PIL
    images are read with `load_image` and come back as float32 on 0-1 (with alpha as a last channel if any)."""
    arr = np.asarray(img) if isinstance(img, np.ndarray) else None
    pic = _as_loaded(img)
    out = denoise_picture(pic, sigma).pixels
    if pic.alpha is not None:
        out = np.concatenate([out if out.ndim == 3 else out[..., None], pic.alpha[..., None]], -1)
    if arr is None:
        return out
    out = out.reshape(arr.shape)
    if arr.dtype == np.uint8:
        return np.round(out * 255).astype(np.uint8)
    if arr.dtype == np.uint16:
        return np.round(out * (65535 if pic.bits == 16 else 255)).astype(np.uint16)
    if arr.dtype == bool:
        return out > 0.5
    return out.astype(arr.dtype if np.issubdtype(arr.dtype, np.floating) else np.float32)


def image_baselines() -> list[str]:
    """Classical denoisers available here (BM3D only when its optional package is installed)."""

    return [k for k in baselines.IMAGE_BASELINES if k != "BM3D" or baselines.bm3d_available()]


def run_image_baseline(name: str, img: Any, sigma: float | None = None) -> tuple[np.ndarray, float]:
    """Run one classical denoiser: (pixels clipped to 0-1, seconds). `sigma` on the 0-255 scale or None."""

    if name not in image_baselines():
        raise ValueError(f"Unknown or unavailable baseline {name!r}; available: {', '.join(image_baselines())}.")
    x = _as_loaded(img).pixels
    t0 = time.perf_counter()
    out = baselines.IMAGE_BASELINES[name](x, None if sigma is None else sigma / 255)
    return np.clip(out, 0, 1).astype(np.float32), time.perf_counter() - t0


def image_quality(clean: np.ndarray, test: np.ndarray) -> dict[str, float]:
    """PSNR (dB) and SSIM of `test` against the clean reference (both on 0-1, same shape)."""

    clean, test = np.asarray(clean, np.float32), np.asarray(test, np.float32)
    if clean.shape != test.shape:
        raise ValueError(f"Reference and result differ in shape: {clean.shape} vs {test.shape}.")
    return {"psnr": psnr(clean, test), "ssim": ssim(clean, test, channel_axis=-1 if clean.ndim == 3 else None)}


def to_png(pixels: np.ndarray, alpha: np.ndarray | None = None, bits: int = 8) -> bytes:
    """PNG bytes of a picture on 0-1 (gray or RGB, + alpha): same mode family as the upload; 16-bit gray stays
    16-bit. Rows are quantised band by band and streamed into the encoder (pypng), so a 24 MP colour picture never
    exists as a whole uint8 image beside its float one (that took 170 MB at the peak of the photo page's work)."""
    p = np.asarray(pixels, np.float32)
    h, w = p.shape[:2]
    if bits == 16 and p.ndim == 2 and alpha is None:
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(_quantise(p, 65535, np.uint16)).save(buf, format="PNG")  # mode I;16
        return buf.getvalue()
    import png

    planes = 1 if p.ndim == 2 else p.shape[2]
    channels = planes + (alpha is not None)

    def rows():
        for y in range(0, h, 256):
            band = _quantise(p[y:y + 256], 255, np.uint8).reshape(-1, w, planes)
            if alpha is not None:
                band = np.concatenate([band, _quantise(np.asarray(alpha)[y:y + 256], 255, np.uint8)[..., None]], -1)
            yield from band.reshape(-1, w * channels)

    buf = io.BytesIO()
    png.Writer(w, h, greyscale=channels in (1, 2), alpha=channels in (2, 4), bitdepth=8).write(buf, rows())
    return buf.getvalue()


def _quantise(p: np.ndarray, top: int, dtype) -> np.ndarray:
    """round(clip(p, 0, 1) * top) as `dtype`, in bands of rows: a 24 MP colour picture would otherwise need three
    288 MB float temporaries at once."""
    out = np.empty(p.shape, dtype)
    for y in range(0, p.shape[0], 256):
        out[y:y + 256] = np.round(np.clip(p[y:y + 256], 0, 1) * np.float32(top))
    return out


def sample_image_names() -> list[str]:
    return list(_SAMPLES)


def sample_image(name: str) -> LoadedImage:
    """A bundled sample picture (the held-out evaluation ones, never trained on)."""

    if name not in _SAMPLES:
        raise ValueError(f"Unknown sample {name!r}; choose one of {', '.join(_SAMPLES)}.")
    return LoadedImage(eval_image(name), mode="L" if name == "camera" else "RGB")


def _uint8(pixels: np.ndarray) -> np.ndarray:
    return np.round(np.clip(np.asarray(pixels, np.float32), 0, 1) * 255).astype(np.uint8)


def preview(pixels: np.ndarray, max_side: int = 1024) -> np.ndarray:
    """A uint8 copy no larger than `max_side` pixels a side (every k-th pixel): what a page sends to the browser,
    so a 24-megapixel photo does not travel whole on every rerun. Details are shown by `zoom_crop`."""
    a = np.asarray(pixels)
    k = max(1, -(-max(a.shape[:2]) // max_side))
    return _uint8(a[::k, ::k])


def zoom_crop(pixels: np.ndarray, cx: float, cy: float, zoom: int = 2, size: int = 384) -> np.ndarray:
    """A size x size uint8 view of the picture magnified `zoom` times (pixels repeated, no smoothing, so noise and
    artefacts stay visible), centred at (cx, cy) given as fractions of the width and height. Calling it with the
    same arguments on several pictures gives synchronized crops."""
    a = np.asarray(pixels)
    if zoom < 1:
        raise ValueError(f"Zoom must be at least 1, not {zoom}.")
    h, w = a.shape[:2]
    n = max(1, size // zoom)
    ch, cw = min(n, h), min(n, w)
    y0 = int(np.clip(round(cy * h - ch / 2), 0, h - ch))
    x0 = int(np.clip(round(cx * w - cw / 2), 0, w - cw))
    crop = a[y0:y0 + ch, x0:x0 + cw]
    return _uint8(np.repeat(np.repeat(crop, zoom, 0), zoom, 1))


def denoise_thumbnail() -> np.ndarray:
    """The home page's card picture: a crop of astronaut, noisy on the left half and denoised on the right."""

    clean = eval_image("astronaut")[20:276, 130:386]
    noisy = np.clip(noisy_copy(clean, 35, seed=0), 0, 1)
    out = denoise_picture(noisy).pixels
    both = np.concatenate([noisy[:, :128], out[:, 128:]], 1)
    both[:, 127:129] = 1.0  # a white divider
    return _uint8(both)


@page_calls(DENOISER)
def _images_page_calls() -> dict:

    small = images.eval_image("camera")[:128, :128]
    return {"denoise_image(128x128 gray)": lambda: denoise_image(small),
            "estimate_sigma(512 gray)": lambda: estimate_noise(images.eval_image("camera"))}
