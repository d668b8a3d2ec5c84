"""Locust users for `python -m engine bench serve` (engine/loadtest.py starts the server and runs this headless).

Each simulated user waits 2-8 s (a person looking at the last answer), then makes one call of the mix in
$LOADTEST_MIX, chosen by weight, and checks the answer against the single-user answer for the same input. One
call (upload + POST + the event stream) is timed as one request named after its task; an answer that differs is a
failed request. Run by hand:

    LOADTEST_MIX=mix.json locust -f engine/locustfile.py --headless -u 32 -r 8 -t 60s --host http://127.0.0.1:PORT
"""

from __future__ import annotations

import json
import os
import random
import time
from urllib.parse import urlparse

import requests
from locust import User, between, task

from engine.loadtest import LOOPBACK, CallError, fingerprint, run_item

MIX = json.loads(open(os.environ["LOADTEST_MIX"]).read()) if os.environ.get("LOADTEST_MIX") else []
WEIGHTS = [item["weight"] for item in MIX]


WAIT = tuple(float(v) for v in os.environ.get("LOADTEST_WAIT", "2,8").split(","))  # seconds between calls


class DemoUser(User):
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        if urlparse(self.host).hostname not in (LOOPBACK, "localhost"):
            raise RuntimeError(f"refusing to load-test {self.host}: loopback addresses only")
        if not MIX:
            raise RuntimeError("set LOADTEST_MIX to a mix file written by engine.loadtest")
        self.session = requests.Session()  # gevent-patched by locust, so the users run concurrently

    @task
    def one_call(self) -> None:
        item = random.choices(MIX, weights=WEIGHTS)[0]
        # A fresh connection per action: after 2-8 s of thinking, a kept-alive connection may be closed by the
        # server (uvicorn's keep-alive is 5 s) just as the POST is sent; a browser retries that, requests does not.
        self.session.close()
        t0 = time.perf_counter()
        error, outputs = None, None
        try:
            outputs = run_item(self.session, self.host, item)
        except (CallError, requests.RequestException) as e:
            error = e
        ms = (time.perf_counter() - t0) * 1000
        if error is None and fingerprint(outputs, tuple(item["ignore"])) != item["expect"]:
            error = AssertionError(f"{item['api']}: the answer differs from the single-user answer for "
                                   f"{json.dumps(item['data'])[:120]}")
        self.environment.events.request.fire(request_type="CALL", name=item["task"], response_time=ms,
                                             response_length=len(json.dumps(outputs)) if outputs else 0,
                                             exception=error, context={})
