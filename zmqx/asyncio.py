"""asyncio sockets: every call that could block returns an asyncio.Future.

    import zmqx
    import zmqx.asyncio

    ctx = zmqx.asyncio.Context()
    sock = ctx.socket(zmqx.PULL)
    msg = await sock.recv_multipart()

Built on the core's readiness machine (a compiled Watcher per socket): a call
that can complete at once returns a future that is already done, without
registering anything with the loop; one that must wait is queued in FIFO order
and completed when the socket's FD has news. Cancelling a pending call never
loses, duplicates or splits a message.
"""

from __future__ import annotations

import asyncio
import warnings
import weakref
from asyncio import Future, SelectorEventLoop  # named here by pyzmq's zmq.asyncio too
from collections.abc import Callable, Generator
from typing import Any

import zmqx
from zmqx._core._core import (
    POLL,
    FutureSocket,
    Watcher,
    watcher_of,
)
from zmqx._core._core import Poller as _SyncPoller
from zmqx.constants import POLLIN, POLLOUT

__all__ = ["Context", "Poller", "Socket", "ZMQEventLoop", "install"]

_Future = Future


class ProactorSelectorThreadWarning(RuntimeWarning):
    """pyzmq warns this when a Windows proactor loop needs a selector thread for
    its sockets. zmqx watches sockets on POSIX loops directly and never warns it;
    the class exists so that warning filters naming it keep working."""


class _Pending(_Future):  # type: ignore[type-arg]
    """A future that waits for a socket. If the task awaiting it is cancelled
    after a message was received for it, the message is given back to the socket
    (the next receive gets it) instead of being dropped with the task."""

    __slots__ = ("_raw", "_waiter")
    _waiter: Any  # the core's Waiter
    _raw: asyncio.Future[Any]  # the future whose result is the message itself

    def __await__(self) -> Generator[Any, None, Any]:
        if not self.done():
            self._asyncio_future_blocking = True
            try:
                yield self
            except asyncio.CancelledError:
                _give_back_if_received(self)
                raise
        return self.result()

    __iter__ = __await__

    def cancel(self, msg: Any | None = None) -> bool:
        if not super().cancel(msg):
            return False
        if self._waiter is not None:
            self._waiter.dropped()  # nothing waits now: the socket may go
        return True


def _give_back_if_received(future: _Pending) -> None:
    raw = future._raw
    if raw.done() and not raw.cancelled() and raw.exception() is None:
        future._waiter.give_back(raw.result())
        future._waiter = None  # once


class _LoopDriver:
    """What the core's Watcher needs from an asyncio loop."""

    __slots__ = ("__weakref__", "call_later", "call_soon", "loop", "watch")
    done_type = _Future  # Watcher.submit makes done futures as done_type(loop=loop)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.watch = loop.add_reader
        self.call_soon = loop.call_soon
        self.call_later = loop.call_later

    def unwatch(self, fd: int) -> None:
        try:
            self.loop.remove_reader(fd)
        except RuntimeError:
            pass  # the loop is closed: nothing is watched any more

    def pending(self, waiter: Any) -> _Pending:
        future = _Pending(loop=self.loop)
        future._waiter = waiter
        future._raw = future
        return future

    def completed(self, result: object) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = _Future(loop=self.loop)
        future.set_result(result)
        return future

    def failed(self, exc: BaseException) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = _Future(loop=self.loop)
        future.set_exception(exc)
        return future


# loop -> {driver class: its driver of that loop} (zmqx.anyio has a driver class of its own)
_drivers: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[type[_LoopDriver], _LoopDriver]
] = weakref.WeakKeyDictionary()


def _current_loop(fallback: asyncio.AbstractEventLoop | None = None) -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        if fallback is not None and not fallback.is_closed():
            return fallback
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return asyncio.get_event_loop_policy().get_event_loop()


def _watcher_in(socket: zmqx.Socket, loop: asyncio.AbstractEventLoop,
                driver_class: type[_LoopDriver] = _LoopDriver) -> Watcher:
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


