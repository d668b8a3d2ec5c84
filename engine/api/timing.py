"""The server time of every call a page makes, for `python -m engine bench` (which sits below the facade and is
handed `page_call_timings`): the generic calls each kind of model supports, plus the calls each lab module
registered with `@page_calls`."""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import numpy as np

from engine.api import models as core
from engine.registry import Experiment

Call = tuple[Callable[[], Any], Callable[[], None] | None]  # the call, and a set-up run before each repeat


def _median_ms(fn: Callable[[], Any], repeats: int, setup: Callable[[], None] | None = None) -> float:
    fn()  # warm-up: first-call costs (lazy imports, allocator) are not what a user pays on each click
    times = []
    for _ in range(repeats):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 3)


def _generic_calls(exp: Experiment) -> dict[str, Call]:
    name = exp.name
    model = core.load(name)
    if exp.map_points is None:  # not an autoencoder lab (e.g. the photo denoiser): only its own page calls
        return {}
    x = np.asarray(exp.map_points()[0][0], dtype=np.float32)
    z = core.encode(name, x)
    calls: dict[str, Call] = {
        "encode(1)": (lambda: core.encode(name, x), None),
        "reconstruct(1)": (lambda: core.reconstruct(name, x), None),
        "decode(1)": (lambda: core.decode(name, z), None),
        "render(1)": (lambda: core.render(name, x), None),
    }
    if model.latent_dim == 2:
        cold = core._cached_grid.cache_clear  # time the grid as a first visit pays it, not from the cache
        calls.update({
            "latent_grid(20x20, cold)": (lambda: core.latent_grid(name, 20, 2.5), cold),
            "latent_map figure (cold grid)": (lambda: core.latent_map(name, 20, 2.5, current=z, clicked=z), cold),
            "point_info (map click)": (lambda: core.point_info(name, z), None),
        })
    if hasattr(model, "sample"):
        calls["sample(12)"] = (lambda: core.sample(name, 12, 0), None)
        calls["interpolate(9) + strip"] = (lambda: core.render_strip(name, core.interpolate(name, x, x, 9)), None)
    return calls


def page_call_timings(exp: Experiment, repeats: int) -> dict[str, float]:
    """Server time of each facade call the pages make for this experiment (ms, median of `repeats`)."""
    calls = _generic_calls(exp)
    for make in core.PAGE_CALLS.get(exp.name, []):
        calls.update({label: (fn, None) for label, fn in make().items()})
    return {k: _median_ms(fn, repeats, setup) for k, (fn, setup) in calls.items()}
