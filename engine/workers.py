"""Worker processes that end with their parent.

A `ProcessPoolExecutor` worker waits on its call queue; when the parent is killed (SIGTERM or SIGKILL, as a test
fixture or a container stop does) nothing tells it, because the worker holds the queue's write end itself and
never sees end-of-file. Measured here: 54 photo workers (~345 MB each) were left behind by an afternoon of test
servers. `worker_start` is a pool's initializer: it lowers the worker's priority and starts a thread that exits
the process as soon as the parent is gone. Nothing from gradio or torch is imported, so a spawned worker loads
only what its jobs need.
"""

from __future__ import annotations

import os
import threading
import time

POLL_S = 0.5


def worker_start(nice: int, parent: int) -> None:
    """Pool initializer: `os.nice(nice)`, then exit (without cleanup: there is no one left to report to) once
    `parent` is no longer this process's parent, i.e. it died and the process was re-parented."""
    os.nice(nice)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL_S)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
