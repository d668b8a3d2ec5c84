"""The Gradio demo app, HTTP API and MCP tools: `python -m engine serve [--host H] [--port P] [--mcp]`.

The only module that imports gradio. Every endpoint is a thin function over `engine.api` (no model math here):
it turns widget values into facade arguments, the facade's pictures into PNGs, and the facade's ValueError into
`gr.Error` with the same message. Docstrings and type hints are the API docs and, with `--mcp`, the MCP tool
descriptions: they are written for a person (or an assistant) calling the tool.

Adding a tab (galaxies, GANs, ...) is a function with a docstring plus one row in `TABS` (see `simple_tab`).
"""

from __future__ import annotations

import functools
import gc
import io
import logging
import multiprocessing as mp
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Literal

# Offline and quiet: set before gradio (and huggingface_hub) are imported, which read them at import time.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
# One torch thread per call: calls run side by side in the queue's worker threads, and on this shared 2-core machine
# a 2-thread op waits for its slower thread (a 256x256 photo measured 5.5 s with 2 threads, 0.5 s with 1).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import gradio as gr  # noqa: E402
from PIL import Image  # noqa: E402

from engine import api  # noqa: E402
from engine.workers import worker_start  # noqa: E402

log = logging.getLogger("engine.serve")

HOST = "127.0.0.1"  # loopback unless told otherwise: this is a demo server, not a hardened public service
PORT = 7860
MAX_FILE_SIZE = "25mb"  # a 24-megapixel JPEG fits; the facade also refuses more than api.MAX_MEGAPIXELS
# Queue limits, chosen by measurement (README "HTTP API and MCP", reports/bench-serve.json). The cheap calls (a
# decode is a few ms) share one lane of LIGHT_LIMIT workers: 8 rather than 4, so a decode rarely waits behind
# latent grids (load test on the shared machine: decode p99 530 ms with 8, 960 ms with 4; noisy, one run each).
# Photos take seconds: they wait in a lane of their own and run in two worker *processes*, one for small photos and
# one for large ones, so a 1-megapixel photo never holds up a 256x256 one. Processes, not threads: a photo thread
# held the GIL between torch calls (the tile loop's numpy work) and a decode waited behind it (quiet machine, photo
# threads: decode p99 440 ms against a 200 ms target). The workers run at a lower priority (nice PHOTO_NICE), so a
# decode gets a core first.
LIGHT_LIMIT = int(os.environ.get("ENGINE_SERVE_LIGHT_LIMIT", 8))  # overridable to measure other settings
PHOTO_LIMIT = 8  # photos waiting for the two photo workers (more wait in Gradio's queue)
PHOTO_NICE = int(os.environ.get("ENGINE_SERVE_PHOTO_NICE", 5))
LARGE_PHOTO = 512 * 512  # pixels: above this a photo goes to the large-photo worker
# A thread holding the GIL makes a decode wait up to the switch interval each time it asks for it (5 ms by default,
# dozens of times per call); a shorter interval lets the cheap calls in sooner. Measured in README.
SWITCH_MS = float(os.environ.get("ENGINE_SERVE_SWITCH_MS", 5))


