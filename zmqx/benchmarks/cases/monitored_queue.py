"""Messages/s through ``zmq.devices.monitored_queue`` (PULL -> PUSH, PUB monitor)
running in a thread, vs libzmq's zmq_proxy with a capture PUB socket.

Same harness as proxy_throughput.py with ``--mode monitored``; see that file.
"""

from __future__ import annotations

from ..case import Case
from .proxy_throughput import main

CASE = Case(
    name="monitored_queue",
    unit="msg/s",
    higher_is_better=True,
    what="devices.monitored_queue(PULL, PUSH, PUB) vs C zmq_proxy + capture PUB",
    full_args=["--count", "500000"],
    quick_args=["--count", "200000"],
    fixed_args=["--mode", "monitored"],
    with_c=True,
    baseline="c",
    extra_rounds=2,
    target=0.90,
    order=95,
)

__all__ = ["CASE", "main"]
