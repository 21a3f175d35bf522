"""Build zmqx's compiled core against the system libzmq, located with pkg-config."""

import shutil
import subprocess
import sys

from setuptools import Extension, setup

INSTALL_HINT = (
    "zmqx needs libzmq >= 4.3 and pkg-config: "
    "apt-get install libzmq3-dev pkg-config | brew install zeromq pkg-config | "
    "conda install zeromq pkg-config"
)


def pkg_config(*args: str) -> list[str]:
    if shutil.which("pkg-config") is None:
        sys.exit("error: pkg-config not found. " + INSTALL_HINT)
    try:
        out = subprocess.run(
            ["pkg-config", *args, "libzmq"], check=True, capture_output=True, text=True
        ).stdout
    except subprocess.CalledProcessError:
        sys.exit("error: libzmq not found by pkg-config. " + INSTALL_HINT)
    return out.split()


def core_extension() -> Extension:
    pkg_config("--atleast-version=4.3")
    cflags = pkg_config("--cflags")
    libs = pkg_config("--libs")
    return Extension(
        "zmqx._core._core",
        sources=["zmqx/_core/_core.pyx"],
        include_dirs=[f[2:] for f in cflags if f.startswith("-I")],
        library_dirs=[f[2:] for f in libs if f.startswith("-L")],
        libraries=[f[2:] for f in libs if f.startswith("-l")],
        extra_compile_args=["-O2"] + [f for f in cflags if not f.startswith("-I")],
    )


def extensions() -> list[Extension]:
    from Cython.Build import cythonize

    return cythonize(
        [core_extension()],
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "embedsignature": True,
        },
    )


setup(ext_modules=extensions())
