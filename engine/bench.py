"""`python -m engine bench`: quality against baselines and server time of the page calls, in one run.

Figures are medians over repeats on whatever machine runs this; they are printed and written to
reports/bench-<experiment>.json, never asserted in tests (the machines are noisy).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from engine import checkpoints, runs
from engine.experiments import all_experiments
from engine.registry import BENCHES, Experiment

REPORTS = Path(__file__).resolve().parent.parent / "reports"
BUDGET_MS = 100.0  # the target: one page interaction costs at most this much server time


def _select(name: str | None) -> list[Experiment]:
    exps = all_experiments()
    if not name:
        return exps
    pick = [e for e in exps if e.name == name or e.lab == name or e.name.startswith(name.rstrip("*"))]
    if name in BENCHES:  # a named bench (e.g. "gans": one table over the lab) runs instead of the lab's experiments
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


def run_bench(name: str | None = None, quick: bool = False, out: bool = True,
              timings: Callable[[Experiment, int], dict[str, float]] | None = None) -> dict[str, Any]:
    """Benchmark the selected experiments (all by default) and return {experiment: report}. `timings(exp, repeats)`
    measures the server time of the page calls; the facade supplies it (`engine.api.page_call_timings`), since this
    layer sits below the facade and cannot call it."""
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
            model = checkpoints.cached(exp.name)[0]
        except checkpoints.CheckpointError as e:
            print(f"\n== {exp.name}: skipped ({e})")
            continue
        print(f"\n== {exp.name}")
        rep: dict[str, Any] = {"experiment": exp.name, "metrics": runs.evaluate(exp.name)}
        for k, v in rep["metrics"].items():
            print(f"  {k:28s} {v:g}")
        if timings is not None:
            rep["timings_ms"] = timings(exp, 5 if quick else 30)
        if rep.get("timings_ms"):  # an experiment no page calls directly has none
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
