"""monitored_queue(in_socket, out_socket, mon_socket, in_prefix=b"in", out_prefix=b"out").

A queue between in_socket and out_socket that also sends every message, in either
direction, on mon_socket, preceded by a frame naming the side it came in on
(in_prefix or out_prefix). Unlike proxy(), ROUTER on both sides works: the two
routing frames are swapped so that replies find their way back. The loop runs
in compiled code without the GIL.
"""

from __future__ import annotations

from zmqx._core._core import monitored_queue

__all__ = ["monitored_queue"]
