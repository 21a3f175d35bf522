"""pyzmq's ``zmq.sugar.stopwatch``: zmqx's Stopwatch (deprecated in pyzmq)."""

from __future__ import annotations

from zmqx import Stopwatch

__all__ = ["Stopwatch"]
