"""anyio sockets: ZeroMQ under trio and under asyncio, through anyio::

    import anyio
    import zmqx
    import zmqx.anyio

    async def main() -> None:
        ctx = zmqx.anyio.Context()
        with ctx.socket(zmqx.PULL) as sock:
            sock.connect("tcp://127.0.0.1:5555")
            parts = await sock.recv_multipart()

    anyio.run(main, backend="trio")  # or backend="asyncio"

Every call that may block is a coroutine; there is no "start" step and no task
for the user to run. Built on the core's readiness machine (a compiled Watcher
per socket): a call that can complete at once does so without a trip through
the event loop (but one call in 256 starts with a checkpoint, so that a loop on
always-ready sockets lets other tasks run and can be cancelled); one that must
wait joins a FIFO queue served when the socket's FD has news. Under asyncio
the FD is watched by the loop; under trio by the waiting tasks themselves (see
zmqx/anyio/_trio.py).

Cancelling by cancel scopes (move_on_after, fail_after, a task group's cancel)
never loses, duplicates or splits a message; a socket closed by another task
fails the calls waiting on it with ZMQError(ENOTSOCK) (ContextTerminated when
its context is destroyed); RCVTIMEO and SNDTIMEO give Again, as for blocking
sockets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import anyio
from anyio.lowlevel import checkpoint

import zmqx
from zmqx._core._core import POLL, Frame, FutureSocket, MessageTracker, Watcher, running_loop
from zmqx._core._core import Poller as _SyncPoller
from zmqx._drivers.asyncio_driver import LoopDriver, start_poll, watcher_in
from zmqx._drivers.poller_wait import poll_steps
from zmqx.constants import POLLIN, POLLOUT

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["Context", "Poller", "Socket"]

_T = TypeVar("_T")
_R = TypeVar("_R")

class _AsyncioDriver(LoopDriver):
    """zmqx.asyncio's driver, except for a socket closed under a waiting task:
    the task gets what a blocking call would raise (ZMQError(ENOTSOCK), or
    ContextTerminated), where a CancelledError would look like a cancel scope's
    doing to anyio."""

    __slots__ = ()

    @staticmethod
    def abandon(future: asyncio.Future[Any], error: BaseException) -> None:
        future.set_exception(error)


_NO_LOOP = ("zmqx.anyio sockets wait inside an event loop: anyio.run(...) with the "
            "asyncio or the trio backend")
_trio_module: Any = None  # zmqx.anyio._trio, once a socket is used under trio


def _trio_side() -> Any:
    global _trio_module
    if _trio_module is None:
        try:
            from zmqx.anyio import _trio as module
        except ImportError:  # no trio: and no asyncio loop runs either
            raise RuntimeError(_NO_LOOP) from None
        _trio_module = module
    return _trio_module


def _watcher(socket: zmqx.Socket) -> Watcher:
    """The Watcher of socket in the running event loop (asyncio, or trio)."""
    loop = running_loop()
    if loop is not None:
        return watcher_in(socket, loop, _AsyncioDriver)
    watcher: Watcher | None = (_trio_module or _trio_side()).watcher_in_run(socket)
    if watcher is None:
        raise RuntimeError(_NO_LOOP)
    return watcher


# An operation on a ready socket completes without a trip through the event loop;
# one call in this many starts with a checkpoint instead, so that a loop on
# always-ready sockets lets the other tasks run and can be cancelled.
_CHECKPOINT_EVERY = 256
_calls = 0


def _checkpoint_now() -> bool:
    """Whether this call starts with a checkpoint (see _CHECKPOINT_EVERY)."""
    global _calls
    _calls += 1
    if _calls < _CHECKPOINT_EVERY:
        return False
    _calls = 0
    return True


async def _loaded(received: Awaitable[_R], load: Callable[[_R], _T]) -> _T:
    return load(await received)


class Socket(FutureSocket, zmqx.Socket):
    """A socket whose blocking calls are coroutines, for anyio (trio or asyncio).

    Made by `Context.socket`, or Socket(sync_socket) to use an existing socket
    from anyio code (a shadow: it shares the libzmq socket).
    """

    # this socket's Watcher in the running loop (the compiled FutureSocket has
    # the common asyncio case)
    _serving = _watcher

    async def send(  # type: ignore[override]
        self,
        data: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        routing_id: int | None = None,
        group: str | None = None,
    ) -> MessageTracker | None:
        """Send one message part; returns what Socket.send returns."""
        if _checkpoint_now():
            await checkpoint()
        tracker: MessageTracker | None = await FutureSocket.send(
            self, data, flags, copy, track, routing_id, group)
        return tracker

    @overload  # type: ignore[override]
    async def recv(self, flags: int = 0, copy: Literal[True] = True,
                   track: bool = False) -> bytes: ...
    @overload
    async def recv(self, flags: int = 0, *, copy: Literal[False],
                   track: bool = False) -> Frame: ...
    @overload
    async def recv(self, flags: int, copy: Literal[False], track: bool = False) -> Frame: ...
    @overload
    async def recv(self, flags: int = 0, copy: bool = True,
                   track: bool = False) -> bytes | Frame: ...

    async def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> bytes | Frame:
        """Receive one message part: bytes (a Frame if copy=False)."""
        if _checkpoint_now():
            await checkpoint()
        part: bytes | Frame = await FutureSocket.recv(self, flags, copy, track)
        return part

    async def send_multipart(  # type: ignore[override]
        self,
        msg_parts: Iterable[Buffer],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        **kwargs: Any,
    ) -> MessageTracker | None:
        """Send a multipart message, whole; returns once it is queued."""
        if _checkpoint_now():
            await checkpoint()
        tracker: MessageTracker | None = await FutureSocket.send_multipart(
            self, msg_parts, flags, copy, track, **kwargs)
        return tracker

    @overload  # type: ignore[override]
    async def recv_multipart(self, flags: int = 0, copy: Literal[True] = True,
                             track: bool = False) -> list[bytes]: ...
    @overload
    async def recv_multipart(self, flags: int = 0, *, copy: Literal[False],
                             track: bool = False) -> list[Frame]: ...
    @overload
    async def recv_multipart(self, flags: int, copy: Literal[False],
                             track: bool = False) -> list[Frame]: ...
    @overload
    async def recv_multipart(self, flags: int = 0, copy: bool = True,
                             track: bool = False) -> list[bytes] | list[Frame]: ...

    async def recv_multipart(self, flags: int = 0, copy: bool = True,
                             track: bool = False) -> list[bytes] | list[Frame]:
        """Receive every part of one message, whole."""
        if _checkpoint_now():
            await checkpoint()
        parts: list[bytes] | list[Frame] = await FutureSocket.recv_multipart(
            self, flags, copy, track)
        return parts

    async def recv_into(  # type: ignore[override]
        self, buffer: Buffer, /, *, nbytes: int = 0, flags: int = 0
    ) -> int:
        """Receive one part into buffer; returns the part's full size."""
        if _checkpoint_now():
            await checkpoint()
        size: int = await FutureSocket.recv_into(self, buffer, nbytes=nbytes, flags=flags)
        return size

    async def poll(  # type: ignore[override]
        self, timeout: int | None = None, flags: int = POLLIN
    ) -> int:
        """The events in flags that become ready within timeout ms (None or
        negative: no limit); 0 on timeout."""
        if _checkpoint_now():
            await checkpoint()
        events: int = await start_poll(self, timeout, flags)
        return events

    def _deserialize(self, received: Any, load: Callable[[Any], Any]) -> Any:
        return _loaded(received, load)

    if TYPE_CHECKING:
        # The forms zmqx.Socket builds on send/recv, as awaitables here.
        async def send_string(  # type: ignore[override]
            self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8",
            **kwargs: Any
        ) -> MessageTracker | None: ...
        async def recv_string(  # type: ignore[override]
            self, flags: int = 0, encoding: str = "utf-8"
        ) -> str: ...
        async def send_pyobj(  # type: ignore[override]
            self, obj: object, flags: int = 0, protocol: int = ..., **kwargs: Any
        ) -> MessageTracker | None: ...
        async def recv_pyobj(self, flags: int = 0) -> Any: ...
        async def send_json(  # type: ignore[override]
            self, obj: object, flags: int = 0, **kwargs: Any
        ) -> MessageTracker | None: ...
        async def recv_json(self, flags: int = 0, **kwargs: Any) -> Any: ...
        async def send_serialized(  # type: ignore[override]
            self, msg: _T, serialize: Callable[[_T], Iterable[Buffer]], flags: int = 0,
            copy: bool = True, **kwargs: Any
        ) -> MessageTracker | None: ...
        async def recv_serialized(  # type: ignore[override]
            self, deserialize: Callable[[list[Any]], _T], flags: int = 0, copy: bool = True
        ) -> _T: ...


