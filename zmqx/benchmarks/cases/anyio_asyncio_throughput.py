"""PUSH -> PULL throughput through anyio on asyncio: 64-byte messages over
tcp://127.0.0.1, both ends as tasks of one anyio.run (zmqx.anyio against
zmq-anyio), reported beside zmqx.asyncio.

Same harness as anyio_trio_throughput.py with ``--backend asyncio``; see that file.
"""

from __future__ import annotations

from ..case import Case
from .anyio_trio_throughput import main

CASE = Case(
    name="anyio_asyncio_throughput",
    unit="msg/s",
    higher_is_better=True,
    what="same, anyio on asyncio (vs zmq-anyio)",
    full_args=["--count", "100000"],
    quick_args=["--count", "30000"],
    fixed_args=["--backend", "asyncio", "--bench-name", "anyio_asyncio_throughput"],
    target=10.0,
    order=62,
)

__all__ = ["CASE", "main"]
