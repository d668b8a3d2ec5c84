"""Peak memory of the photo page's work on one picture, measured in a process of its own (so nothing else counts):
`python -m engine.memprobe PHOTO.jpg` reads it as an upload, denoises it blind and encodes the PNG download, then
prints one JSON line: megapixels, peak RSS (MB) with the model loaded and after each stage, seconds, output SHA.
`bench image-denoiser-gray` runs it on 1, 12 and 24 MP (README, "Memory")."""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def main(path: str) -> dict:
    import torch

    torch.set_num_threads(1)
    from engine import api

    data = open(path, "rb").read()
    api.load(api.DENOISER)
    base = _rss_mb()
    t0 = time.perf_counter()
    pic = api.load_image(data)
    read = _rss_mb()
    result = api.denoise_picture(pic)
    denoised = _rss_mb()
    png = api.to_png(result.pixels, pic.alpha)
    return {"megapixels": round(pic.megapixels, 1), "size": list(pic.pixels.shape), "model_loaded_mb": round(base),
            "after_read_mb": round(read), "after_denoise_mb": round(denoised), "peak_rss_mb": round(_rss_mb()),
            "seconds": round(time.perf_counter() - t0, 1),
            "output_sha256": hashlib.sha256(result.pixels.tobytes()).hexdigest()[:16],
            "png_sha256": hashlib.sha256(png).hexdigest()[:16]}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
