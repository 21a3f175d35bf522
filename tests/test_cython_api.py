"""zmqx's C-level API: another Cython extension cimports zmqx's Socket and Context.

The session fixture compiles tests/cython_api/zmqx_cimport_demo.pyx in a temporary
directory, finding zmqx's .pxd files and runtime.h only through zmqx.get_includes()
and libzmq through pkg-config, as a third-party project would. The tests then drive
real zmqx sockets through the raw libzmq handles the extension reaches.
"""

from __future__ import annotations

import errno
import glob
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import uuid

import pytest

import zmqx

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO_PYX = os.path.join(HERE, "cython_api", "zmqx_cimport_demo.pyx")
REPO = os.path.dirname(HERE)

BUILD_SCRIPT = textwrap.dedent(
    """
    import shlex
    import subprocess

    from Cython.Build import cythonize
    from setuptools import Extension, setup

    import zmqx


    def pkg_config(flag):
        out = subprocess.run(["pkg-config", flag, "libzmq"], check=True,
                             capture_output=True, text=True).stdout
        return shlex.split(out)


    cflags = pkg_config("--cflags")
    libs = pkg_config("--libs")
    includes = zmqx.get_includes()
    ext = Extension(
        "zmqx_cimport_demo",
        sources=["zmqx_cimport_demo.pyx"],
        include_dirs=includes + [f[2:] for f in cflags if f.startswith("-I")],
        extra_compile_args=[f for f in cflags if not f.startswith("-I")],
        library_dirs=[f[2:] for f in libs if f.startswith("-L")],
        libraries=[f[2:] for f in libs if f.startswith("-l")],
    )
    setup(
        name="zmqx-cimport-demo",
        ext_modules=cythonize([ext], include_path=includes,
                              compiler_directives={"language_level": 3}),
    )
    """
)


def _c_compiler() -> str | None:
    """The C compiler setuptools would use, if it exists."""
    cc = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    parts = shlex.split(cc)
    return shutil.which(parts[0]) if parts else None


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    if _c_compiler() is None:
        pytest.skip("no C compiler available to build a Cython extension")
    build_dir = tmp_path_factory.mktemp("cython_api")
    shutil.copy(DEMO_PYX, build_dir)
    (build_dir / "setup.py").write_text(BUILD_SCRIPT)
    env = dict(os.environ)
    # zmqx must be importable in the build (for get_includes) even if not installed
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=build_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        pytest.fail(
            "building the cimport demo extension failed:\n"
            + proc.stdout[-4000:]
            + "\n"
            + proc.stderr[-4000:],
            pytrace=False,
        )
    built = glob.glob(str(build_dir / "zmqx_cimport_demo*.so")) + glob.glob(
        str(build_dir / "zmqx_cimport_demo*.pyd")
    )
    assert built, f"no extension module in {build_dir}: {os.listdir(build_dir)}"
    spec = importlib.util.spec_from_file_location("zmqx_cimport_demo", built[0])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def ctx():
    context = zmqx.Context()
    yield context
    context.destroy(linger=0)


@pytest.fixture
def pair(ctx):
    addr = f"inproc://cython-api-{uuid.uuid4().hex}"
    a = ctx.socket(zmqx.PAIR)
    b = ctx.socket(zmqx.PAIR)
    for s in (a, b):
        s.rcvtimeo = 5000
        s.sndtimeo = 5000
        s.linger = 0
    a.bind(addr)
    b.connect(addr)
    return a, b


def test_includes_hold_pxd_files_and_runtime_header():
    includes = zmqx.get_includes()

    def found(relpath):
        return any(os.path.isfile(os.path.join(d, relpath)) for d in includes)

    for pxd in ("zmqx/_core/_core.pxd", "zmqx/_core/libzmq.pxd", "zmqx/_core/runtime.pxd"):
        assert found(pxd), f"{pxd} not under any of {includes}"
    # runtime.pxd says `cdef extern from "runtime.h"`: a cimporter's C compiler
    # must find that header by its bare name
    assert found("runtime.h"), f"runtime.h not directly in any of {includes}"


def test_package_data_ships_what_cimporters_need():
    tomllib = pytest.importorskip("tomllib")
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        package_data = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    patterns = [p for pats in package_data.values() for p in pats]
    import fnmatch

    for name in ("_core.pxd", "libzmq.pxd", "runtime.pxd", "runtime.h"):
        assert any(fnmatch.fnmatch(name, p) for p in patterns), (name, patterns)


def test_send_raw_is_received_by_zmqx(demo, pair):
    a, b = pair
    assert demo.send_raw(a, b"raw hello") == len(b"raw hello")
    assert b.recv() == b"raw hello"


def test_zmqx_send_is_received_by_recv_raw(demo, pair):
    a, b = pair
    b.send(b"from zmqx")
    assert demo.recv_raw(a, 64) == b"from zmqx"
    # zmq_recv truncates to the buffer it is given
    b.send(b"abcdefgh")
    assert demo.recv_raw(a, 3) == b"abc"
    # and zmqx still works on the same socket afterwards
    a.send(b"back")
    assert b.recv() == b"back"


def test_raw_errors_come_from_libzmq(demo, pair):
    a, _ = pair
    with pytest.raises(zmqx.ZMQError) as info:
        demo.recv_raw(a, 16, zmqx.DONTWAIT)
    assert info.value.errno == errno.EAGAIN


def test_handles_match_underlying(demo, ctx, pair):
    a, _ = pair
    assert demo.context_handle(ctx) == ctx.underlying
    assert demo.context_handle(ctx) != 0
    assert demo.socket_handle(a) == a.underlying


def test_closed_socket_has_null_handle(demo, pair):
    a, _ = pair
    a.close()
    assert demo.socket_handle(a) == 0
    with pytest.raises(ValueError):
        demo.send_raw(a, b"too late")
    with pytest.raises(ValueError):
        demo.recv_raw(a, 16)


def test_arguments_are_type_checked(demo, ctx):
    with pytest.raises(TypeError):
        demo.send_raw(object(), b"x")
    with pytest.raises(TypeError):
        demo.context_handle("not a context")
