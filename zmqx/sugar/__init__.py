"""pyzmq's ``zmq.sugar``: the public classes and functions, under pyzmq's module
layout (``zmq.sugar.socket.Socket`` and so on). Each name is zmqx's own object:
``zmqx.sugar.socket.Socket is zmqx.Socket``."""

from __future__ import annotations

from zmqx import device as device
from zmqx import error
from zmqx.error import *
from zmqx.sugar import context, frame, poll, socket, stopwatch, tracker, version
from zmqx.sugar.context import *
from zmqx.sugar.frame import *
from zmqx.sugar.poll import *
from zmqx.sugar.socket import *
from zmqx.sugar.stopwatch import *
from zmqx.sugar.tracker import *
from zmqx.sugar.version import *

__all__ = [
    "device",
    *(
        name
        for module in (context, error, frame, poll, socket, tracker, version, stopwatch)
        for name in module.__all__
    ),
]