class PhotoWorkers:
    """Two single-process pools ("small", "large") that run `api.denoise_file`: only a path goes in and PNG bytes
    come out. A worker that dies (the kernel's out-of-memory killer, say) is replaced on the next photo, and the
    photo it had gets a clear message instead of a traceback."""

    def __init__(self) -> None:
        self._pools: dict[str, ProcessPoolExecutor] = {}
        self._lock = threading.Lock()

    def _pool(self, lane: str) -> ProcessPoolExecutor:
        with self._lock:
            if lane not in self._pools:
                # spawn, not fork: forking a process that runs server threads can copy a held lock into the child.
                pool = ProcessPoolExecutor(1, mp.get_context("spawn"), initializer=worker_start,
                                           initargs=(PHOTO_NICE, os.getpid()))
                pool.submit(api.denoise_thumbnail)  # imports torch and loads the denoiser before the first photo
                self._pools[lane] = pool
            return self._pools[lane]

    def start(self) -> None:
        """Start both workers now (they take a few seconds to import torch and load the model)."""
        for lane in ("small", "large"):
            self._pool(lane)

    def close(self) -> None:
        """Stop the workers (tests; the server's workers end with it)."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(cancel_futures=True)

    def run(self, lane: str, *args: Any) -> tuple[bytes, float, float]:
        pool = self._pool(lane)
        try:
            return pool.submit(api.denoise_file, *args).result()
        except BrokenProcessPool:
            with self._lock:
                if self._pools.get(lane) is pool:
                    del self._pools[lane]
            raise ValueError("The photo worker stopped while cleaning this photo (out of memory, most likely). "
                             "Try again, or try a smaller photo.") from None


_photo_workers = PhotoWorkers()
# Gradio keeps a copy of the whole app's config per session (~0.4 MB here), 10 000 sessions by default, and every
# REST or MCP call is a session of its own: measured, the server grew by ~2.3 MB/s under the load test (770 MB ->
# 1.19 GB in 180 s). Keeping the last SESSIONS bounds that; the app keeps no per-session state (the dropdowns whose
# choices change accept any value, so a session that was dropped still works). Fewer sessions also means shorter
# garbage collections: with the startup objects frozen, a full collection took ~95 ms with 200 sessions kept and
# ~25 ms with 40 (the objects in those copies are what it walks).
SESSIONS = int(os.environ.get("ENGINE_SERVE_SESSIONS", 64))
SCREEN = 360  # target size in screen pixels of one decoded picture (pixel art is scaled by whole pixels)
GRID_SCREEN = 900  # ... and of a whole latent grid

# Projector-sized: labels 20 px, text 22 px (Gradio's largest preset has 14 px labels); pixel art stays crisp.
TEXT_SIZES = dict(xxs="14px", xs="16px", sm="20px", md="22px", lg="26px", xl="30px", xxl="36px")
CSS = """
.gradio-container { max-width: 1800px !important; }
.gradio-container h1 { font-size: 2.4em !important; }
[role="tab"] { font-size: 1.2em !important; font-weight: 600 !important; }
.gradio-container img { image-rendering: pixelated; }
"""


def _facade_errors(fn: Callable) -> Callable:
    """Bad input -> gr.Error with the facade's own message (shown in the page, returned to API and MCP clients);
    never a traceback."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValueError as e:  # includes api.CheckpointError: a missing model says which command rebuilds it
            raise gr.Error(str(e), print_exception=False) from None

    return wrapped


def photo_input(**kwargs) -> gr.Image:
    """An image upload handed to the function as a file path, unread. The engine's reader applies EXIF
    orientation, keeps 16-bit and alpha, and says what is wrong with a bad file; Gradio's own reader would raise
    first on a file that is not an image, with a message that is not the engine's. (An instance override, not a
    subclass: Gradio writes a .pyi stub beside the module of every Component subclass.)"""
    image = gr.Image(type="filepath", **kwargs)
    read = image.preprocess

    def unread(payload):
        if payload is not None and payload.path and not (payload.url or "").startswith("data:"):
            return str(payload.path)
        return read(payload)

    image.preprocess = unread
    return image


