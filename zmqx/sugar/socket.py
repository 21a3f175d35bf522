"""pyzmq's ``zmq.sugar.socket``: the Socket class, which is zmqx.Socket."""

from __future__ import annotations

from zmqx import Socket, SyncSocket

__all__ = ["Socket", "SyncSocket"]
