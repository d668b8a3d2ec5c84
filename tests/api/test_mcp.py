"""`--mcp`: the endpoints are MCP tools whose descriptions are the functions' docstrings."""

import inspect

import pytest
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


def test_an_mcp_client_lists_and_calls_the_tools(server_url):
    """A real MCP session (streamable HTTP): the tools are listed with descriptions, a call returns the facade's
    answer, a bad call the facade's message."""
    import anyio
    import numpy as np
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    from engine import api

    async def session():
        async with streamable_http_client(f"{server_url}/gradio_api/mcp/") as (read, write, _):
            async with ClientSession(read, write) as s:
                await s.initialize()
                tools = {t.name: t for t in (await s.list_tools()).tools}
                ok = await s.call_tool("latent_models", {})
                bad = await s.call_tool("denoise_trace", {"trace": [0.5] * 10, "noise_set": "realistic"})
                return tools, ok, bad

    tools, ok, bad = anyio.run(session)
    assert "Decode one point" in tools["decode_point"].description
    assert not ok.isError and "digits-vae2" in ok.content[0].text
    with pytest.raises(ValueError) as e:
        api.denoise_trace(np.full(10, 0.5))
    assert bad.isError and str(e.value)[:40] in bad.content[0].text


def test_a_new_tab_is_one_row(monkeypatch):
    """simple_tab: a documented function and one row in TABS give a tab, an API endpoint and its description."""
    import gradio as gr

    def walk(steps: int = 5) -> str:
        """Walk a few steps.

        Args:
            steps: how many.
        """
        return "." * int(steps)

    monkeypatch.setattr(serve, "TABS", [serve.Tab("Walk", serve.simple_tab(
        walk, lambda: [gr.Slider(1, 9, 5, step=1, label="Steps")], lambda: [gr.Textbox()], "walk"))])
    demo = serve.build_app()
    info = demo.get_api_info()["named_endpoints"]
    assert "/walk" in info and info["/walk"]["parameters"][0]["parameter_name"] == "steps"
