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
from asyncio import Future as Future  # noqa: F401 - named here by pyzmq's zmq.asyncio too
from asyncio import SelectorEventLoop
from collections.abc import Callable
from typing import Any

import zmqx
from zmqx._core._core import POLL, FutureSocket, Watcher
from zmqx._core._core import Poller as _SyncPoller
from zmqx._drivers.asyncio_driver import current_loop, start_poll, then, watcher_in
from zmqx._drivers.poller_wait import poll_steps
from zmqx.constants import POLLIN, POLLOUT

__all__ = ["Context", "Poller", "Socket", "ZMQEventLoop", "install"]


class ProactorSelectorThreadWarning(RuntimeWarning):
    """pyzmq warns this when a Windows proactor loop needs a selector thread for
    its sockets. zmqx watches sockets on POSIX loops directly and never warns it;
    the class exists so that warning filters naming it keep working."""


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
        return watcher_in(self, current_loop(self._io_loop))

    def poll(  # type: ignore[override]
        self, timeout: int | None = None, flags: int = POLLIN
    ) -> asyncio.Future[int]:
        """A future of the events in flags that become ready within timeout ms
        (None or negative: no limit); 0 on timeout."""
        future: asyncio.Future[int] = start_poll(self, timeout, flags)
        return future

    def _deserialize(self, received: Any, load: Callable[[Any], Any]) -> Any:
        return then(received, load)


class Poller(_SyncPoller):
    """A Poller whose poll() returns a future of [(socket_or_fd, events), ...]."""

    def poll(self, timeout: int | None = -1) -> asyncio.Future[list[tuple[Any, int]]]:  # type: ignore[override]
        """A future of what is ready within timeout ms (None or negative: no limit)."""
        loop = current_loop()
        future: asyncio.Future[list[tuple[Any, int]]] = loop.create_future()
        _PollWait(self, loop, future, timeout).look()
        return future


class _PollWait:
    """One asyncio Poller.poll() in progress: the steps of the one Poller wait
    (zmqx._drivers.poller_wait), waiting for news with a poll waiter on each
    socket's Watcher, a reader/writer on each fd and a timer, any of which makes
    it look again."""

    def __init__(self, poller: Poller, loop: asyncio.AbstractEventLoop,
                 future: asyncio.Future[Any], timeout: int | None) -> None:
        self.poller = poller
        self.loop = loop
        self.future = future
        self.steps = poll_steps(poller, timeout)
        self.waiters: list[asyncio.Future[Any]] = []
        self.readers: list[int] = []
        self.writers: list[int] = []
        self.timer: asyncio.TimerHandle | None = None
        future.add_done_callback(self.stop_waiting)

    def look(self, _: object = None) -> None:
        if self.future.done():
            return
        self.stop_waiting()
        try:
            seconds = next(self.steps)
        except StopIteration as done:
            self.future.set_result(done.value)
            return
        except Exception as e:  # noqa: BLE001 - a socket closed meanwhile: the future's error
            self.future.set_exception(e)
            return
        self.wait_for_news(seconds)

    def wait_for_news(self, seconds: float | None) -> None:
        loop = self.loop
        for obj, flags in list(self.poller.sockets):
            if isinstance(obj, zmqx.Socket):
                waiter = watcher_in(obj, loop).submit(
                    POLL, None, flags & (POLLIN | POLLOUT), timeout_ms=-1)
                waiter.add_done_callback(self.look)
                self.waiters.append(waiter)
                continue
            fd = obj if isinstance(obj, int) else obj.fileno()
            if flags & POLLIN:
                loop.add_reader(fd, self.look)
                self.readers.append(fd)
            if flags & POLLOUT:
                loop.add_writer(fd, self.look)
                self.writers.append(fd)
        if seconds is not None:
            self.timer = loop.call_later(seconds, self.look)

    def stop_waiting(self, _: object = None) -> None:
        for waiter in self.waiters:
            waiter.remove_done_callback(self.look)
            waiter.cancel()
        self.waiters = []
        for fd in self.readers:
            self.loop.remove_reader(fd)
        for fd in self.writers:
            self.loop.remove_writer(fd)
        self.readers = []
        self.writers = []
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


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
