"""zmqx's compiled core under pyzmq's backend name: the base Context and Socket
classes (zmqx.Context and zmqx.Socket derive from them), Frame, and the libzmq
functions. The very objects of ``zmqx._core``, not copies."""

from __future__ import annotations

import zmqx
from zmqx._core._core import (
    IPC_PATH_MAX_LEN,
    Context,
    Frame,
    Socket,
    curve_keypair,
    curve_public,
    has,
    proxy,
    proxy_steerable,
    strerror,
    zmq_errno,
    zmq_version_info,
)
from zmqx._core._core import (
    monitored_queue as monitored_queue,
)

Message = Frame
PYZMQ_DRAFT_API: bool = zmqx.PYZMQ_DRAFT_API
zmq_poll = zmqx.zmq_poll

# monitored_queue is importable but, as in pyzmq, not in __all__
__all__ = [
    "Message",
    "IPC_PATH_MAX_LEN",
    "PYZMQ_DRAFT_API",
    "Context",
    "Socket",
    "Frame",
    "has",
    "curve_keypair",
    "curve_public",
    "zmq_version_info",
    "zmq_errno",
    "zmq_poll",
    "strerror",
    "proxy",
    "proxy_steerable",
]
