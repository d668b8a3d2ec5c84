"""The house rules, checked: imports only point down (import-linter's contracts in .importlinter), lab facade
modules import the generic module and never the facade package, and a deliberate upward import is caught."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH=cwd: import-linter builds its graph from the copy in `cwd`, not from wherever `engine` is installed.
    return subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()"], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_contracts_hold():
    r = _lint(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "BROKEN" not in r.stdout and r.stdout.count("KEPT") == 4


@pytest.mark.parametrize("victim, line", [
    ("engine/registry.py", "import engine.api  # an upward import\n"),
    ("engine/experiments/letters.py", "def _sneaky():\n    from engine import api  # hidden in a function\n"),
    ("app_pages/emoji.py", "import torch  # a page doing model math\n"),
    ("engine/metrics.py", "import streamlit  # the engine must not know the front end\n"),
])
def test_a_broken_rule_is_caught(tmp_path, victim, line):
    for d in ("engine", "app_pages"):
        shutil.copytree(ROOT / d, tmp_path / d, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path)
    with open(tmp_path / victim, "a") as f:
        f.write("\n" + line)
    r = _lint(tmp_path)
    assert r.returncode != 0 and "BROKEN" in r.stdout, r.stdout + r.stderr


def test_lab_modules_import_the_generic_module_not_the_package():
    graph = grimp.build_graph("engine")
    labs = [m for m in graph.modules if m.startswith("engine.api.")]
    assert "engine.api.models" in labs and len(labs) >= 5
    offenders = [m for m in labs if "engine.api" in graph.find_modules_directly_imported_by(m)]
    assert not offenders, f"these import the facade package instead of engine.api.models: {offenders}"


def test_ruff_is_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
