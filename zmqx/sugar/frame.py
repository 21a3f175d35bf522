"""pyzmq's ``zmq.sugar.frame``: Frame (alias Message), which is zmqx.Frame."""

from __future__ import annotations

from zmqx import Frame, Message

__all__ = ["Frame", "Message"]
