"""Command line: python -m engine {list, train, eval, bench, serve}. Run with -h for help.

The engine is imported inside each command, not at the top: `-h` and a mistyped command answer at once instead of
after torch and every lab have loaded (~2 s)."""

from __future__ import annotations

import argparse
import json
import shlex
import sys


def _cmd_list(args: argparse.Namespace) -> int:
    from engine import api

    rows = [("experiment", "lab", "checkpoint", "headline metric")]
    for i in api.list_experiments():
        head = f"{i.headline} = {i.headline_value:g}" if i.headline_value is not None else "-"
        bars = "" if not i.bars else ("  (bars met)" if all(i.bars.values()) else "  (BARS NOT MET)")
        rows.append((i.name, i.lab, i.status, head + bars))
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)) + "  " + r[3])
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from engine import api, checkpoints
    from engine.experiments import all_experiments, get_experiment
    from engine.training import TqdmCallback

    if args.all == bool(args.name):
        print("Name one experiment or pass --all.", file=sys.stderr)
        return 2
    names = [e.name for e in all_experiments()] if args.all else [args.name]
    failed = []
    for name in names:
        print(f"== training {name}", file=sys.stderr)
        command = "python -m engine " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        if args.all:
            command = f"python -m engine train {name}"
        # With --all, a dataset path goes only to the experiments that read one.
        data = args.data if not args.all or get_experiment(name).use_data else None
        _, card = api.train(name, epochs=args.epochs, seed=args.seed, callbacks=[TqdmCallback()], command=command,
                            data=data, init=args.init, lr=args.lr, resume=args.resume)
        if not card:  # torchrun: a rank other than 0 trained its share; rank 0 reports and writes
            continue
        print(f"{name}: {card['wall_time_s']} s, {card['steps']} steps, wrote {checkpoints.paths(name)[0]}")
        for k, v in card["metrics"].items():
            print(f"  {k:28s} {v:g}")
        for bar, ok in card["bars"].items():
            print(f"  bar {bar:24s} {'met' if ok else 'NOT MET'}")
            if not ok:
                failed.append(f"{name}: {bar}")
    if failed:
        print("Bars not met: " + "; ".join(failed), file=sys.stderr)
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from engine import api
    from engine.experiments import get_experiment

    exp = get_experiment(args.name)
    metrics = api.evaluate(args.name, seed=api.EVAL_SEED if args.seed is None else args.seed)
    if not args.json:
        for k, v in metrics.items():
            print(f"{k:28s} {v:g}")
        for b in exp.bars:
            verdict = "met" if b.holds(metrics) else "NOT MET"
            print(f"bar {str(b):24s} {verdict if b.judged(metrics) else 'not judged (metric not measured here)'}")
    print(json.dumps(metrics))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    if args.name == "serve":  # the HTTP server under load, not a model: a top-layer module of its own
        from engine.loadtest import run_load_bench

        report = run_load_bench(users=args.users, seconds=args.seconds, out=not args.no_save)
        if args.json:
            print(json.dumps(report))
        return 0 if report["ok"] else 1
    from engine import api
    from engine.bench import run_bench

    report = run_bench(args.name, quick=args.quick, out=not args.no_save, timings=api.page_call_timings)
    if args.json:
        print(json.dumps(report))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from engine.serve import main as serve

    serve(host=args.host, port=args.port, mcp=args.mcp)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine", description="Train, evaluate, benchmark and serve the models.")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="experiments, checkpoint status and headline metric").set_defaults(fn=_cmd_list)
    t = sub.add_parser("train", help="train an experiment and write its checkpoint + card atomically")
    t.add_argument("name", nargs="?")
    t.add_argument("--all", action="store_true", help="retrain every experiment")
    t.add_argument("--epochs", type=int)
    t.add_argument("--seed", type=int)
    t.add_argument("--data", help="a dataset path (for labs that read one)")
    t.add_argument("--init", action="store_true",
                   help="continue from the shipped checkpoint's weights instead of starting from scratch")
    t.add_argument("--lr", type=float, help="peak learning rate (default: the experiment's)")
    t.add_argument("--resume", action="store_true",
                   help="continue a killed run from checkpoints/.state/NAME.safetensors (same arguments)")
    t.set_defaults(fn=_cmd_train)
    e = sub.add_parser("eval", help="measure the shipped checkpoint afresh on held-out data")
    e.add_argument("name")
    e.add_argument("--json", action="store_true", help="print only one JSON object (metric -> number)")
    e.add_argument("--seed", type=int, help="noise seed of the held-out draws (default: the cards' seed, 1234)")
    e.set_defaults(fn=_cmd_eval)
    b = sub.add_parser("bench", help="quality and speed against baselines, measured in the same run")
    b.add_argument("name", nargs="?", help="an experiment or a lab (default: all), or 'serve' for the HTTP load test")
    b.add_argument("--json", action="store_true", help="also print the whole report as one JSON line")
    b.add_argument("--quick", action="store_true", help="fewer repeats and draws")
    b.add_argument("--no-save", action="store_true", help="do not write reports/bench-*.json")
    b.add_argument("--users", type=int, default=32, help="bench serve: simulated users (default 32)")
    b.add_argument("--seconds", type=int, default=60, help="bench serve: length of the load run (default 60)")
    b.set_defaults(fn=_cmd_bench)
    s = sub.add_parser("serve", help="the Gradio demo app and HTTP API (+ MCP tools) on 127.0.0.1")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)")
    s.add_argument("--port", type=int, default=7860)
    s.add_argument("--mcp", action="store_true", help="also serve the endpoints as MCP tools (/gradio_api/mcp/sse)")
    s.set_defaults(fn=_cmd_serve)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except ValueError as e:  # bad names, missing or corrupt checkpoints: a message, not a traceback
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was written (checkpoints are replaced atomically).", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
