"""Poller and select for gevent: a poll blocks only the calling greenlet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from gevent import get_hub
from gevent.hub import Waiter

import zmqx
from zmqx._core._core import POLL
from zmqx._core._core import select_with as _select_with
from zmqx._drivers.poller_wait import poll_steps
from zmqx.constants import POLLERR, POLLIN, POLLOUT
from zmqx.green.core import watcher_in_this_hub

__all__ = ["Poller", "select"]

if TYPE_CHECKING:
    from zmqx._core._core import _Pollable

_R = TypeVar("_R", bound="_Pollable")
_W = TypeVar("_W", bound="_Pollable")
_X = TypeVar("_X", bound="_Pollable")


class Poller(zmqx.Poller):
    """A Poller whose poll() blocks only the calling greenlet."""

    def poll(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        """Wait up to timeout ms (None or negative: forever) for registered
        events; returns [(obj, events), ...], empty on timeout."""
        steps = poll_steps(self, timeout)  # the one Poller wait
        try:
            while True:
                self._wait_for_news(next(steps))
        except StopIteration as done:
            ready: list[tuple[Any, int]] = done.value
            return ready

    def _wait_for_news(self, seconds: float | None) -> None:
        """Block this greenlet until a registered socket or fd may be ready (a
        poll waiter on each socket's Watcher, an io watcher on each fd), or for
        seconds; the caller then looks with a poll that does not wait."""
        hub = get_hub()
        ev = hub.loop
        wakeup = Waiter(hub)
        futures = []
        watchers = []
        try:
            for obj, flags in list(self.sockets):
                if isinstance(obj, zmqx.Socket):
                    future = watcher_in_this_hub(obj).enqueue(
                        POLL, None, flags & (POLLIN | POLLOUT), timeout_ms=-1)
                    future._wakeup = wakeup
                    futures.append(future)
                    continue
                # libev's masks: 1 readable (an error shows as readable too), 2 writable
                mask = (1 if flags & (POLLIN | POLLERR) else 0) | (2 if flags & POLLOUT else 0)
                if mask:
                    io = ev.io(obj if isinstance(obj, int) else obj.fileno(), mask)
                    io.start(wakeup.switch, None)
                    watchers.append(io)
            if seconds is not None:
                timer = ev.timer(seconds)
                timer.start(wakeup.switch, None)
                watchers.append(timer)
            wakeup.get()
        finally:
            for future in futures:
                future._wakeup = None
                future.cancel()
            for watcher in watchers:
                watcher.close()


def select(
    rlist: Sequence[_R], wlist: Sequence[_W], xlist: Sequence[_X], timeout: float | None = None
) -> tuple[list[_R], list[_W], list[_X]]:
    """select() for sockets and fds, blocking only the calling greenlet: wait up
    to timeout seconds (None: forever); returns (readable, writable, errored)."""
    return _select_with(Poller(), rlist, wlist, xlist, timeout)


# pyzmq's name for the class
_Poller = Poller
