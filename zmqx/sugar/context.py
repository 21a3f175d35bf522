"""pyzmq's ``zmq.sugar.context``: the Context class, which is zmqx.Context."""

from __future__ import annotations

from zmqx import Context, SyncContext

__all__ = ["Context", "SyncContext"]
