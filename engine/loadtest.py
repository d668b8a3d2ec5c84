"""`python -m engine bench serve`: the Gradio server under a realistic load, measured (a benchmark, not a test).

It starts `python -m engine serve` on a free loopback port, calls every input of the mix once as a single user
(the reference answers), then runs locust headless (engine/locustfile.py; bounded by --run-time) while sampling
the server's resident memory. Every answer under load is compared with the single-user answer for the same input;
a difference counts as a failed request. Writes reports/bench-serve.json and reports/bench-serve.md.

The REST protocol (also what the README's curl example does): POST /gradio_api/call/<api_name> {"data": [...]}
returns an event id; GET /gradio_api/call/<api_name>/<event_id> streams server-sent events until `complete` (the
outputs) or `error` (the message). Files go first to POST /gradio_api/upload.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

LOOPBACK = "127.0.0.1"  # never anything else: the load test must not leave this machine
ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
TARGETS = {"decode_point": 200.0, "denoise_photo_256": 2000.0}  # p99 targets in ms (the issue's)


# --- the REST client (shared by the reference pass and the locust users) -----------------------------------------

class CallError(Exception):
    """The server answered the call with an error event (its message is the facade's)."""


def call(session: Any, base: str, api_name: str, data: list[Any], timeout: float = 120.0) -> list[Any]:
    """One endpoint call over the REST route: the outputs, or CallError with the server's message."""
    r = session.post(f"{base}/gradio_api/call/{api_name}", json={"data": data}, timeout=timeout)
    r.raise_for_status()
    event_id = r.json()["event_id"]
    r = session.get(f"{base}/gradio_api/call/{api_name}/{event_id}", timeout=timeout)
    r.raise_for_status()
    event, payload = None, None
    for line in r.text.splitlines():  # "event: complete" / "data: [...]" pairs; the last complete/error wins
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            payload = line[5:].strip()
    if event == "complete" and payload is not None:
        return json.loads(payload)
    raise CallError(payload or f"no result (last event {event!r})")


def upload(session: Any, base: str, path: Path, timeout: float = 120.0) -> dict[str, Any]:
    """Upload one file; the FileData a call takes as that input."""
    with open(path, "rb") as f:
        r = session.post(f"{base}/gradio_api/upload", files={"files": (path.name, f, "application/octet-stream")},
                         timeout=timeout)
    r.raise_for_status()
    return {"path": r.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def fingerprint(outputs: list[Any], ignore: tuple[int, ...] = ()) -> str:
    """A digest of a call's outputs that two equal answers share. Gradio names an output file after the SHA-256 of
    its bytes, so a file is compared by that name; numbers and lists as they are (exactly)."""

    def norm(v: Any) -> Any:
        if isinstance(v, dict) and "path" in v:  # FileData: /tmp/gradio/<sha256 of the bytes>/image.png
            return "file:" + Path(v["path"]).parent.name
        if isinstance(v, dict) and v.get("type") == "plotly":
            return "plot"  # the figure is drawn from the other outputs (which are compared)
        return v

    kept = [norm(v) for i, v in enumerate(outputs) if i not in ignore]
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


# --- the mix ---------------------------------------------------------------------------------------------------

def _photo_files(folder: Path) -> dict[str, Path]:
    """The photos the users upload: two 256x256 noisy crops and one 1-megapixel noisy photo (held-out pictures)."""
    from PIL import Image

    from engine import api

    out = {}
    astro = api.add_image_noise(api.sample_image("astronaut"), "gaussian", 25, seed=1)
    camera = api.add_image_noise(api.sample_image("camera"), "gaussian", 15, seed=2)
    for name, pixels in (("astronaut256", astro[100:356, 128:384]), ("camera256", camera[200:456, 64:320])):
        out[name] = folder / f"{name}.png"
        out[name].write_bytes(api.to_png(pixels))
    big = Image.open(io.BytesIO(api.to_png(api.sample_image("astronaut").pixels))).resize((1000, 1000))
    noisy = api.add_image_noise(api.load_image(big), "gaussian", 20, seed=3)
    out["astronaut1mp"] = folder / "astronaut1mp.png"
    out["astronaut1mp"].write_bytes(api.to_png(noisy))
    return out


def build_mix(folder: Path, quick: bool = False) -> list[dict[str, Any]]:
    """Every request the simulated users make, by task: {task, api, data, files, weight, ignore}. A user picks a
    task by weight (decode and latent grid often, a 256-pixel photo and a trace sometimes, a 1-megapixel photo
    rarely), then one of its inputs at random. `quick`: two inputs per task and no 1-megapixel photo (the smoke
    test)."""
    from engine import api

    models = api.latent_models(2)
    vaes = [m for m in models if m in ("digits-vae2", "emoji-vae")]
    photos = _photo_files(folder)
    traces = [api.simulate_trace("realistic", 2.5, s).noisy[0].round(4).tolist() for s in range(4)]
    mix: list[dict[str, Any]] = []

    def add(task: str, weight: float, api_name: str, inputs: list[list[Any]], files: dict[int, str] | None = None,
            ignore: tuple[int, ...] = ()) -> None:
        if quick and task == "denoise_photo_1mp":
            return
        inputs = inputs[:2] if quick else inputs
        for data in inputs:
            mix.append(dict(task=task, api=api_name, data=data, files=files or {}, weight=weight / len(inputs),
                            ignore=ignore))

    pts = [(x, y) for x in (-1.5, -0.5, 0.0, 0.5, 1.5) for y in (-1.0, 0.0, 1.0)]
    add("decode_point", 40, "decode_point", [[m, x, y] for m in models for x, y in pts])
    add("latent_grid", 20, "latent_grid", [[m, n, s] for m in models for n in (10, 15) for s in (2.5, 3.0)])
    add("interpolate", 5, "interpolate", [["emoji-vae", "smile", "crying", 9, "lerp"],
                                          ["digits-vae2", "1", "7", 9, "slerp"], ["letters-dae", "a", "z", 8, "lerp"]])
    add("sample", 5, "sample", [[m, 12, s] for m in vaes for s in range(3)])
    add("restore_letter", 5, "restore_letter", [[c, "salt_pepper", 0.1, s, "letters-dae"] for c in "aeiou"
                                                 for s in range(2)])
    add("simulate_radio", 5, "simulate_radio", [["realistic", 3.0, s] for s in range(4)])
    add("denoise_trace", 5, "denoise_trace", [[t, "realistic"] for t in traces])
    add("galaxy_walk", 4, "galaxy_walk", [["r0", "h3", 8, "slerp", "galaxy-vae"], ["r5", "r9", 8, "lerp", "galaxy-vae"],
                                          ["h1", "h7", 6, "slerp", "galaxy-vae-seed"]])
    add("gan_samples", 4, "gan_samples", [[m, s, 16, "any"] for m in ("gan-vanilla", "gan-wgan-gp", "gan-wgan-div")
                                          for s in range(2)] + [["gan-acgan", 0, 16, "spiral"]])
    # The network time (output 2) varies from call to call; the picture and the noise level must not.
    small = [[str(photos["astronaut256"]), None, "gaussian"], [str(photos["camera256"]), 25, "gaussian"],
             [str(photos["astronaut256"]), None, "camera"]]
    add("denoise_photo_256", 5, "denoise_photo", small,
        files={0: "photo"}, ignore=(2,))
    add("denoise_photo_1mp", 1, "denoise_photo", [[str(photos["astronaut1mp"]), None, "gaussian"]], files={0: "photo"},
        ignore=(2,))
    return mix


def run_item(session: Any, base: str, item: dict[str, Any]) -> list[Any]:
    """Upload an item's files (if any) and make its call: the outputs."""
    data = list(item["data"])
    for i in item["files"]:  # JSON keys are strings
        data[int(i)] = upload(session, base, Path(data[int(i)]))
    return call(session, base, item["api"], data)


# --- the server ------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def start_server(port: int, mcp: bool = False, log_path: Path | None = None, timeout: float = 180.0
                 ) -> subprocess.Popen:
    """`python -m engine serve` on 127.0.0.1:port, returned once it answers (polled, not a fixed sleep)."""
    import requests

    cmd = [sys.executable, "-m", "engine", "serve", "--host", LOOPBACK, "--port", str(port)]
    cmd += ["--mcp"] if mcp else []
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} (log: {log_path})")
        try:
            if requests.get(f"http://{LOOPBACK}:{port}/gradio_api/info", timeout=2).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.25)
    proc.terminate()
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s (log: {log_path})")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class RssSampler(threading.Thread):
    """The server's resident memory every `every` seconds (with its children, if any)."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        import psutil

        self.proc, self.every, self.samples = psutil.Process(pid), every, []
        self._halt = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        while not self._halt.is_set():
            try:
                rss = self.proc.memory_info().rss + sum(c.memory_info().rss for c in self.proc.children(True))
            except Exception:  # the process is gone
                break
            self.samples.append((round(time.monotonic() - t0, 1), rss / 2**20))
            self._halt.wait(self.every)

    def stop(self) -> list[tuple[float, float]]:
        self._halt.set()
        self.join(5)
        return self.samples


# --- the run ---------------------------------------------------------------------------------------------------

def _stats(csv_prefix: Path) -> dict[str, dict[str, float]]:
    rows = {}
    with open(f"{csv_prefix}_stats.csv") as f:
        for r in csv.DictReader(f):
            rows[r["Name"]] = dict(requests=int(r["Request Count"]), failures=int(r["Failure Count"]),
                                   p50_ms=float(r["50%"]), p95_ms=float(r["95%"]), p99_ms=float(r["99%"]),
                                   max_ms=float(r["Max Response Time"]), rps=round(float(r["Requests/s"]), 2))
    return rows


def _failures(csv_prefix: Path) -> list[dict[str, Any]]:
    path = Path(f"{csv_prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path) as f:
        return [dict(name=r["Name"], error=r["Error"][:300], count=int(r["Occurrences"])) for r in csv.DictReader(f)]


def markdown(report: dict[str, Any]) -> str:
    """The per-endpoint table (README and reports/bench-serve.md)."""
    lines = ["| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | req/s | single user, p50 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, s in report["endpoints"].items():
        lines.append(f"| {name} | {s['requests']} | {s['failures']} | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} | "
                     f"{s['p99_ms']:.0f} | {s['rps']:.2f} | {s.get('single_user_p50_ms') or 0:.0f} |")
    r = report["rss_mb"]
    lines += ["", f"{report['users']} users, {report['seconds']} s, {report['total_requests']} requests, "
              f"{report['total_failures']} failed ({report['mismatches']} differed from the single-user answer). "
              f"Server RSS: {r['start']:.0f} MB after warm-up, peak {r['peak']:.0f} MB, {r['end']:.0f} MB at the end "
              f"(peak in the first half {r['peak_first_half']:.0f} MB, second half {r['peak_second_half']:.0f} MB)."]
    lines += [f"- failed: {f['count']} x {f['name']}: {f['error']}" for f in report["failures"]]
    return "\n".join(lines) + "\n"


def reference_answers(base: str, mix: list[dict[str, Any]]) -> dict[str, float]:
    """Call every input once, one at a time, and keep each answer's fingerprint as item["expect"]. Returns the
    median single-user time per task in ms (measured in the same run as the load, so the two compare)."""
    import requests

    times: dict[str, list[float]] = {}
    with requests.Session() as s:
        for item in mix:
            t0 = time.perf_counter()
            item["expect"] = fingerprint(run_item(s, base, item), item["ignore"])
            times.setdefault(item["task"], []).append((time.perf_counter() - t0) * 1000)
    return {task: round(sorted(ts)[len(ts) // 2], 1) for task, ts in times.items()}


def run_locust(base: str, mix: list[dict[str, Any]], folder: Path, users: int, seconds: float,
               spawn_rate: float = 8.0, wait: tuple[float, float] | None = None) -> tuple[dict, list]:
    """Locust headless against `base` (loopback only) for `seconds`: (stats per task, failures)."""
    if urlparse(base).hostname != LOOPBACK:
        raise ValueError(f"The load test only targets {LOOPBACK}, not {base}.")
    (folder / "mix.json").write_text(json.dumps(mix))
    prefix = folder / "locust"
    cmd = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
           "-u", str(users), "-r", str(spawn_rate), "--run-time", f"{max(1, round(seconds))}s", "--stop-timeout",
           "30", "--host", base, "--csv", str(prefix), "--only-summary", "--exit-code-on-error", "0",
           "--loglevel", "WARNING"]
    env = dict(os.environ, LOADTEST_MIX=str(folder / "mix.json"))
    if wait:
        env["LOADTEST_WAIT"] = f"{wait[0]},{wait[1]}"
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
    return _stats(prefix), _failures(prefix)


def run_load_bench(users: int = 32, seconds: int = 60, out: bool = True) -> dict[str, Any]:
    """Serve, warm up with the reference answers, run locust, and report (see the module docstring)."""
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        folder = Path(tmp)
        mix = build_mix(folder)
        port = free_port()
        base = f"http://{LOOPBACK}:{port}"
        print(f"serving on {base} (log {folder / 'server.log'}) ...", file=sys.stderr)
        proc = start_server(port, log_path=folder / "server.log")
        try:
            t0 = time.perf_counter()
            reference_answers(base, mix)  # single user, first calls (this also warms the caches)
            single = reference_answers(base, mix)  # single user, warm: the baseline of the same run
            print(f"{len(mix)} reference answers in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            sampler = RssSampler(proc.pid)
            sampler.start()
            try:
                stats, failures = run_locust(base, mix, folder, users, seconds)
            finally:
                samples = sampler.stop()
        finally:
            stop_server(proc)
    total = stats.pop("Aggregated")
    for task, s in stats.items():
        s["single_user_p50_ms"] = single.get(task)
    half = samples[len(samples) // 2][0] if samples else 0
    rss = [m for _, m in samples] or [0.0]
    report = dict(
        command=f"python -m engine bench serve --users {users} --seconds {seconds}", users=users, seconds=seconds,
        machine=f"{os.cpu_count()} cores, shared (load average {load0:.1f} at the start, "
                f"{os.getloadavg()[0]:.1f} at the end)",
        endpoints=dict(sorted(stats.items())), total_requests=total["requests"], total_failures=total["failures"],
        rps=total["rps"], failures=failures,
        mismatches=sum(f["count"] for f in failures if "single-user" in f["error"]),
        rss_mb=dict(start=rss[0], peak=max(rss), end=rss[-1],
                    peak_first_half=max([m for t, m in samples if t <= half] or [0.0]),
                    peak_second_half=max([m for t, m in samples if t > half] or [0.0])),
        rss_timeline=samples[::4],
    )
    p99 = {k: report["endpoints"].get(k, {}).get("p99_ms") for k in TARGETS}
    report["targets"] = {f"{k} p99 <= {v:.0f} ms": (p99[k] is not None and p99[k] <= v) for k, v in TARGETS.items()}
    report["ok"] = report["total_failures"] == 0
    table = markdown(report)
    print(table)
    for k, met in report["targets"].items():
        print(f"target {k}: {'met' if met else 'NOT MET'}")
    if out:
        REPORTS.mkdir(exist_ok=True)
        (REPORTS / "bench-serve.json").write_text(json.dumps(report, indent=1))
        (REPORTS / "bench-serve.md").write_text(f"`{report['command']}` ({report['machine']})\n\n" + table)
        print(f"wrote {REPORTS / 'bench-serve.json'} and bench-serve.md", file=sys.stderr)
    return report
