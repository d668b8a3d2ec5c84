"""Nothing loads pickle from a file a user or a checkpoint provides: every np.load passes allow_pickle=False, there
is no torch.load, pickle.load(s), joblib.load, dill or cloudpickle anywhere in the shipped code. (Training state
for --resume is safetensors + JSON too.)"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = [r"\btorch\.load\s*\(", r"\bpickle\.loads?\s*\(", r"\bjoblib\.load\s*\(", r"\bimport\s+dill\b",
             r"\bcloudpickle\b", r"\bpd\.read_pickle\s*\(", r"\bnp\.load\s*\([^)]*allow_pickle\s*=\s*True"]


def _code() -> dict[Path, str]:
    files = [ROOT / "app.py", *(ROOT / "engine").rglob("*.py"), *(ROOT / "app_pages").rglob("*.py")]
    return {p: p.read_text() for p in files}


def test_no_pickle_loading_anywhere():
    hits = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p, text in _code().items() for pat in FORBIDDEN
            for m in re.finditer(pat, text)]
    assert not hits, hits


def test_every_np_load_refuses_pickles():
    calls = [(p, m) for p, text in _code().items() for m in re.finditer(r"\bnp\.load\s*\(", text)]
    assert calls, "the grep found no np.load at all: has the pattern gone stale?"
    for p, m in calls:
        text = _code()[p]
        depth, i = 0, m.end() - 1
        while True:  # the whole call, across lines, up to its matching parenthesis
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        assert "allow_pickle=False" in text[m.start():i], f"{p.relative_to(ROOT)}: {text[m.start():i + 1]}"