class Socket(FutureSocket, zmqx.Socket):
    """A socket whose blocking calls return asyncio Futures.

    Socket(context, socket_type, io_loop=None) as made by `Context.socket`, or
    Socket(sync_socket) / Socket.from_socket(sync_socket) to use an existing
    socket from asyncio (a shadow: it shares the libzmq socket).
    """

    _io_loop: asyncio.AbstractEventLoop | None = None

    def __init__(
        self,
        context: object = None,
        socket_type: int = -1,
        io_loop: asyncio.AbstractEventLoop | None = None,
        _from_socket: zmqx.Socket | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(context, zmqx.Socket):
            context, _from_socket = None, context
        if _from_socket is not None:
            super().__init__(_from_socket, **kwargs)
        else:
            assert context is None or isinstance(context, zmqx.Context)
            super().__init__(context, socket_type, **kwargs)
        self._io_loop = io_loop

    @classmethod
    def from_socket(
        cls, socket: zmqx.Socket, io_loop: asyncio.AbstractEventLoop | None = None
    ) -> Socket:
        """An asyncio Socket on the same libzmq socket as a sync one."""
        return cls(_from_socket=socket, io_loop=io_loop)

    def _serving(self) -> Watcher:
        """This socket's Watcher in the current loop (FutureSocket, compiled, has
        the common case: a watcher already serving the running loop)."""
        return _watcher_in(self, _current_loop(self._io_loop))

    def poll(  # type: ignore[override]
        self, timeout: int | None = None, flags: int = POLLIN
    ) -> asyncio.Future[int]:
        """A future of the events in flags that become ready within timeout ms
        (None or negative: no limit); 0 on timeout."""
        future: asyncio.Future[int] = _start_poll(self, timeout, flags)
        return future

    def _deserialize(self, received: Any, load: Callable[[Any], Any]) -> Any:
        return _then(received, load)


def _start_poll(socket: FutureSocket, timeout: int | None, flags: int) -> Any:
    """Socket.poll of an event-loop socket: its Watcher's future of the events."""
    if socket.closed:
        raise zmqx.ZMQError(zmqx.ENOTSUP)
    if not flags:
        raise ValueError("poll needs flags (POLLIN and/or POLLOUT)")
    timeout_ms = -1 if timeout is None or timeout < 0 else int(timeout)
    return socket._serving().submit(POLL, None, flags, timeout_ms=timeout_ms)


def _then(source: asyncio.Future[Any], load: Callable[[Any], Any]) -> asyncio.Future[Any]:
    """A future of load(source's result). Cancelling it cancels source, and a
    message that source already received is given back to its socket."""
    if source.done():
        done: asyncio.Future[Any] = _Future(loop=source.get_loop())
        _settle(done, source, load)
        return done
    out = _Pending(loop=source.get_loop())
    out._waiter = getattr(source, "_waiter", None)
    out._raw = source

    def source_done(_: object) -> None:
        if not out.done():
            _settle(out, source, load)

    def out_done(_: object) -> None:
        if out.cancelled():
            if source.done():
                _give_back_if_received(out)
            else:
                source.cancel()

    source.add_done_callback(source_done)
    out.add_done_callback(out_done)
    return out


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


class Poller(_SyncPoller):
    """A Poller whose poll() returns a future of [(socket_or_fd, events), ...]."""

    def poll(self, timeout: int | None = -1) -> asyncio.Future[list[tuple[Any, int]]]:  # type: ignore[override]
        """A future of what is ready within timeout ms (None or negative: no limit)."""
        loop = _current_loop()
        future: asyncio.Future[list[tuple[Any, int]]] = loop.create_future()
        ready = super().poll(0)
        if ready or timeout == 0:
            future.set_result(ready)
            return future
        _PollWait(self, loop, future, timeout)
        return future


class _PollWait:
    """One asyncio Poller.poll() in progress: a poll waiter on each socket's
    Watcher and a reader/writer on each fd; any of them firing makes it look
    with a non-blocking poll, which settles the future if something is ready."""

    def __init__(self, poller: Poller, loop: asyncio.AbstractEventLoop,
                 future: asyncio.Future[Any], timeout: int | None) -> None:
        self.poller = poller
        self.loop = loop
        self.future = future
        self.waiters: list[asyncio.Future[Any]] = []
        self.readers: list[int] = []
        self.writers: list[int] = []
        for obj, flags in list(poller.sockets):
            if isinstance(obj, zmqx.Socket):
                self._wait_on(obj, flags)
            else:
                fd = obj if isinstance(obj, int) else obj.fileno()
                if flags & POLLIN:
                    loop.add_reader(fd, self.look)
                    self.readers.append(fd)
                if flags & POLLOUT:
                    loop.add_writer(fd, self.look)
                    self.writers.append(fd)
        self.timer = None
        if timeout is not None and timeout >= 0:
            self.timer = loop.call_later(timeout / 1000, self.expire)
        future.add_done_callback(self.cleanup)

    def _wait_on(self, socket: zmqx.Socket, flags: int) -> None:
        waiter = _watcher_in(socket, self.loop).submit(
            POLL, None, flags & (POLLIN | POLLOUT), timeout_ms=-1)
        waiter.add_done_callback(self.look)
        self.waiters.append(waiter)

    def look(self, _: object = None) -> None:
        if self.future.done():
            return
        try:
            ready = _SyncPoller.poll(self.poller, 0)
        except Exception as e:  # noqa: BLE001 - a socket closed meanwhile: the future's error
            self.future.set_exception(e)
            return
        if ready:
            self.future.set_result(ready)
            return
        # woken for nothing (readiness passed before the look): wait again
        self.cleanup_waiters()
        for obj, flags in list(self.poller.sockets):
            if isinstance(obj, zmqx.Socket):
                self._wait_on(obj, flags)

    def expire(self) -> None:
        if not self.future.done():
            self.future.set_result([])

    def cleanup_waiters(self) -> None:
        for waiter in self.waiters:
            waiter.remove_done_callback(self.look)
            waiter.cancel()
        self.waiters = []

    def cleanup(self, _: object = None) -> None:
        self.cleanup_waiters()
        for fd in self.readers:
            self.loop.remove_reader(fd)
        for fd in self.writers:
            self.loop.remove_writer(fd)
        if self.timer is not None:
            self.timer.cancel()


class Context(zmqx.Context):
    """A Context whose sockets are asyncio Sockets. Context(sync_context) shares
    another Context's libzmq context."""

    _socket_class = Socket
    _instance = None



def install() -> None:
    """Nothing to do: zmqx sockets work with any asyncio loop (kept from pyzmq)."""
    warnings.warn("zmqx.asyncio.install() is not needed", DeprecationWarning, stacklevel=2)


# pyzmq kept an event loop class for its old integration; any asyncio loop works.
ZMQEventLoop = SelectorEventLoop
