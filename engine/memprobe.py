"""Peak memory of the photo page's work on one picture, measured in a process of its own (so nothing else counts):
`python -m engine.memprobe PHOTO.jpg` reads it as an upload, denoises it blind and encodes the PNG download, then
prints one JSON line: megapixels, peak RSS (MB) with the model loaded and after each stage, seconds (read to PNG),
megapixels per second, output SHA. $AEX_TORCH_THREADS sets torch's threads (default 1).
`bench image-denoiser-gray` runs it on 1, 12 and 24 MP (README, "Memory")."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time


def _rss_mb() -> float:
    """Peak RSS of this process so far, in MB. VmHWM (Linux), not getrusage's ru_maxrss: the kernel carries
    ru_maxrss over execve from the process that spawned us, so a probe started by a bench holding a large picture
    reported the bench's peak (1670 MB at "model loaded" in one run), not its own."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # elsewhere: kB on Linux, bytes on macOS


def main(path: str) -> dict:
    import torch

    # The Streamlit app lets torch use every core; the bench measures with the threads it is given (default 1).
    torch.set_num_threads(int(os.environ.get("AEX_TORCH_THREADS", 1)))
    from PIL import Image

    from engine import api

    data = open(path, "rb").read()
    with Image.open(path) as im:  # the header only: which model the page would pick for this size
        api.load(api.denoiser_for("gaussian", None, im.width * im.height / 1e6))
    base = _rss_mb()
    t0 = time.perf_counter()
    pic = api.load_image(data)
    read = _rss_mb()
    result = api.denoise_picture(pic)
    denoised = _rss_mb()
    png = api.to_png(result.pixels, pic.alpha)
    return {"megapixels": round(pic.megapixels, 1), "size": list(pic.pixels.shape), "model_loaded_mb": round(base),
            "after_read_mb": round(read), "after_denoise_mb": round(denoised), "peak_rss_mb": round(_rss_mb()),
            "seconds": round(time.perf_counter() - t0, 2), "threads": torch.get_num_threads(),
            "megapixels_per_s": round(pic.megapixels / (time.perf_counter() - t0), 3), "model": result.model,
            "output_sha256": hashlib.sha256(result.pixels.tobytes()).hexdigest()[:16],
            "png_sha256": hashlib.sha256(png).hexdigest()[:16]}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
