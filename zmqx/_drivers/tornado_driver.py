"""The driver of sockets served in a tornado IOLoop (ZMQStream, and the sockets
of zmqx.eventloop.future): asyncio's, since every tornado 6 IOLoop runs on an
asyncio loop, plus the IOLoop's side of tornado's contract: a loop closed with
close(all_fds=True) closes what it serves. Each socket a Watcher serves is listed
among the IOLoop's handlers, with no events (the Watcher watches the FD itself)."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from tornado.ioloop import IOLoop

from zmqx._drivers.asyncio_driver import LoopDriver


class TornadoDriver(LoopDriver):
    """LoopDriver for the asyncio loop of a tornado IOLoop (see the module)."""

    __slots__ = ("io_loop",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        # tornado's own map from asyncio loops to their IOLoops: it has no public
        # lookup by asyncio loop (IOLoop.current() answers only in the loop's thread)
        self.io_loop: IOLoop | None = IOLoop._ioloop_for_asyncio.get(loop)

    def socket_attached(self, socket: Any, fd: int) -> None:
        io_loop = self.io_loop
        if io_loop is not None and fd not in io_loop.handlers:  # type: ignore[attr-defined]
            io_loop.add_handler(_SocketCloser(socket, fd), _no_events, 0)

    def socket_detached(self, fd: int) -> None:
        io_loop = self.io_loop
        if io_loop is None:
            return
        fileobj, _ = io_loop.handlers.get(fd, (None, None))  # type: ignore[attr-defined]
        if isinstance(fileobj, _SocketCloser):
            io_loop.remove_handler(fd)


class _SocketCloser:
    """A socket as tornado's handlers list it: its FD, and close() for all_fds. It
    refers to the socket weakly: being served does not keep a socket alive."""

    __slots__ = ("_fd", "_socket")

    def __init__(self, socket: Any, fd: int) -> None:
        self._socket = weakref.ref(socket)
        self._fd = fd

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        socket = self._socket()
        if socket is not None:
            socket.close()


def _no_events(fileobj: object, events: int) -> None:
    """The handler of a socket listed with no events: tornado never calls it."""
