"""Heavy imports done once, one thread at a time, before any page runs.

Streamlit runs each session's script in its own thread. On a cold server, eight tabs opened at once used to import
plotly, pandas, scipy and scikit-learn for the first time concurrently, and CPython's import deadlock avoidance then
hands one thread a *partially initialised* module (plotly imports pandas lazily:
"AttributeError: partially initialized module 'pandas' has no attribute 'Series'"). `warm_up()` imports the lot
under one process-wide lock; the first session pays for it and the others wait, then every later import is a
dictionary look-up.
"""

from __future__ import annotations

import gc
import importlib
import threading

__all__ = ["warm_up", "HEAVY_MODULES"]

# Everything a page or a facade call imports lazily, heaviest and most entangled first. umap and bm3d stay out:
# they are optional and slow (the projections page computes nothing with them at request time).
HEAVY_MODULES = (
    "numpy", "torch", "pandas", "plotly", "plotly.graph_objects", "plotly.express", "plotly.io", "PIL.Image",
    "PIL.ImageOps", "scipy.signal", "scipy.ndimage", "sklearn.decomposition", "sklearn.neighbors",
    "sklearn.metrics", "sklearn.model_selection", "sklearn.manifold", "skimage.data", "skimage.restoration",
    "safetensors.torch",
)

_lock = threading.Lock()
_done: set[str] = set()


def warm_up(extra: tuple[str, ...] = ()) -> None:
    """Import HEAVY_MODULES (+ `extra`, e.g. a front end's own widget packages) once per process, serialised.
    Missing optional modules are skipped; calling it again is free. What is imported then lives as long as the
    process, so it is frozen for the garbage collector: a full collection walking those ~500 000 objects held the
    GIL for ~300 ms, and every request in flight waited (measured on the Gradio server, README "HTTP API and MCP").
    """
    names = [n for n in (*HEAVY_MODULES, *extra) if n not in _done]
    if not names:
        return
    with _lock:
        for name in names:
            if name in _done:
                continue
            try:
                importlib.import_module(name)
            except ImportError:
                pass
            _done.add(name)
        gc.collect()
        gc.freeze()
