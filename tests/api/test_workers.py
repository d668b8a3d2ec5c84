"""The server's photo workers end with the server, however it ends (they once piled up: 54 of them, ~345 MB each,
left by test servers that were killed)."""

import time

import psutil
import pytest

from engine.loadtest import LOOPBACK, free_port, start_server


@pytest.mark.parametrize("how", ["kill", "terminate"])
def test_photo_workers_exit_with_the_server(tmp_path, how):
    proc = start_server(free_port(), log_path=tmp_path / "server.log")
    server = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    while len(workers := server.children(recursive=True)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # both workers are started at launch
    assert len(workers) >= 2, f"expected two photo workers under {LOOPBACK} server, found {workers}"
    getattr(proc, how)()
    proc.wait(30)
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers outlived the server: {alive}"
