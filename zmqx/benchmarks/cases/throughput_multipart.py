"""4-frame multipart PUSH -> PULL throughput over tcp://127.0.0.1 (send_multipart /
recv_multipart, 64-byte frames), sender in a separate process.

Same harness as throughput_tcp.py with ``--parts 4``; see that file.
"""

from __future__ import annotations

from ..case import Case
from .throughput_tcp import main

CASE = Case(
    name="throughput_multipart",
    unit="msg/s",
    higher_is_better=True,
    what="same, 4 x 64 B frames, send_multipart/recv_multipart",
    full_args=["--count", "300000"],
    quick_args=["--count", "200000"],
    fixed_args=["--parts", "4", "--bench-name", "throughput_multipart"],
    with_c=True,
    target=10.0,
    order=20,
)

__all__ = ["CASE", "main"]
