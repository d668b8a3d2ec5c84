"""Shared by the AppTest modules: every test starts with empty Streamlit and engine caches.

`st.cache_resource` and the engine's model cache live for the whole pytest process, so without this a test could
pass only because an earlier one warmed (or broke) a cache.
"""

import pytest
import streamlit as st

from engine import api


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    api.clear_cache()
    yield
    api.clear_cache()
