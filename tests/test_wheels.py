"""What a user installing zmqx gets, tried outside the checkout.

A source build (this suite's zmqx) runs on the system libzmq and says so. With
``--wheels`` (``make wheels``, after it built dist/): dist/'s wheel for this Python
installs into a fresh venv with no compiler on PATH and runs real sockets on the
libzmq inside the wheel, never the system one (the process's memory map shows
which file is loaded); dist/'s sdist builds and installs where libzmq3-dev is, and
stops with the one-line install hint where pkg-config finds no libzmq.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
TAG = f"cp{sys.version_info[0]}{sys.version_info[1]}"

# Run inside the fresh venv: real sockets over each transport, CURVE (libsodium,
# bundled with libzmq in a wheel) and asyncio; then what the process has loaded.
CHECK = r"""
import asyncio, json, shutil, sys, tempfile
import zmqx, zmqx.asyncio

def bound(sock, address):
    sock.bind(address)
    return sock.getsockopt_string(zmqx.LAST_ENDPOINT)

ctx = zmqx.Context()
folder = tempfile.mkdtemp()
for address in ["inproc://check", f"ipc://{folder}/check", "tcp://127.0.0.1:*"]:
    pull = ctx.socket(zmqx.PULL)
    push = ctx.socket(zmqx.PUSH)
    push.connect(bound(pull, address))
    push.send_multipart([b"a", address.encode()])
    assert pull.poll(5000) and pull.recv_multipart() == [b"a", address.encode()]
    push.close(0); pull.close(0)

server_public, server_secret = zmqx.curve_keypair()
client_public, client_secret = zmqx.curve_keypair()
rep = ctx.socket(zmqx.REP)
rep.curve_server, rep.curve_secretkey = True, server_secret
req = ctx.socket(zmqx.REQ)
req.curve_serverkey, req.curve_publickey, req.curve_secretkey = (
    server_public, client_public, client_secret)
req.connect(bound(rep, "tcp://127.0.0.1:*"))
req.send(b"sealed")
assert rep.poll(5000) and rep.recv() == b"sealed"
rep.close(0); req.close(0)

async def roundtrip():
    actx = zmqx.asyncio.Context()
    a, b = actx.socket(zmqx.PAIR), actx.socket(zmqx.PAIR)
    b.connect(bound(a, "tcp://127.0.0.1:*"))
    await a.send(b"async")
    got = await asyncio.wait_for(b.recv(), 5)
    actx.destroy(0)
    return got
assert asyncio.run(roundtrip()) == b"async"
ctx.term()

with open("/proc/self/maps") as maps:
    mapped = sorted({line.split()[-1] for line in maps if ".so" in line})
print(json.dumps({
    "origin": zmqx.libzmq_origin(), "path": zmqx.libzmq_path(), "zmqx": zmqx.__file__,
    "mapped": mapped, "compiler": shutil.which("cc") or shutil.which("gcc"),
}))
"""


def system_libzmq() -> str:
    """The real path of the libzmq a source build links (libzmq3-dev's)."""
    libdir = subprocess.run(["pkg-config", "--variable=libdir", "libzmq"], check=True,
                            capture_output=True, text=True).stdout.strip()
    return os.path.realpath(os.path.join(libdir, "libzmq.so"))


def test_a_source_build_runs_on_the_system_libzmq():
    import zmqx

    assert zmqx.libzmq_origin() == "system"
    with open("/proc/self/maps") as maps:
        mapped = {line.split()[-1] for line in maps if "libzmq" in line}
    assert os.path.realpath(zmqx.libzmq_path()) == system_libzmq()
    assert system_libzmq() in mapped


def fresh_venv(where: Path) -> tuple[Path, dict[str, str]]:
    """A new venv of this Python, and an environment with only its bin on PATH:
    no compiler, nothing of the checkout's."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_", "CC", "CXX"))}
    env.update(PATH=str(where / "bin"), CC="/bin/false", CXX="/bin/false")
    return where / "bin" / "python", env


def run_check(python: Path, env: dict[str, str], cwd: Path) -> dict:
    result = subprocess.run([str(python), "-c", CHECK], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def only(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {DIST} (make wheels): {found}"
    return found[0]


@pytest.mark.wheels
@pytest.mark.timeout(300)
def test_the_wheel_runs_on_its_bundled_libzmq_without_a_compiler(tmp_path):
    wheel = only(f"zmqx-*-{TAG}-{TAG}-manylinux_*.whl")
    python, env = fresh_venv(tmp_path / "venv")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", str(wheel)],
                   cwd=tmp_path, env=env, check=True, timeout=120)
    seen = run_check(python, env, tmp_path)

    assert seen["compiler"] is None
    site = Path(seen["zmqx"]).resolve().parent.parent
    assert site.is_relative_to((tmp_path / "venv").resolve())
    bundle = site / "zmqx.libs"
    libzmq = [Path(p) for p in seen["mapped"] if Path(p).name.startswith("libzmq")]
    assert libzmq and all(p.parent == bundle for p in libzmq), seen["mapped"]
    assert system_libzmq() not in seen["mapped"]
    assert seen["origin"] == "bundled"
    assert Path(seen["path"]).resolve() in libzmq


def install_sdist(tmp_path: Path, **env_changes: str) -> subprocess.CompletedProcess[str]:
    python, env = fresh_venv(tmp_path / "venv")
    # a source build compiles: the compiler is back on PATH, as a user has it
    env.update(PATH=f"{tmp_path / 'venv' / 'bin'}:{os.environ['PATH']}", **env_changes)
    del env["CC"], env["CXX"]
    return subprocess.run(
        [str(python), "-m", "pip", "install", "--no-cache-dir", str(only("zmqx-*.tar.gz"))],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.wheels
@pytest.mark.timeout(660)
def test_the_sdist_builds_and_installs_on_the_system_libzmq(tmp_path):
    result = install_sdist(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    python, env = tmp_path / "venv" / "bin" / "python", dict(os.environ)
    env.pop("PYTHONPATH", None)
    seen = run_check(python, env, tmp_path)
    assert seen["origin"] == "system"
    assert system_libzmq() in seen["mapped"]
    assert Path(seen["zmqx"]).resolve().is_relative_to((tmp_path / "venv").resolve())


@pytest.mark.wheels
@pytest.mark.timeout(660)
def test_the_sdist_without_libzmq_stops_with_the_install_hint(tmp_path):
    # Simulated: pkg-config is pointed at an empty directory, so it finds no
    # libzmq.pc, as on a machine without libzmq3-dev (the headers and library
    # stay on disk; the build only ever looks for them through pkg-config).
    empty = tmp_path / "no-pc-files"
    empty.mkdir()
    result = install_sdist(tmp_path, PKG_CONFIG_LIBDIR=str(empty), PKG_CONFIG_PATH="")
    assert result.returncode != 0
    hint = [line.strip() for line in (result.stdout + result.stderr).splitlines()
            if "libzmq not found by pkg-config" in line]
    assert hint, result.stdout + result.stderr
    assert hint[0].startswith("error: libzmq not found by pkg-config.")
    assert "apt-get install libzmq3-dev pkg-config" in hint[0]
    assert not list((tmp_path / "venv").rglob("_core*.so"))
