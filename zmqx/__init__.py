"""zmqx: fast, safe Python bindings for libzmq, with pyzmq's API.

    import zmqx as zmq

runs pyzmq programs unchanged; `zmqx.install_as_zmq()` makes `import zmq`
itself resolve to zmqx for programs that cannot be edited.
"""

from __future__ import annotations

import os as _os

from zmqx import constants
from zmqx._core._core import (
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
    proxy,
    proxy_steerable,
    select,
    strerror,
    zmq_errno,
    zmq_version,
    zmq_version_info,
)
from zmqx.constants import *
from zmqx.context import Context
from zmqx.error import *
from zmqx.error import __all__ as _error_names
from zmqx.socket import Socket

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from _typeshed import HasFileno
del TYPE_CHECKING

__version__ = "0.1.0"

# True when libzmq has the draft API (SERVER/CLIENT, RADIO/DISH, ...).
DRAFT_API: bool = has("draft")


def pyzmq_version() -> str:
    """The version of this package (pyzmq's name for it)."""
    return __version__


def pyzmq_version_info() -> tuple[int, ...]:
    """The version of this package as a tuple of ints."""
    return tuple(int(part) for part in __version__.split(".") if part.isdigit())


def zmq_poll(
    sockets: Iterable[tuple[Socket | int | HasFileno, int]], timeout: float | None = None
) -> list[tuple[Any, int]]:
    """Poll [(socket_or_fd, flags), ...] once; timeout in ms (None: forever)."""
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

    The first holds the zmqx package (Cython finds zmqx/_core/*.pxd from it); the
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
    "pyzmq_version",
    "pyzmq_version_info",
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
    "constants",
    *_error_names,
    *constants.__all__,
]