def _scale(shape: tuple[int, ...], screen: int) -> int:
    """Whole screen pixels per model pixel so the longer side is about `screen` (crisp pixel art). Model pictures
    are (H, W) or channels-first (C, H, W)."""
    return max(1, screen // max(shape[-2:]))


# --- photo denoiser --------------------------------------------------------------------------------------------

def _lane(path: str) -> str:
    """Which photo worker: the size from the file's header alone (no decode here). A file Pillow cannot open goes
    to the small worker, whose reader says what is wrong with it."""
    try:
        with Image.open(path) as im:
            w, h = im.size
    except Exception:  # the worker's reader gives the message
        return "small"
    return "large" if w * h > LARGE_PHOTO else "small"


@_facade_errors
def denoise_photo(image: str, sigma: float | None = None,
                  noise: Literal["gaussian", "camera"] = "gaussian") -> tuple[Image.Image, float, float]:
    """Remove noise from a photo with the shipped denoising network (any size up to 25 megapixels, gray or colour;
    transparency and 16-bit gray are kept).

    Args:
        image: the photo (PNG, JPEG, TIFF, BMP, GIF or WebP).
        sigma: the noise level as a standard deviation on the 0-255 scale (e.g. 25); 0 or empty estimates it
            from the photo.
        noise: "gaussian" for even grain (added noise, scans, renders); "camera" for a phone or camera JPEG, whose
            demosaicked, compressed noise hides from the usual estimate. Only matters when sigma is estimated.

    Returns:
        The cleaned photo as a PNG, the noise level used (0-255 scale; the estimate when sigma was 0 or empty) and the
        time the network took in seconds.
    """
    level = float(sigma) if sigma not in (None, "") and float(sigma) > 0 else None  # 0 would mean "no noise"
    png, used, seconds = _photo_workers.run(_lane(image), image, level, noise)
    return Image.open(io.BytesIO(png)), round(used, 2), round(seconds, 3)


@_facade_errors
def noisy_sample(name: Literal["astronaut", "camera"] = "astronaut", sigma: float = 25.0,
                 seed: int = 0) -> Image.Image:
    """A held-out test photo (never used in training) with Gaussian noise added: something to denoise.

    Args:
        name: which photo, "astronaut" (colour) or "camera" (gray).
        sigma: the noise standard deviation on the 0-255 scale.
        seed: the noise seed (same seed, same noise).

    Returns:
        The noisy photo as a PNG.
    """
    noisy = api.add_image_noise(api.sample_image(name), "gaussian", float(sigma), int(seed))
    return Image.fromarray(api.preview(noisy, max_side=4096))


def _photo_tab(demo: gr.Blocks) -> None:
    gr.Markdown("Upload a noisy photo (or take a test photo with added noise) and let the network clean it. "
                "The noise level is estimated unless you give it.")
    with gr.Row(equal_height=False):
        with gr.Column():
            image = photo_input(label="Noisy photo", format="png", sources=["upload", "clipboard"], height=520)
            with gr.Row():
                sigma = gr.Number(label="Noise level σ (0-255; 0 = estimate it)", value=0, minimum=0, maximum=255)
                noise = gr.Radio([(v, k) for k, v in api.NOISE_KINDS.items()], value="gaussian",
                                 label="Kind of noise (for the estimate)")
            with gr.Row():
                which = gr.Dropdown(["astronaut", "camera"], value="astronaut", label="Test photo", scale=1)
                add = gr.Slider(0, 75, value=25, step=1, label="Added noise σ", scale=2)
                seed = gr.Number(0, label="Seed", precision=0, minimum=0, scale=1)
            with gr.Row():
                sample_btn = gr.Button("Noisy test photo")
                go = gr.Button("Denoise", variant="primary")
        with gr.Column():
            out = gr.Image(label="Cleaned (PNG)", format="png", type="pil", height=520, buttons=["download"])
            with gr.Row():
                used = gr.Number(label="Noise level used (σ, 0-255)", interactive=False)
                secs = gr.Number(label="Network time (s)", interactive=False)
    sample_btn.click(noisy_sample, [which, add, seed], image, api_name="noisy_sample", concurrency_id="light")
    demo.load(noisy_sample, [which, add, seed], image, api_visibility="private")  # something to denoise at once
    go.click(denoise_photo, [image, sigma, noise], [out, used, secs], api_name="denoise_photo",
             concurrency_id="photo", concurrency_limit=PHOTO_LIMIT)


# --- radio -----------------------------------------------------------------------------------------------------

@_facade_errors
def simulate_radio(noise_set: Literal["realistic", "uniform", "cosine"] = "realistic", snr: float = 3.0,
                   seed: int = 0) -> tuple[Any, list[float], list[float], int, int]:
    """Simulate one cosmic-ray radio trace (500 samples at 1 GHz: a 30-80 MHz air-shower pulse in noise) and
    recover the pulse with the denoising network.

    Args:
        noise_set: the kind of noise: "realistic" (galactic + thermal + RFI lines), "uniform" or "cosine" (sines).
        snr: signal-to-noise ratio, pulse peak over noise standard deviation (0.5-10); 2-3 is hard.
        seed: the simulation seed (same seed, same trace).

    Returns:
        A plot (plotly) of the trace, the true pulse and each method's recovery; the noisy trace and the
        network's cleaned trace (500 values each); the sample where the network puts the pulse peak and the true
        peak sample.
    """
    v = api.trace_view(noise_set, float(snr), int(seed))
    return (api.trace_figure(v), v.noisy.tolist(), v.outputs["radio-dae"].tolist(), v.peaks["radio-dae"],
            v.true_peak)


@_facade_errors
def denoise_trace(trace: list[float], noise_set: Literal["realistic", "uniform", "cosine"] = "realistic"
                  ) -> dict[str, Any]:
    """Recover the pulse in one radio trace of exactly 500 samples (1 ns each, 1 GHz sampling) with the
    denoising network, and estimate when the pulse peaks.

    Args:
        trace: 500 numbers, the voltage trace (any units).
        noise_set: the kind of noise in the trace, "realistic", "uniform" or "cosine"; it only picks the classical
            filter shown beside the network in the app (the network is blind to the noise kind).

    Returns:
        {"cleaned": the recovered pulse (500 values), "peak": the sample (ns) where the network puts the pulse
        peak}.
    """
    v = api.upload_view(trace, noise_set)
    return {"cleaned": v.outputs["radio-dae"].tolist(), "peak": v.peaks["radio-dae"]}


@_facade_errors
def denoise_trace_file(file: str, noise_set: Literal["realistic", "uniform", "cosine"] = "realistic"
                       ) -> tuple[Any, list[float], int, str]:
    """Recover the pulse in a radio trace uploaded as a .npy or .csv file (one column or one row of numbers).
    Longer traces are windowed to 500 samples around their largest value; shorter ones are resampled to 500.

    Args:
        file: the trace file (.npy, .csv or .txt).
        noise_set: which classical filter to draw for comparison ("realistic", "uniform" or "cosine").

    Returns:
        A plot (plotly), the cleaned trace (500 values), the network's peak sample and a note on how the file
        was read.
    """
    with open(file, "rb") as f:
        trace, note = api.load_trace_file(f.read(), os.path.basename(file))
    v = api.upload_view(trace, noise_set)
    return api.trace_figure(v), v.outputs["radio-dae"].tolist(), v.peaks["radio-dae"], note


def _radio_tab(demo: gr.Blocks) -> None:
    gr.Markdown("A radio antenna sees a nanosecond air-shower pulse buried in galactic noise and radio "
                "interference. The network recovers the pulse; its peak gives the arrival time.")
    sets = list(api.radio_noise_sets())
    with gr.Row():
        noise_set = gr.Dropdown(sets, value=sets[0], label="Noise", scale=1)
        snr = gr.Slider(0.5, 10, value=3, step=0.5, label="SNR (pulse peak / noise std)", scale=2)
        seed = gr.Number(0, label="Seed", precision=0, minimum=0, scale=1)
        sim = gr.Button("Simulate a trace", variant="primary", scale=1)
    with gr.Row():
        upload = gr.File(label="…or upload a trace (.npy / .csv)", file_types=[".npy", ".csv", ".txt"], scale=2,
                         height=120)
        peak = gr.Number(label="Network's peak (ns)", interactive=False, scale=1)
        true_peak = gr.Number(label="True peak (ns)", interactive=False, scale=1)
    plot = gr.Plot(label="Trace")
    note = gr.Textbox(label="How the file was read", interactive=False)
    with gr.Accordion("Numbers (500 samples each)", open=False):
        noisy = gr.JSON(label="Noisy trace")
        cleaned = gr.JSON(label="Cleaned trace")
    sim.click(simulate_radio, [noise_set, snr, seed], [plot, noisy, cleaned, peak, true_peak],
              api_name="simulate_radio", concurrency_id="light")
    upload.upload(denoise_trace_file, [upload, noise_set], [plot, cleaned, peak, note], api_name="denoise_trace_file",
                  concurrency_id="light")
    demo.load(simulate_radio, [noise_set, snr, seed], [plot, noisy, cleaned, peak, true_peak],
              api_visibility="private")
    # API-only (no widget takes a list of 500 numbers): a script or an assistant sends the trace itself.
    gr.api(denoise_trace, api_name="denoise_trace", concurrency_id="light")


# --- letters ---------------------------------------------------------------------------------------------------

LETTER_MODELS = ("letters-dae", "letters-ae")


@_facade_errors
def restore_letter(letter: str = "a", noise: Literal["salt_pepper", "gaussian", "bit_flips", "none"] = "salt_pepper",
                   amount: float = 0.1, seed: int = 0, model: str = "letters-dae"
                   ) -> tuple[Image.Image, Image.Image, str]:
    """Add noise to a 5x7 pixel letter and restore it with a denoising autoencoder whose latent space has only
    two numbers.

    Args:
        letter: one lower-case letter a-z.
        noise: "salt_pepper" (amount = probability a pixel is replaced, 0-0.5), "gaussian" (amount = sigma,
            0-0.8), "bit_flips" (amount = number of pixels flipped, 0-10) or "none".
        amount: how much noise, in the unit of that noise (see above).
        seed: the noise seed (same seed, same noise).
        model: "letters-dae" (trained on noisy letters) or "letters-ae" (trained on clean letters only).

    Returns:
        The noisy letter and the restored letter as PNGs, and which letter the restoration is closest to with the
        number of pixels that differ.
    """
    r = api.denoise_letter(api.training_image(model, letter), noise, float(amount), int(seed), name=model)
    s = _scale(r.output.shape, SCREEN)
    verdict = f"{r.nearest} ({r.distance} pixel{'s' if r.distance != 1 else ''} off)"
    return api.render(model, r.noisy, s), api.render(model, r.output, s), verdict


def _letters_tab(demo: gr.Blocks) -> None:
    gr.Markdown("A 5×7 letter is squeezed into **two numbers** and redrawn from them. Add noise: does the network "
                "still find the letter?")
    kinds = api.noise_kinds()
    with gr.Row():
        # allow_custom_value: an unknown letter or model reaches the engine, whose message says what it knows
        letter = gr.Dropdown(list(api.letter_glyphs()), value="a", label="Letter", scale=1, allow_custom_value=True)
        noise = gr.Dropdown([(v["label"], k) for k, v in kinds.items()], value="salt_pepper", label="Noise", scale=1)
        top = max(float(v["max"]) for v in kinds.values())  # the API accepts every kind's range; the widget follows
        amount = gr.Slider(0, top, value=0.1, step=0.01, label="Amount (probability p)", scale=2)
        seed = gr.Number(0, label="Seed", precision=0, minimum=0, scale=1)
        model = gr.Dropdown(list(LETTER_MODELS), value=LETTER_MODELS[0], label="Model", scale=1,
                            allow_custom_value=True)
    go = gr.Button("Add noise and restore", variant="primary")

    def follow(kind: str):
        k = kinds.get(kind, kinds["salt_pepper"])
        return gr.Slider(maximum=float(k["max"]), step=float(k["step"]), value=float(k["default"]),
                         label=f"Amount ({k['unit'] or 'none'})")

    noise.change(follow, noise, amount, api_visibility="private")
    demo.load(follow, noise, amount, api_visibility="private")  # the API keeps the widest range; a page the kind's
    with gr.Row():
        noisy = gr.Image(label="Noisy", format="png", type="pil", height=420)
        restored = gr.Image(label="Restored", format="png", type="pil", height=420)
    verdict = gr.Textbox(label="Closest letter", interactive=False)
    go.click(restore_letter, [letter, noise, amount, seed, model], [noisy, restored, verdict],
             api_name="restore_letter", concurrency_id="light")
    demo.load(restore_letter, [letter, noise, amount, seed, model], [noisy, restored, verdict],
              api_visibility="private")


# --- latent explorer (every model with a 2-D latent) -------------------------------------------------------------

@_facade_errors
def decode_point(model: str, x: float = 0.0, y: float = 0.0) -> tuple[Image.Image, str]:
    """Decode one point (x, y) of a model's 2-D latent space into the picture the decoder draws there.

    Args:
        model: a model with a 2-D latent: see `latent_models` (e.g. "digits-vae2", "emoji-vae", "letters-ae").
        x: the first latent coordinate (training data mostly lies within about -3..3).
        y: the second latent coordinate.

    Returns:
        The decoded picture as a PNG, and the training item closest to it with its distance (pixels that differ
        for letters and emoji, Euclidean pixel distance for digits).
    """
    info = api.point_info(model, [float(x), float(y)])
    return (api.render(model, info.image, _scale(info.image.shape, SCREEN)),
            f"{info.nearest} (distance {info.distance})")


@_facade_errors
def latent_grid(model: str, n: int = 15, span: float = 3.0) -> Image.Image:
    """Decode an n x n grid of points covering [-span, span]² of a model's 2-D latent space: the whole map of
    what the decoder can draw. Row 0 is the top (y = +span).

    Args:
        model: a model with a 2-D latent (see `latent_models`).
        n: points per side, 2-60.
        span: half-width of the square that is decoded.

    Returns:
        The grid of decoded pictures as one PNG.
    """
    cell = api.decode(model, [0.0, 0.0]).shape
    return api.grid_image(model, int(n), float(span), _scale(cell, GRID_SCREEN // max(2, int(n))))


@_facade_errors
def interpolate(model: str, start: str, end: str, steps: int = 9,
                mode: Literal["lerp", "slerp"] = "lerp") -> Image.Image:
    """Walk through a model's latent space from one training item to another and decode the points along the way.

    Args:
        model: a model with a 2-D latent (see `latent_models`).
        start: the label of the first training item (see `training_labels`; e.g. "a", "7", "smile").
        end: the label of the last training item.
        steps: how many pictures along the path, 2-64.
        mode: "lerp" (straight line between the codes) or "slerp" (along a great circle).

    Returns:
        The pictures along the path as one PNG strip.
    """
    path = api.interpolate(model, api.training_image(model, start), api.training_image(model, end), int(steps), mode)
    return api.render_strip(model, path, max_width=1400, max_scale=12)


@_facade_errors
def sample(model: str, n: int = 12, seed: int = 0) -> Image.Image:
    """Draw n random pictures from a generative model (a VAE: codes drawn from its N(0, I) prior, decoded).

    Args:
        model: a generative model, e.g. "digits-vae2" or "emoji-vae" (plain autoencoders cannot sample).
        n: how many pictures, 1-64.
        seed: the random seed (same seed, same pictures).

    Returns:
        The pictures as one PNG strip.
    """
    if not 1 <= int(n) <= 64:
        raise ValueError("n must be between 1 and 64.")
    return api.render_strip(model, api.sample(model, int(n), int(seed)), max_width=1400, max_scale=12)


@_facade_errors
def training_labels(model: str) -> list[str]:
    """The labels of a model's training items, the names `interpolate` accepts as start and end.

    Args:
        model: a model with a 2-D latent (see `latent_models`).

    Returns:
        The labels, each once, in training order.
    """
    return list(dict.fromkeys(api.training_points(model)[1]))


def latent_models() -> list[str]:
    """The models whose latent space is two-dimensional (the ones the latent explorer can map).

    Returns:
        Their names.
    """
    return api.latent_models(2)


def _labels_update(model: str):
    labels = training_labels(model)
    return (gr.Dropdown(choices=labels, value=labels[0]),
            gr.Dropdown(choices=labels, value=labels[min(len(labels) - 1, 1 if len(labels) < 4 else 3)]))


def _explorer_tab(demo: gr.Blocks) -> None:
    gr.Markdown("Models that squeeze each picture into **two numbers**: pick a point and see what the decoder "
                "draws, map the whole plane, walk between two training items, or draw random samples.")
    models = latent_models()
    model = gr.Dropdown(models, value=models[0] if models else None, label="Model", allow_custom_value=True)
    with gr.Row(equal_height=False):
        with gr.Column():
            x = gr.Slider(-4, 4, value=0, step=0.05, label="x")
            y = gr.Slider(-4, 4, value=0, step=0.05, label="y")
            point = gr.Image(label="Decoded point", format="png", type="pil", height=380)
            nearest = gr.Textbox(label="Closest training item", interactive=False)
        with gr.Column(scale=2):
            with gr.Row():
                n = gr.Slider(2, 30, value=15, step=1, label="Grid size")
                span = gr.Slider(0.5, 6, value=3, step=0.25, label="Span")
            grid = gr.Image(label="Latent grid", format="png", type="pil", height=640)
    with gr.Row():
        labels = training_labels(models[0]) if models else []
        start = gr.Dropdown(labels, value=labels[0] if labels else None, label="From", allow_custom_value=True)
        end = gr.Dropdown(labels, value=labels[-1] if labels else None, label="To", allow_custom_value=True)
        steps = gr.Slider(2, 16, value=9, step=1, label="Steps")
        mode = gr.Radio(["lerp", "slerp"], value="lerp", label="Path")
    walk = gr.Image(label="Walk", format="png", type="pil", height=220)
    with gr.Row():
        count = gr.Slider(1, 24, value=12, step=1, label="Samples")
        seed = gr.Number(0, label="Seed", precision=0, minimum=0)
        draw = gr.Button("Draw samples", variant="primary")
    samples = gr.Image(label="Samples (VAEs only)", format="png", type="pil", height=220)

    light = dict(concurrency_id="light")
    gr.on([x.release, y.release], decode_point, [model, x, y], [point, nearest], api_name="decode_point", **light)
    gr.on([n.release, span.release], latent_grid, [model, n, span], grid, api_name="latent_grid", **light)
    gr.on([start.change, end.change, steps.release, mode.change], interpolate, [model, start, end, steps, mode], walk,
          api_name="interpolate", **light)
    draw.click(sample, [model, count, seed], samples, api_name="sample", **light)
    model.change(_labels_update, model, [start, end], api_visibility="private", **light).then(
        decode_point, [model, x, y], [point, nearest], api_visibility="private").then(
        latent_grid, [model, n, span], grid, api_visibility="private")
    # A page opens with every picture drawn (the projector shows something before anyone clicks).
    demo.load(decode_point, [model, x, y], [point, nearest], api_visibility="private").then(
        latent_grid, [model, n, span], grid, api_visibility="private").then(
        interpolate, [model, start, end, steps, mode], walk, api_visibility="private").then(
        sample, [model, count, seed], samples, api_visibility="private")
    gr.api(latent_models, api_name="latent_models", **light)
    gr.api(training_labels, api_name="training_labels", **light)


# --- galaxies and GANs ------------------------------------------------------------------------------------------

GalaxyModel = Literal["galaxy-vae", "galaxy-vae-seed"]
GanModel = Literal["gan-vanilla", "gan-acgan", "gan-wgan-gp", "gan-wgan-div", "galaxy-vae"]
GalaxyClass = Literal["any", "barred spiral", "elliptical", "spiral"]


def _galaxy_choices() -> list[tuple[str, str]]:
    ids = api.galaxy_ids("renders", n=24) + api.galaxy_ids("hubble", n=24)
    return [(api.galaxy_label(g), g) for g in ids]


@_facade_errors
def galaxy_walk(start: str = "r0", end: str = "r7", steps: int = 8, mode: Literal["lerp", "slerp"] = "slerp",
                model: GalaxyModel = "galaxy-vae") -> tuple[Image.Image, str]:
    """Walk through a galaxy VAE's 50-number latent space from one galaxy to another, decoding the points on the way,
    and say what a galaxy classifier sees in each frame.

    Args:
        start: the first galaxy: "r0"-"r999" are rendered galaxies the model never trained on, "h0"-"h59" real
            galaxies cut out of the Hubble Deep Field.
        end: the last galaxy (same ids).
        steps: pictures along the path, 3-24.
        mode: "lerp" (a straight line between the two codes) or "slerp" (a great circle: the codes keep the length
            the prior expects, so the middle frames stay sharp).
        model: "galaxy-vae" (convolutional) or "galaxy-vae-seed" (the seed's MLP, 50-D latent).

    Returns:
        The frames as one PNG strip, and the classifier's most likely class with its probability for each frame.
    """
    w = api.galaxy_walk(model, api.galaxy_image(start), api.galaxy_image(end), int(steps), mode)
    verdict = " → ".join(f"{api.GALAXY_CLASSES[int(p.argmax())]} {p.max():.2f}" for p in w.probs)
    return w.strip, verdict


@_facade_errors
def gan_samples(model: GanModel = "gan-wgan-div", seed: int = 0, n: int = 16,
                galaxy_class: GalaxyClass = "any") -> Image.Image:
    """Draw galaxies from one of four GANs trained on the same rendered galaxies (or from the galaxy VAE), to compare
    how much variety each keeps. The four GANs share the latent size: one seed gives each the same latent codes.

    Args:
        model: "gan-vanilla" (classic GAN), "gan-acgan" (class-conditional), "gan-wgan-gp" (Wasserstein, gradient
            penalty), "gan-wgan-div" (Wasserstein divergence) or "galaxy-vae" (the VAE's prior samples).
        seed: the random seed (same seed, same latents).
        n: how many galaxies, 1-64.
        galaxy_class: for gan-acgan, the class to draw ("any" mixes them); the other models ignore it.

    Returns:
        The galaxies as one PNG grid, 4 wide.
    """
    cls = None if galaxy_class == "any" else api.GALAXY_CLASSES.index(galaxy_class)
    return api.gan_samples(model, int(seed), int(n), cls if model == "gan-acgan" else None, scale=3)


def _galaxy_inputs() -> list[Any]:
    choices = _galaxy_choices()
    return [gr.Dropdown(choices, value="r0", label="From", allow_custom_value=True),
            gr.Dropdown(choices, value="h3", label="To", allow_custom_value=True),
            gr.Slider(3, 24, value=8, step=1, label="Steps"), gr.Radio(["lerp", "slerp"], value="slerp", label="Path"),
            gr.Radio(["galaxy-vae", "galaxy-vae-seed"], value="galaxy-vae", label="Model")]


def _gan_inputs() -> list[Any]:
    return [gr.Radio(["gan-vanilla", "gan-acgan", "gan-wgan-gp", "gan-wgan-div", "galaxy-vae"], value="gan-wgan-div",
                     label="Model"),
            gr.Number(0, label="Seed", precision=0, minimum=0), gr.Slider(1, 64, value=16, step=1, label="Galaxies"),
            gr.Radio(["any", *api.GALAXY_CLASSES], value="any", label="Class (ACGAN only)")]


# --- the app ---------------------------------------------------------------------------------------------------

@dataclass
class Tab:
    """One tab of the demo: its title and a function that builds its widgets and wires its endpoints."""

    title: str
    build: Callable[[gr.Blocks], None]  # gets the app, to fill its outputs when a page opens (demo.load)


def simple_tab(fn: Callable, inputs: Callable[[], list[Any]], outputs: Callable[[], list[Any]], api_name: str,
               button: str = "Run", intro: str = "") -> Callable[[gr.Blocks], None]:
    """A tab builder for a one-call demo: the inputs, a button, the outputs, filled once when the page opens.
    `inputs` and `outputs` make the components (called inside the app). A new lab's tab is then one row in TABS:

        Tab("Galaxies", simple_tab(galaxy_walk, lambda: [gr.Slider(2, 16, 9, step=1, label="Steps")],
                                   lambda: [gr.Image(format="png", type="pil", height=300)], "galaxy_walk"))

    with `galaxy_walk` a typed function over `engine.api` whose docstring says what it does (its API and MCP
    description); bad input raises ValueError as everywhere."""

    def build(demo: gr.Blocks) -> None:
        if intro:
            gr.Markdown(intro)
        with gr.Row(equal_height=False):
            with gr.Column():
                ins = inputs()
                go = gr.Button(button, variant="primary")
            with gr.Column(scale=2):
                outs = outputs()
        call = _facade_errors(fn)
        go.click(call, ins, outs, api_name=api_name, concurrency_id="light")
        demo.load(call, ins, outs, api_visibility="private")

    return build


TABS: list[Tab] = [
    Tab("Photo denoiser", _photo_tab),
    Tab("Radio pulses", _radio_tab),
    Tab("Letters", _letters_tab),
    Tab("Latent explorer", _explorer_tab),
    Tab("Galaxy walk", simple_tab(galaxy_walk, _galaxy_inputs, lambda: [
        gr.Image(label="Frames", format="png", type="pil", height=200),
        gr.Textbox(label="What the classifier sees in each frame", interactive=False)], "galaxy_walk", "Walk",
        "Walk through a VAE's galaxy space from one galaxy to another (**r** = rendered, never trained on; **h** = "
        "a real galaxy from the Hubble Deep Field).")),
    Tab("GAN samples", simple_tab(gan_samples, _gan_inputs, lambda: [
        gr.Image(label="Samples", format="png", type="pil", height=560)], "gan_samples", "Draw",
        "Four GANs trained on the same galaxies with the same budget: does one keep drawing the same few "
        "(mode collapse)? The Streamlit app's GAN page has the numbers.")),
]


def build_app() -> gr.Blocks:
    """The Blocks app: one tab per row of TABS, the queue limits set, nothing launched."""
    with gr.Blocks(title="Autoencoder latent-space explorer", delete_cache=(600, 900)) as demo:
        gr.Markdown("# Autoencoder latent-space explorer")
        for tab in TABS:
            with gr.Tab(tab.title):
                tab.build(demo)
    demo.queue(default_concurrency_limit=LIGHT_LIMIT, max_size=256)
    return demo


def main(host: str = HOST, port: int = PORT, mcp: bool = False) -> None:
    """Build and serve the app until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.setswitchinterval(SWITCH_MS / 1000)
    _photo_workers.start()
    demo = build_app()
    theme = gr.themes.Default(text_size=gr.themes.Size(**TEXT_SIZES))
    demo.launch(server_name=host, server_port=port, mcp_server=mcp, max_file_size=MAX_FILE_SIZE, ssr_mode=False,
                state_session_capacity=SESSIONS, show_error=False, theme=theme, css=CSS,
                footer_links=["api"], prevent_thread_lock=True)
    # Python's full garbage collection walks every tracked object while holding the GIL: with gradio, fastapi and
    # torch loaded that is ~600 000 objects, and every request waited ~330 ms whenever one ran (measured with
    # gc.callbacks under the load test, several times a minute). Everything alive once the server is up lives as
    # long as the server, so freeze it: the collector then walks only what requests create.
    api.warm_up()
    gc.collect()
    gc.freeze()
    log.info("startup objects frozen for the garbage collector: %d", gc.get_freeze_count())
    demo.block_thread()
