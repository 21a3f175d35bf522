"""The one Poller wait of every event-loop flavour (asyncio, anyio, gevent).

`poll_steps` is the wait without its I/O: it looks at what is ready, and when
nothing is, yields how long the flavour may wait for news (a socket's Watcher
firing a poll waiter, an fd becoming ready, or the time running out) before it
looks again. What is ready includes a message given back by a cancelled receive,
which only the socket's Watcher knows of: libzmq's poll cannot see it, so a
Poller that asked libzmq alone would be woken for it forever and find nothing.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import zmqx
from zmqx._core._core import Poller as SyncPoller
from zmqx._core._core import given_back_events
from zmqx.constants import POLLIN


def ready_now(poller: SyncPoller) -> list[tuple[Any, int]]:
    """poller's registered objects that are ready now, as poll() lists them."""
    ready = SyncPoller.poll(poller, 0)
    for obj, flags in poller.sockets:
        if flags & POLLIN and isinstance(obj, zmqx.Socket) and given_back_events(obj):
            for i, (seen, events) in enumerate(ready):
                if seen is obj:
                    ready[i] = (obj, events | POLLIN)
                    break
            else:
                ready.append((obj, POLLIN))
    return ready


def poll_steps(poller: SyncPoller,
               timeout: float | None) -> Generator[float | None, None, list[tuple[Any, int]]]:
    """Poller.poll(timeout ms; None or negative: no limit) as steps: yields the
    seconds to wait for news (None: no limit), returns what is ready ([] once the
    timeout has passed)."""
    forever = timeout is None or timeout < 0
    deadline = 0.0 if forever else time.monotonic() + float(timeout or 0) / 1000
    while True:
        ready = ready_now(poller)
        if ready or timeout == 0:
            return ready
        remaining = None if forever else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return []
        yield remaining
