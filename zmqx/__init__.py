"""zmqx: fast, safe Python bindings for libzmq, with pyzmq's API.

With ``import zmqx as zmq``, pyzmq programs run unchanged; `zmqx.install_as_zmq()`
makes ``import zmq`` itself resolve to zmqx for programs that cannot be edited.
"""

from __future__ import annotations

import os as _os

from zmqx import constants

try:
    from zmqx._core._core import (
        _FINISHED_TRACKER,
        COPY_THRESHOLD,
        EXIT_TIMEOUT,
        IPC_PATH_MAX_LEN,
        Frame,
        Message,
        MessageTracker,
        Poller,
        curve_keypair,
        curve_public,
        device,
        has,
        libzmq_path,
        proxy,
        proxy_steerable,
        select,
        strerror,
        zmq_errno,
        zmq_version,
        zmq_version_info,
    )
except ModuleNotFoundError as _missing:
    if _missing.name != "zmqx._core._core":
        raise
    # Typically Python run from the repository root, whose zmqx/ is not built.
    raise ImportError(
        "zmqx's compiled core is not built here: run `make demo` or `pip install .` "
        "first, or run Python outside the source tree to use an installed zmqx"
    ) from None

from zmqx import utils as utils  # as in pyzmq: zmqx.utils needs no import
from zmqx.constants import *
from zmqx.context import Context
from zmqx.error import *
from zmqx.error import __all__ as _error_names
from zmqx.socket import Socket
from zmqx.stopwatch import Stopwatch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, Literal

    from _typeshed import HasFileno
else:
    # Hidden from type checkers, which would take every misspelt zmqx.X for this.
    def __getattr__(name: str) -> Any:
        # pyzmq imports zmq.backend and zmq.sugar with zmq; zmqx loads them on first
        # use (import zmqx stays as quick), so `zmq.sugar.socket.Socket` works either way.
        if name in ("backend", "sugar"):
            import importlib

            return importlib.import_module(f"zmqx.{name}")
        raise AttributeError(f"module 'zmqx' has no attribute {name!r}")
del TYPE_CHECKING

# zmqx's own release (the project version in pyproject.toml).
__zmqx_version__ = "0.1.0"
# The pyzmq API level zmqx implements: what pyzmq programs read as the version
# and check with `zmq.pyzmq_version_info() >= (...)`.
__version__ = "27.3.0"
# pyzmq's build revision: empty for a release, as in pyzmq's own releases.
__revision__ = ""

# True when libzmq has the draft API (SERVER/CLIENT, RADIO/DISH, ...).
DRAFT_API: bool = has("draft")
# pyzmq's flag for a binding built with the draft API: zmqx uses it whenever
# libzmq has it.
PYZMQ_DRAFT_API: bool = DRAFT_API

# pyzmq's names for the (non-asyncio) classes
SyncContext = Context
SyncSocket = Socket


def pyzmq_version() -> str:
    """The pyzmq API level zmqx implements, as a string (equal to `__version__`)."""
    return __version__


def pyzmq_version_info() -> tuple[int, ...]:
    """The pyzmq API level zmqx implements, as a tuple of ints, e.g. (27, 3, 0)."""
    return _version_info(__version__)


def zmqx_version() -> str:
    """zmqx's own release, e.g. "0.1.0" (`__zmqx_version__`)."""
    return __zmqx_version__


def zmqx_version_info() -> tuple[int, ...]:
    """zmqx's own release as a tuple of ints."""
    return _version_info(__zmqx_version__)


def _version_info(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def libzmq_origin() -> Literal["bundled", "system"]:
    """Which libzmq zmqx runs on: "bundled", the copy a zmqx wheel carries (in
    zmqx.libs/ beside the package), or "system", the one a source build linked
    (libzmq3-dev's libzmq.so.5, found by the dynamic loader)."""
    path = libzmq_path()
    package = _os.path.dirname(_os.path.realpath(__file__))
    bundle = _os.path.join(_os.path.dirname(package), "zmqx.libs")
    if path and _os.path.dirname(path) == bundle:
        return "bundled"
    return "system"


def zmq_poll(
    sockets: Iterable[tuple[Socket | int | HasFileno, int]], timeout: float | None = -1
) -> list[tuple[Any, int]]:
    """Poll [(socket_or_fd, flags), ...] once; timeout in ms (negative or None:
    forever)."""
    poller = Poller()
    for obj, flags in sockets:
        poller.register(obj, flags)
    return poller.poll(timeout)


def install_as_zmq() -> None:
    """Make `import zmq` and every `import zmq.X` give zmqx's modules."""
    from zmqx._install import install_as_zmq as install

    install()


def get_includes() -> list[str]:
    """Include directories for Cython extensions that cimport zmqx.

    The first holds the zmqx package (Cython finds ``zmqx/_core/*.pxd`` from it); the
    second holds runtime.h, the C header that zmqx/_core/runtime.pxd declares, which
    the C compiler must find by its bare name. Pass them to both Cython
    (include_path) and the C compiler (include_dirs).
    """
    here = _os.path.dirname(__file__)
    return [_os.path.dirname(here), _os.path.join(here, "_core")]


def get_library_dirs() -> list[str]:
    """Directories to link against (libzmq comes from the system)."""
    return []


__all__ = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "MessageTracker",
    "Poller",
    "select",
    "proxy",
    "proxy_steerable",
    "device",
    "strerror",
    "zmq_errno",
    "zmq_poll",
    "zmq_version",
    "zmq_version_info",
    "libzmq_origin",
    "libzmq_path",
    "pyzmq_version",
    "pyzmq_version_info",
    "zmqx_version",
    "zmqx_version_info",
    "has",
    "curve_keypair",
    "curve_public",
    "install_as_zmq",
    "get_includes",
    "get_library_dirs",
    "COPY_THRESHOLD",
    "EXIT_TIMEOUT",
    "IPC_PATH_MAX_LEN",
    "DRAFT_API",
    "PYZMQ_DRAFT_API",
    "SyncContext",
    "SyncSocket",
    "Stopwatch",
    "_FINISHED_TRACKER",
    "__version__",
    "__revision__",
    "constants",
    *_error_names,
    *constants.__all__,
]
