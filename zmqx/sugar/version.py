"""pyzmq's ``zmq.sugar.version``: the version of libzmq and of the pyzmq API."""

from __future__ import annotations

from zmqx import (
    __revision__,
    __version__,
    pyzmq_version,
    pyzmq_version_info,
    zmq_version,
    zmq_version_info,
)

__all__ = [
    "zmq_version",
    "zmq_version_info",
    "pyzmq_version",
    "pyzmq_version_info",
    "__version__",
    "__revision__",
]
