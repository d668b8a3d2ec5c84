"""One strict reader for a user's image bytes, shared by every upload path (photo, digit upload, anomaly upload,
drawings given as bytes, `as_batch`). Whatever Pillow raises for a broken file (OSError, SyntaxError, EOFError,
struct and zlib errors, its own ValueErrors) becomes a ValueError a person can act on; sizes are checked from the
header before anything is decoded, so a 10 kB file that claims 40 megapixels costs nothing.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

__all__: list[str] = []  # internal helpers of the facade modules; nothing here is re-exported

READABLE = "a PNG, JPEG, GIF, TIFF, BMP or WebP file"


class UploadError(ValueError):
    """A ValueError whose message is already written for a person (passed through unchanged)."""


def too_large(pixels: float, limit_mp: float) -> ValueError:
    return UploadError(f"image too large ({pixels / 1e6:.0f} megapixels; limit {limit_mp:g}). "
                      "Scale it down or crop it, then upload it again.")


def damaged(e: BaseException) -> ValueError:
    text = str(e)
    if "MAX_TEXT_CHUNK" in text or "Decompressed data too large" in text:
        return UploadError("The file carries an oversized metadata block (a text or colour-profile chunk that "
                          "inflates to megabytes). Save the picture again without metadata, or as a JPEG.")
    if "not enough image data" in text or "truncated" in text.lower() or isinstance(e, EOFError):
        return UploadError("The image file is truncated or damaged: it ends before all its pixels. Save or download it "
                          f"again, then upload it ({READABLE}).")
    return UploadError(f"The image file is truncated or damaged and cannot be decoded ({type(e).__name__}). Save it "
                      f"the program that made it, or upload {READABLE}.")


def open_image(data: Any, max_megapixels: float, draft: tuple[str, tuple[int, int]] | None = None):
    """Bytes -> a fully decoded PIL image (first frame), or ValueError. `draft` lets JPEG decode at reduced size."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UploadError(f"Expected the bytes of an image file, not {type(data).__name__}.")
    if not data:
        raise UploadError(f"The file is empty (0 bytes): choose {READABLE}.")
    try:
        with warnings.catch_warnings():  # our own limit below is stricter than Pillow's warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(bytes(data)))
            w, h = im.size
            if w * h > max_megapixels * 1e6:  # from the header alone: nothing has been decoded yet
                raise too_large(w * h, max_megapixels)
            if w <= 0 or h <= 0:
                raise UploadError(f"The image has no pixels ({w}x{h}).")
            if getattr(im, "n_frames", 1) > 1:
                im.seek(0)
            if draft is not None:
                im.draft(*draft)
            im.load()
    except Image.DecompressionBombError as e:  # Pillow refuses > 2x its own limit before we see the size
        n = re.search(r"\((\d+) pixels\)", str(e))
        raise too_large(int(n.group(1)) if n else 2 * Image.MAX_IMAGE_PIXELS, max_megapixels) from None
    except UnidentifiedImageError:
        raise UploadError(f"This file is not an image that can be read: upload {READABLE}.") from None
    except UploadError:
        raise
    except ValueError as e:
        raise damaged(e) from None
    except (MemoryError, RecursionError) as e:
        raise UploadError(f"The image is too large or too deeply nested to decode ({type(e).__name__}).") from None
    except Exception as e:  # noqa: BLE001  Pillow: OSError, SyntaxError, EOFError, struct.error, zlib.error, ...
        raise damaged(e) from None
    return im
