"""`python -m engine bench`: quality against baselines and server time of the page calls, in one run.

Figures are medians over repeats on whatever machine runs this; they are printed and written to
reports/bench-<experiment>.json, never asserted in tests (the machines are noisy).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from engine import api
from engine.registry import BENCHES, Experiment, all_experiments

REPORTS = Path(__file__).resolve().parent.parent / "reports"
BUDGET_MS = 100.0  # the target: one page interaction costs at most this much server time


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


def page_call_timings(exp: Experiment, repeats: int) -> dict[str, float]:
    """Server time of each engine.api call the pages make for this experiment (ms, median)."""
    name = exp.name
    model = api.load(name)
    calls: dict[str, tuple[Callable[[], Any], Callable[[], None] | None]] = {}
    if exp.map_points is None:  # not an autoencoder lab (e.g. the photo denoiser): only its own page calls
        return _time_calls(exp, calls, repeats)
    x = np.asarray(exp.map_points()[0][0], dtype=np.float32)
    z = api.encode(name, x)
    calls.update({
        "encode(1)": (lambda: api.encode(name, x), None),
        "reconstruct(1)": (lambda: api.reconstruct(name, x), None),
        "decode(1)": (lambda: api.decode(name, z), None),
        "render(1)": (lambda: api.render(name, x), None),
    })
    if model.latent_dim == 2:
        cold = api._cached_grid.cache_clear  # time the grid as a first visit pays it, not from the cache
        calls.update({
            "latent_grid(20x20, cold)": (lambda: api.latent_grid(name, 20, 2.5), cold),
            "latent_map figure (cold grid)": (lambda: api.latent_map(name, 20, 2.5, current=z, clicked=z), cold),
            "point_info (map click)": (lambda: api.point_info(name, z), None),
        })
    if hasattr(model, "sample"):
        calls["sample(12)"] = (lambda: api.sample(name, 12, 0), None)
        calls["interpolate(9) + strip"] = (lambda: api.render_strip(name, api.interpolate(name, x, x, 9)), None)
    return _time_calls(exp, calls, repeats)


def _time_calls(exp: Experiment, calls: dict, repeats: int) -> dict[str, float]:
    for label, fn in (exp.page_calls() if exp.page_calls else {}).items():
        calls[label] = (fn, None)
    return {k: _median_ms(fn, repeats, setup) for k, (fn, setup) in calls.items()}


def _select(name: str | None) -> list[Experiment]:
    exps = all_experiments()
    if not name:
        return exps
    pick = [e for e in exps if e.name == name or e.lab == name or e.name.startswith(name.rstrip("*"))]
    if not pick and name in BENCHES:
        return []
    if not pick:
        raise ValueError(f"No experiment or lab matches {name!r}; try one of {', '.join(e.name for e in exps)}.")
    return pick


def _print_table(rows: list[dict], title: str) -> None:
    print(f"\n{title}")
    cols = list(rows[0])
    cells = [[f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.rjust(w) for c, w in zip(cols, widths)))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths)))


def run_bench(name: str | None = None, quick: bool = False, out: bool = True) -> dict[str, Any]:
    """Benchmark the selected experiments (all by default) and return {experiment: report}."""
    reports: dict[str, Any] = {}
    selected = _select(name)
    for bench_name, fn in BENCHES.items():  # benches that train what they measure (no checkpoint)
        if name and name != bench_name:
            continue
        print(f"\n== {bench_name}")
        rep = {"bench": bench_name, **fn(quick=quick)}
        _print_table(rep["rows"], rep.get("table", bench_name))
        for line in rep.get("notes", []):
            print(line)
        reports[bench_name] = rep
        if out:
            REPORTS.mkdir(exist_ok=True)
            (REPORTS / f"bench-{bench_name}.json").write_text(json.dumps(rep, indent=2, default=str))
    for exp in selected:
        try:
            model = api.load(exp.name)
        except api.CheckpointError as e:
            print(f"\n== {exp.name}: skipped ({e})")
            continue
        print(f"\n== {exp.name}")
        rep: dict[str, Any] = {"experiment": exp.name, "metrics": api.evaluate(exp.name)}
        for k, v in rep["metrics"].items():
            print(f"  {k:28s} {v:g}")
        rep["timings_ms"] = page_call_timings(exp, 5 if quick else 30)
        slow = [k for k, v in rep["timings_ms"].items() if v > BUDGET_MS]
        _print_table([{"call": k, "ms (median)": v} for k, v in rep["timings_ms"].items()],
                     f"server time of page calls (budget {BUDGET_MS:g} ms): "
                     + ("all within budget" if not slow else f"OVER: {', '.join(slow)}"))
        if exp.bench:
            extra = exp.bench(model, quick=quick)
            rep.update(extra)
            if "rows" in extra:
                _print_table(extra["rows"], extra.get("table", "quality"))
        reports[exp.name] = rep
        if out:
            REPORTS.mkdir(exist_ok=True)
            (REPORTS / f"bench-{exp.name}.json").write_text(json.dumps(rep, indent=2))
    return reports
