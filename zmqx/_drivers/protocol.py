"""The driver protocol: what an event loop gives the core's Watcher.

A Watcher keeps one socket's waiting operations for one loop and calls only
these methods of its driver. The thread rule of watcher.pxi applies: everything
but `elsewhere` and `call_soon_threadsafe` is called in the loop's thread (or
while no thread runs the loop).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Cancellable(Protocol):
    def cancel(self) -> Any: ...


class LoopFuture(Protocol):
    """A future as the Watcher settles it."""

    def done(self) -> bool: ...
    def cancel(self) -> bool: ...
    def set_result(self, result: Any, /) -> None: ...
    def set_exception(self, exception: BaseException, /) -> None: ...


class Driver(Protocol):
    """Required of every driver."""

    loop: Any  # what identifies the loop (asyncio loop, gevent hub, trio token)

    def watch(self, fd: int, callback: Callable[[], object], /) -> None:
        """Call callback() while fd is readable, until unwatch(fd)."""

    def unwatch(self, fd: int, /) -> None:
        """Stop watching fd (it may be closed right after)."""

    def call_soon(self, callback: Callable[[], object], /) -> Any:
        """Run callback() soon, in the loop's thread; RuntimeError if the loop is
        closed."""

    def call_later(self, seconds: float, callback: Callable[[Any], object],
                   arg: Any, /) -> Cancellable:
        """Run callback(arg) after seconds."""

    def pending(self, waiter: Any, /) -> LoopFuture:
        """A new pending future for the core's Waiter."""

    def completed(self, result: Any, /) -> Any:
        """A future already done with result."""

    def failed(self, exception: BaseException, /) -> Any:
        """A future already failed with exception."""


class ThreadedDriver(Driver, Protocol):
    """A driver whose loop other threads may hand work to (every driver here)."""

    def elsewhere(self) -> bool:
        """Whether the loop runs in another thread than the caller's."""

    def call_soon_threadsafe(self, callback: Callable[[], object], /) -> Any:
        """Run callback() in the loop's thread, from any thread, waking the loop;
        RuntimeError if the loop can no longer run it."""


class AbandoningDriver(Driver, Protocol):
    """A driver that settles the futures of a closed socket with an error (what
    a blocking call raises) instead of cancelling them."""

    def abandon(self, future: Any, error: BaseException, /) -> None: ...


class RelayingDriver(ThreadedDriver, Protocol):
    """A driver whose loop runs operations started in threads where no loop runs."""

    def relay(self, start: Callable[[], Any], /) -> Any:
        """A future of the loop following the one start() returns, once the loop's
        thread has run it."""


class SocketHoldingDriver(Driver, Protocol):
    """A driver told which socket a Watcher serves (tornado's, whose IOLoop closes
    the sockets it serves on close(all_fds=True))."""

    def socket_attached(self, socket: Any, fd: int, /) -> None:
        """A Watcher of this loop serves socket, whose FD is fd."""

    def socket_detached(self, fd: int, /) -> None:
        """The Watcher of the socket whose FD is fd let go of it."""
