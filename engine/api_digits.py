"""The digits lab's part (latent map, projections) of the facade. `engine.api` re-exports everything in `__all__`: pages call `api.<name>`.

Keep heavy imports (torch, sklearn, umap) inside functions so that `import engine.api` stays cheap.
"""

from __future__ import annotations

__all__: list[str] = []
