"""Every example in the guides runs: each ```python block in docs/ (and each ```sh
block, with the venv's `zmqx` on PATH) is executed on its own in a fresh process,
and must exit with status 0 within its time limit. Examples check their own
results with assert, so an example that no longer does what its guide says
fails here.

A block whose first line is a comment starting "not run:" is left out; that
comment says why (it installs software, or needs an SSH server). There are few.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```(python|sh)\n(.*?)^```$", re.M | re.S)
NOT_RUN = re.compile(r"#\s*not run:")
TIME_LIMIT = 45  # seconds per example; each finishes in a few


def examples() -> list[tuple[str, str, str]]:
    """(id, language, code) of every fenced python or sh block in the doc sources."""
    found = []
    for source in sorted(DOCS.rglob("*.md")):
        if "_build" in source.parts:
            continue
        text = source.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            name = f"{source.relative_to(DOCS)}:{line}"
            found.append((name, match.group(1), match.group(2)))
    return found


EXAMPLES = examples()
RUNNABLE = [e for e in EXAMPLES if not NOT_RUN.match(e[2])]


def test_examples_are_found_and_few_are_left_out() -> None:
    assert len(RUNNABLE) >= 40
    left_out = [name for name, _, code in EXAMPLES if NOT_RUN.match(code)]
    assert len(left_out) <= 8, left_out


@pytest.mark.timeout(TIME_LIMIT + 15)
@pytest.mark.parametrize(
    ("language", "code"), [e[1:] for e in RUNNABLE], ids=[e[0] for e in RUNNABLE]
)
def test_example_runs(language: str, code: str, tmp_path: Path) -> None:
    env = dict(os.environ)
    # the `zmqx` command of this Python (the venv's), first on PATH
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONWARNINGS", None)
    if language == "python":
        command = [sys.executable, "-c", code]
    else:
        command = ["bash", "-euo", "pipefail", "-c", code]
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIME_LIMIT
    )
    assert result.returncode == 0, (
        f"exit status {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
