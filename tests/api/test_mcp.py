"""`--mcp`: the endpoints are MCP tools whose descriptions are the functions' docstrings."""

import inspect

import requests

from engine import serve


def test_tools_and_their_descriptions(server_url):
    r = requests.get(f"{server_url}/gradio_api/mcp/schema", timeout=30)
    r.raise_for_status()
    tools = {t["name"]: t for t in r.json()}
    for name, fn in [("denoise_photo", serve.denoise_photo), ("denoise_trace", serve.denoise_trace),
                     ("simulate_radio", serve.simulate_radio), ("restore_letter", serve.restore_letter),
                     ("decode_point", serve.decode_point), ("latent_grid", serve.latent_grid),
                     ("interpolate", serve.interpolate), ("sample", serve.sample),
                     ("latent_models", serve.latent_models)]:
        assert name in tools, f"{name} is not an MCP tool; tools: {sorted(tools)}"
        first_line = inspect.getdoc(fn).splitlines()[0]
        assert first_line[:60] in tools[name]["description"]
    params = tools["decode_point"]["inputSchema"]["properties"]
    assert {"model", "x", "y"} <= set(params)
    assert "2-D latent" in params["model"]["description"]
