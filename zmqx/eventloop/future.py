"""Sockets for tornado coroutines: every call that could block returns a future.

On tornado 6 a tornado Future is an asyncio Future, so these are zmqx.asyncio's
Context, Socket and Poller under the names pyzmq gives them here. Their futures
cancel as asyncio futures do: `cancel()` makes them cancelled, `await` raises
asyncio.CancelledError (also available as `CancelledError` here), and
asyncio.wait_for() times out with TimeoutError.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import zmqx.asyncio
from zmqx._core._core import Watcher
from zmqx._drivers.asyncio_driver import current_loop, watcher_in
from zmqx._drivers.tornado_driver import TornadoDriver

__all__ = ["CancelledError", "Context", "Poller", "Socket"]

CancelledError = asyncio.CancelledError


class Socket(zmqx.asyncio.Socket):
    """A socket whose blocking calls return futures (see zmqx.asyncio.Socket),
    served as tornado serves what it watches: IOLoop.close(all_fds=True) closes it."""

    def _serving(self) -> Watcher:
        return watcher_in(self, current_loop(self._io_loop), TornadoDriver)


class Poller(zmqx.asyncio.Poller):
    """A Poller whose poll() returns a future (see zmqx.asyncio.Poller)."""


class Context(zmqx.asyncio.Context):
    """A Context whose sockets are this module's Sockets. The io_loop argument of
    old is accepted and ignored (with a DeprecationWarning): the running loop is
    always used."""

    _socket_class = Socket
    _instance = None
    io_loop = None

    def __init__(self, *args: Any, io_loop: object = None, **kwargs: Any) -> None:
        if io_loop is not None:
            warnings.warn(
                f"{type(self).__name__}(io_loop=...) is deprecated and ignored: the running"
                " loop is used",
                DeprecationWarning,
                stacklevel=2,
            )
        super().__init__(*args, **kwargs)
