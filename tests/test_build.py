"""The build: a missing libzmq stops it with one line saying how to install it,
Cython compiles the core without warnings, and an unbuilt checkout says so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(60)
def test_missing_libzmq_stops_the_build_with_an_install_hint(tmp_path):
    env = dict(os.environ, PKG_CONFIG_LIBDIR=str(tmp_path), PKG_CONFIG_PATH="")
    result = subprocess.run(
        [sys.executable, "setup.py", "--name"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: libzmq not found by pkg-config.")
    assert "apt-get install libzmq3-dev" in lines[-1]


@pytest.mark.timeout(120)
def test_cython_compiles_the_core_without_warnings(tmp_path):
    # the C compiler's warnings follow from Cython's output; this checks Cython's
    result = subprocess.run(
        [sys.executable, "-m", "cython", "-3", "-X", "embedsignature=True",
         "-o", str(tmp_path / "_core.c"), "zmqx/_core/_core.pyx"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stderr


@pytest.mark.timeout(60)
def test_importing_an_unbuilt_checkout_says_to_build_first(tmp_path):
    # as `python -c "import zmqx"` from the repository root before `make`
    shutil.copytree(ROOT / "zmqx", tmp_path / "zmqx",
                    ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__"))
    result = subprocess.run(
        [sys.executable, "-c", "import zmqx"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: zmqx's compiled core is not built here:")
    assert "make demo" in last and "pip install ." in last
