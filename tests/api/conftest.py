"""One `python -m engine serve --mcp` on a free loopback port for the whole tests/api session, and a gradio_client
connected to it. The server is polled until it answers (no fixed sleep)."""

import pytest

from engine.loadtest import LOOPBACK, free_port, start_server, stop_server


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "server.log"
    proc = start_server(port, mcp=True, log_path=log)
    yield f"http://{LOOPBACK}:{port}"
    stop_server(proc)


@pytest.fixture(scope="session")
def client(server_url):
    from gradio_client import Client

    return Client(server_url, verbose=False)
