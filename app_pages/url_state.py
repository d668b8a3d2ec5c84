"""Reading page state from the URL (`st.query_params`), shared by the pages. Not a page itself: app.py lists the
pages explicitly, so this module is only ever imported."""

import math

import streamlit as st


def number(key: str, default: float, lo: float, hi: float) -> float:
    """A number from the URL, clamped to [lo, hi]; the default if it is missing or not a finite number (a shared
    link that was hand-edited must open the page, not break it)."""
    try:
        value = float(st.query_params.get(key, default))
    except ValueError:
        return default
    return min(max(value, lo), hi) if math.isfinite(value) else default
