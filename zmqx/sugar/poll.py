"""pyzmq's ``zmq.sugar.poll``: zmqx's Poller and select()."""

from __future__ import annotations

from zmqx import Poller, select

__all__ = ["Poller", "select"]
