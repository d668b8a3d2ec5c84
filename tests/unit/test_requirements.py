"""Every third-party module the app imports is pinned in a requirements file.

Why: a package that is only installed because something else pulls it in (or because a developer's machine happens
to have it) works locally and breaks a fresh install. `prdc` once slipped through exactly like that.
"""

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The load test runs only under `bench serve`, a developer tool: its imports may come from requirements-dev.txt.
DEV_ONLY = {"engine/loadtest.py", "engine/locustfile.py"}
# Baselines behind an availability check (engine/baselines.py): the app runs without them, bench and eval use them.
OPTIONAL = {"bm3d"}
LOCAL = {"engine", "app_pages", "app"}


def _pinned(req: str) -> set[str]:
    names = set()
    for line in (ROOT / req).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r"):
            names |= _pinned(line.split()[1])
        elif line:
            assert "==" in line, f"{req}: {line!r} is not pinned with =="
            names.add(re.split(r"[\[=]", line)[0].strip().lower().replace("_", "-"))
    return names


def _imports(path: Path) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            mods.add(node.module.split(".")[0])
    return mods - LOCAL - set(sys.stdlib_module_names)


def test_every_third_party_import_is_pinned():
    dists = packages_distributions()
    app, dev = _pinned("requirements.txt"), _pinned("requirements-dev.txt")
    missing = []
    files = [ROOT / "app.py", *(ROOT / "app_pages").rglob("*.py"), *(ROOT / "engine").rglob("*.py")]
    for f in files:
        rel = f.relative_to(ROOT).as_posix()
        for mod in sorted(_imports(f)):
            allowed = dev if rel in DEV_ONLY or mod in OPTIONAL else app
            names = {d.lower().replace("_", "-") for d in dists.get(mod, [mod])}
            if not names & allowed:
                missing.append(f"{rel}: import {mod} (distribution {sorted(names)})")
    assert not missing, "not pinned in requirements:\n" + "\n".join(missing)
