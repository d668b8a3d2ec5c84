"""Shared fixtures. Tests are offline; they load the shipped checkpoints or write tiny ones to a temp folder."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402

from engine import api  # noqa: E402


@pytest.fixture
def ckpt_dir(tmp_path, monkeypatch):
    """Point the engine at an empty checkpoint folder for the test, and forget cached models either side."""
    monkeypatch.setenv("AEX_CHECKPOINTS", str(tmp_path))
    api.clear_cache()
    yield tmp_path
    api.clear_cache()
