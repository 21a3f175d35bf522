"""The asyncio driver of the core's Watcher, and the futures it gives.

zmqx.asyncio, zmqx.anyio on asyncio and tornado's ZMQStream all stand on it: a
socket has one Watcher per loop, made by `watcher_in`, with one driver per loop
and driver class.
"""

from __future__ import annotations

import asyncio
import warnings
import weakref
from asyncio import Future
from collections.abc import Callable, Generator
from typing import Any

import zmqx
from zmqx._core._core import POLL, FutureSocket, Watcher, running_loop, watcher_of


class Pending(Future):  # type: ignore[type-arg]
    """A future that waits for a socket. If the task awaiting it is cancelled
    after a message was received for it, the message is given back to the socket
    (the next receive gets it) instead of being dropped with the task. Cancelling
    it from another thread than its loop's is done in the loop's thread, which is
    woken for it."""

    __slots__ = ("_raw", "_waiter")
    _waiter: Any  # the core's Waiter
    _raw: asyncio.Future[Any]  # the future whose result is the message itself

    def __await__(self) -> Generator[Any, None, Any]:
        if not self.done():
            self._asyncio_future_blocking = True
            try:
                yield self
            except asyncio.CancelledError:
                give_back_if_received(self)
                raise
        return self.result()

    __iter__ = __await__

    def cancel(self, msg: Any | None = None) -> bool:
        loop = self.get_loop()
        if running_loop() is not loop and loop.is_running():
            # not the loop's thread: its state changes in its own thread
            if self.done():
                return False
            loop.call_soon_threadsafe(self.cancel, msg)
            return True
        if not super().cancel(msg):
            return False
        if self._waiter is not None:
            self._waiter.dropped()  # it leaves its queue; the socket may go
        return True


def give_back_if_received(future: Pending) -> None:
    raw = future._raw
    if future._waiter is not None and raw.done() and not raw.cancelled() \
            and raw.exception() is None:
        future._waiter.give_back(raw.result())
        future._waiter = None  # once


class LoopDriver:
    """What the core's Watcher needs from an asyncio loop (see .protocol)."""

    __slots__ = ("__weakref__", "call_later", "call_soon", "call_soon_threadsafe", "loop",
                 "watch")
    done_type = Future  # Watcher.submit makes done futures as done_type(loop=loop)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.watch = loop.add_reader
        self.call_soon = loop.call_soon
        self.call_later = loop.call_later
        self.call_soon_threadsafe = loop.call_soon_threadsafe

    def elsewhere(self) -> bool:
        loop = self.loop
        return loop.is_running() and running_loop() is not loop

    def unwatch(self, fd: int) -> None:
        try:
            self.loop.remove_reader(fd)
        except RuntimeError:
            pass  # the loop is closed: nothing is watched any more

    def pending(self, waiter: Any) -> Pending:
        future = Pending(loop=self.loop)
        future._waiter = waiter
        future._raw = future
        return future

    def completed(self, result: object) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = Future(loop=self.loop)
        future.set_result(result)
        return future

    def failed(self, exc: BaseException) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = Future(loop=self.loop)
        future.set_exception(exc)
        return future

    def relay(self, start: Callable[[], asyncio.Future[Any]]) -> Pending:
        outer = Pending(loop=self.loop)
        outer._waiter = None
        outer._raw = outer

        def begin() -> None:
            if outer.done():
                return  # cancelled before the loop came to it: never started
            try:
                inner = start()
            except Exception as e:  # noqa: BLE001 - the operation's error: the future's
                outer.set_exception(e)
                return
            follow(outer, inner, _same)

        self.loop.call_soon_threadsafe(begin)
        return outer


# loop -> {driver class: its driver of that loop} (anyio and tornado have their own classes)
_drivers: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[type[LoopDriver], LoopDriver]
] = weakref.WeakKeyDictionary()


def watcher_in(socket: zmqx.Socket, loop: asyncio.AbstractEventLoop,
               driver_class: type[LoopDriver] = LoopDriver) -> Watcher:
    """The Watcher of socket serving loop, made (or moved to loop) when needed."""
    watcher = watcher_of(socket)
    if watcher is None or watcher.driver.loop is not loop:
        by_class = _drivers.get(loop)
        if by_class is None:
            by_class = _drivers[loop] = {}
        driver = by_class.get(driver_class)
        if driver is None:
            driver = by_class[driver_class] = driver_class(loop)
        watcher = Watcher(socket, driver)  # replaces (and detaches) another loop's
    return watcher


def current_loop(fallback: asyncio.AbstractEventLoop | None = None) -> asyncio.AbstractEventLoop:
    """The running loop; else fallback (a socket's io_loop) unless closed; else the
    policy's loop of this thread (as asyncio.get_event_loop() was)."""
    loop = running_loop()
    if loop is not None:
        return loop
    if fallback is not None and not fallback.is_closed():
        return fallback
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return asyncio.get_event_loop_policy().get_event_loop()


def start_poll(socket: FutureSocket, timeout: int | None, flags: int) -> Any:
    """Socket.poll of an event-loop socket: its Watcher's future of the events."""
    if socket.closed:
        raise zmqx.ZMQError(zmqx.ENOTSUP)
    if not flags:
        raise ValueError("poll needs flags (POLLIN and/or POLLOUT)")
    timeout_ms = -1 if timeout is None or timeout < 0 else int(timeout)
    return socket._serving().submit(POLL, None, flags, timeout_ms=timeout_ms)


def _same(value: Any) -> Any:
    return value


def then(source: asyncio.Future[Any], load: Callable[[Any], Any]) -> asyncio.Future[Any]:
    """A future of load(source's result). Cancelling it cancels source, and a
    message that source already received is given back to its socket."""
    if source.done():
        done: asyncio.Future[Any] = Future(loop=source.get_loop())
        _settle(done, source, load)
        return done
    out = Pending(loop=source.get_loop())
    follow(out, source, load)
    return out


def follow(out: Pending, source: asyncio.Future[Any], load: Callable[[Any], Any]) -> None:
    """Settle out with load(source's result) once source is done; cancelling out
    cancels source, or gives back the message source already received."""
    out._waiter = getattr(source, "_waiter", None)
    out._raw = source

    def source_done(_: object) -> None:
        if not out.done():
            _settle(out, source, load)

    def out_done(_: object) -> None:
        if out.cancelled():
            if source.done():
                give_back_if_received(out)
            else:
                source.cancel()

    source.add_done_callback(source_done)
    out.add_done_callback(out_done)


def _settle(
    out: asyncio.Future[Any], source: asyncio.Future[Any], load: Callable[[Any], Any]
) -> None:
    if source.cancelled():
        out.cancel()
        return
    exc = source.exception()
    if exc is not None:
        out.set_exception(exc)
        return
    try:
        out.set_result(load(source.result()))
    except Exception as e:  # noqa: BLE001 - a message that does not decode: the future's error
        out.set_exception(e)
