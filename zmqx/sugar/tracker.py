"""pyzmq's ``zmq.sugar.tracker``: zmqx's MessageTracker and the tracker that is
already done."""

from __future__ import annotations

from zmqx import _FINISHED_TRACKER, MessageTracker

__all__ = ["MessageTracker", "_FINISHED_TRACKER"]