class Poller(_SyncPoller):
    """A Poller whose poll() is a coroutine of [(socket_or_fd, events), ...]."""

    async def poll(self, timeout: int | None = -1) -> list[tuple[Any, int]]:  # type: ignore[override]
        """What is ready within timeout ms (None or negative: no limit)."""
        steps = poll_steps(self, timeout)  # the one Poller wait
        try:
            while True:
                seconds = next(steps)
                with anyio.move_on_after(seconds):
                    await self._news()
        except StopIteration as done:
            ready: list[tuple[Any, int]] = done.value
            return ready

    async def _news(self) -> None:
        """Return once one of the registered objects may be ready."""

        async def wait_for(obj: Any, flags: int) -> None:
            try:
                if isinstance(obj, zmqx.Socket):
                    await _watcher(obj).submit(POLL, None, flags, timeout_ms=-1)
                elif flags == POLLIN:
                    await anyio.wait_readable(obj)
                else:
                    await anyio.wait_writable(obj)
            except Exception:  # noqa: BLE001, S110 - closed meanwhile: the next look raises
                pass
            group.cancel_scope.cancel()

        async with anyio.create_task_group() as group:
            for obj, flags in list(self.sockets):
                if isinstance(obj, zmqx.Socket):
                    if flags & (POLLIN | POLLOUT):
                        group.start_soon(wait_for, obj, flags & (POLLIN | POLLOUT))
                    continue
                fd = obj if isinstance(obj, int) else obj.fileno()
                for flag in (POLLIN, POLLOUT):
                    if flags & flag:
                        group.start_soon(wait_for, fd, flag)
            await anyio.sleep_forever()


class Context(zmqx.Context[Socket]):
    """A Context whose sockets are zmqx.anyio Sockets. Context(sync_context)
    shares another Context's libzmq context."""

    _socket_class = Socket
    _instance = None
