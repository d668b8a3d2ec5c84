"""`python -m engine.memprobe` (behind bench image-denoiser's memory and speed table) on a small JPEG."""

import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image


def test_memprobe_reports_a_run_with_the_threads_asked_for(tmp_path):
    path = tmp_path / "p.jpg"
    Image.fromarray((np.random.default_rng(0).random((384, 512, 3)) * 255).astype(np.uint8)).save(path)
    env = {**os.environ, "AEX_TORCH_THREADS": "2"}
    r = subprocess.run([sys.executable, "-m", "engine.memprobe", str(path)], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["size"] == [384, 512, 3] and out["threads"] == 2
    assert out["peak_rss_mb"] >= out["after_read_mb"] >= out["model_loaded_mb"] > 50
    assert out["megapixels_per_s"] > 0 and out["seconds"] > 0
