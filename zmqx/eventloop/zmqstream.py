"""ZMQStream: a socket's messages as callbacks in tornado's IOLoop.

    stream = ZMQStream(socket)
    stream.on_recv(lambda msg: stream.send_multipart(msg))   # an echo server

Received messages go to the on_recv callback as lists of parts; messages given
to send() and its kin go to the socket as soon as it takes them, in order, and
wait in the stream while it does not (a full HWM, a REQ awaiting its reply).

Tornado 6 runs on asyncio, so the stream stands on the socket's Watcher in the
IOLoop's asyncio loop, like zmqx.asyncio: it takes what is ready with non-raising
attempts, a burst at a time, and sleeps on a poll waiter of the Watcher while
nothing is. No event of the edge-triggered FD is missed, and nothing runs while
nothing arrives.
"""

from __future__ import annotations

import asyncio
import pickle
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from inspect import isawaitable
from typing import Any, Literal, overload

from tornado.ioloop import IOLoop
from tornado.log import gen_log

import zmqx
from zmqx._core._core import (
    NOT_READY,
    POLL,
    RECV_MULTIPART,
    SEND_MULTIPART,
    FutureSocket,
    Watcher,
    checked_message,
    running_loop,
)
from zmqx._drivers.asyncio_driver import watcher_in
from zmqx._drivers.tornado_driver import TornadoDriver
from zmqx.constants import EFSM, ETERM, POLLIN, POLLOUT
from zmqx.utils import jsonapi

__all__ = ["NotCallableError", "ZMQStream"]

# Messages a stream moves in one direction before it lets the loop run other
# callbacks (other streams, timers): a busy socket does not starve the rest.
BURST = 128

RecvCallback = Callable[[list[Any]], object]
SendCallback = Callable[[list[Any], zmqx.MessageTracker | None], object]

# Coroutines started by callbacks, kept until done (the loop only keeps weak ones).
_running_callbacks: set[asyncio.Future[Any]] = set()


class ZMQStream:
    """Callbacks for the messages of a zmqx Socket, in a tornado IOLoop.

    on_recv(callback) has every received message passed to callback (a list of
    parts); send(), send_multipart() and the other send methods queue a message
    and return at once, and on_send(callback) is told of each one sent. Setting
    a callback to None pauses it. Callbacks may be coroutine functions: their
    coroutines are scheduled on the loop. The stream works in the IOLoop's thread.
    """

    socket: zmqx.Socket
    io_loop: IOLoop

    def __init__(self, socket: zmqx.Socket, io_loop: IOLoop | None = None) -> None:
        if isinstance(socket, FutureSocket):
            warnings.warn(
                "ZMQStream takes a plain zmqx.Socket: this asyncio socket is used through"
                " a plain shadow (zmqx.Socket(shadow=socket)), so callbacks get messages,"
                " not futures",
                RuntimeWarning,
                stacklevel=2,
            )
            socket = zmqx.Socket(shadow=socket)
        if not isinstance(socket, zmqx.Socket):
            raise TypeError(f"ZMQStream needs a zmqx.Socket, not {type(socket).__name__}")
        # raises now for a socket that has no FD to watch; kept to name it in a warning
        self._fd = socket.getsockopt(zmqx.FD)
        self.socket = socket
        self.io_loop = io_loop or IOLoop.current()
        # every tornado 6 IOLoop is an asyncio loop underneath
        self._loop: asyncio.AbstractEventLoop = self.io_loop.asyncio_loop  # type: ignore[attr-defined]
        self._recv_callback: RecvCallback | None = None
        self._recv_copy = False
        self._send_callback: SendCallback | None = None
        self._close_callback: Callable[[], object] | None = None
        # (msg, parts, flags, copy, track) of the messages the socket has not taken yet
        self._outbox: deque[tuple[Any, list[Any], int, bool, bool]] = deque()
        # (msg, status) of sent messages whose on_send callback is due
        self._sent: list[tuple[Any, Any]] = []
        self._report_due = False
        self._receiver = _Pump(self, POLLIN, self._recv_one)
        self._sender = _Pump(self, POLLOUT, self._send_one)
        # the socket's own methods, under the stream's name (as pyzmq has them)
        self.bind = socket.bind
        self.bind_to_random_port = socket.bind_to_random_port
        self.connect = socket.connect
        self.setsockopt = socket.setsockopt
        self.getsockopt = socket.getsockopt
        self.setsockopt_string = socket.setsockopt_string
        self.getsockopt_string = socket.getsockopt_string
        self.setsockopt_unicode = socket.setsockopt_unicode
        self.getsockopt_unicode = socket.getsockopt_unicode
        # served by the IOLoop from now on, as tornado's add_handler would: its
        # close(all_fds=True) closes the socket
        self._watcher()

    def __repr__(self) -> str:
        return f"<ZMQStream of {self.socket!r}>"

    # ---- callbacks ------------------------------------------------------------

    @overload
    def on_recv(
        self, callback: Callable[[list[bytes]], object] | None, copy: Literal[True] = True
    ) -> None: ...
    @overload
    def on_recv(
        self, callback: Callable[[list[zmqx.Frame]], object] | None, copy: Literal[False]
    ) -> None: ...
    @overload
    def on_recv(self, callback: RecvCallback | None, copy: bool) -> None: ...
    def on_recv(self, callback: Callable[[list[Any]], object] | None, copy: bool = True) -> None:
        """Call callback(msg) with each message received, a list of parts: bytes,
        or Frames with copy=False. Replaces the previous callback; None pauses
        receiving (messages wait in the socket)."""
        self._check_closed()
        _check_callable(callback)
        self._recv_callback = callback
        self._recv_copy = copy
        if callback is None:
            self._receiver.stop()
        else:
            self._receiver.start()

    @overload
    def on_recv_stream(
        self,
        callback: Callable[[ZMQStream, list[bytes]], object] | None,
        copy: Literal[True] = True,
    ) -> None: ...
    @overload
    def on_recv_stream(
        self, callback: Callable[[ZMQStream, list[zmqx.Frame]], object] | None,
        copy: Literal[False],
    ) -> None: ...
    @overload
    def on_recv_stream(
        self, callback: Callable[[ZMQStream, list[Any]], object] | None, copy: bool
    ) -> None: ...
    def on_recv_stream(
        self, callback: Callable[[ZMQStream, list[Any]], object] | None, copy: bool = True
    ) -> None:
        """on_recv, with callback(stream, msg): one callback can serve many streams."""
        if callback is None:
            self.stop_on_recv()
            return
        _check_callable(callback)
        self.on_recv(lambda msg: callback(self, msg), copy=copy)

    def on_send(self, callback: SendCallback | None) -> None:
        """Call callback(msg, status) for each message sent: msg as it was given to
        send_multipart (send passes [msg]), status what Socket.send_multipart
        returned (None, or a MessageTracker with copy=False, track=True), or the
        ZMQError that failed the send. None stops these calls."""
        self._check_closed()
        _check_callable(callback)
        self._send_callback = callback

    def on_send_stream(
        self, callback: Callable[[ZMQStream, list[Any], zmqx.MessageTracker | None], object] | None
    ) -> None:
        """on_send, with callback(stream, msg, status)."""
        if callback is None:
            self.stop_on_send()
            return
        _check_callable(callback)
        self.on_send(lambda msg, status: callback(self, msg, status))

    def stop_on_recv(self) -> None:
        """Stop receiving: on_recv(None)."""
        self.on_recv(None)

    def stop_on_send(self) -> None:
        """Stop the on_send calls: on_send(None)."""
        self.on_send(None)

    def on_err(self, callback: Callable[..., object] | None) -> None:
        """Deprecated, and does nothing: errors are logged, or passed to on_send."""
        warnings.warn("ZMQStream.on_err does nothing", DeprecationWarning, stacklevel=2)

    def stop_on_err(self) -> None:
        """Deprecated, and does nothing (see on_err)."""
        warnings.warn("ZMQStream.stop_on_err does nothing", DeprecationWarning, stacklevel=2)

    def set_close_callback(self, callback: Callable[[], object] | None) -> None:
        """Call callback() once the stream is closed."""
        _check_callable(callback)
        self._close_callback = callback

    # ---- sending --------------------------------------------------------------

    def send_multipart(
        self,
        msg: Sequence[Any],
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        callback: SendCallback | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue a multipart message; it goes to the socket, whole, once the socket
        takes it (now, if it can). A callback replaces the on_send callback.
        Raises TypeError or ValueError at once for a message that cannot be sent.
        Called from another thread while the loop runs, it hands the message to
        the loop's thread, which alone uses the socket."""
        self._check_closed()
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {', '.join(kwargs)}")
        _check_callable(callback)
        parts = checked_message(msg)
        if running_loop() is not self._loop and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._queue, msg, parts, flags, copy, track,
                                            callback)
        else:
            self._queue(msg, parts, flags, copy, track, callback)

    def _queue(self, msg: Any, parts: list[Any], flags: int, copy: bool, track: bool,
               callback: SendCallback | None) -> None:
        if self.socket is None:
            return  # closed while the message came over from another thread
        if callback is not None:
            self._send_callback = callback
        self._outbox.append((msg, parts, flags, copy, track))
        if len(self._outbox) == 1:
            self._sender.run_now()

    def send(
        self,
        msg: Any,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        callback: SendCallback | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue a one-part message (see send_multipart)."""
        self.send_multipart([msg], flags=flags, copy=copy, track=track, callback=callback,
                            **kwargs)

    def send_string(
        self,
        u: str,
        flags: int = 0,
        encoding: str = "utf-8",
        callback: SendCallback | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue a str, encoded (see send_multipart)."""
        if not isinstance(u, str):
            raise TypeError(f"send_string takes a str, not {type(u).__name__}")
        self.send(u.encode(encoding), flags=flags, callback=callback, **kwargs)

    send_unicode = send_string

    def send_json(
        self, obj: Any, flags: int = 0, callback: SendCallback | None = None, **kwargs: Any
    ) -> None:
        """Queue obj as JSON (see send_multipart)."""
        self.send(jsonapi.dumps(obj), flags=flags, callback=callback, **kwargs)

    def send_pyobj(
        self,
        obj: Any,
        flags: int = 0,
        protocol: int = -1,
        callback: SendCallback | None = None,
        **kwargs: Any,
    ) -> None:
        """Queue obj pickled with protocol (see send_multipart)."""
        self.send(pickle.dumps(obj, protocol), flags=flags, callback=callback, **kwargs)

    # ---- state --------------------------------------------------------------

    def receiving(self) -> bool:
        """True while an on_recv callback is set."""
        return self._recv_callback is not None

    def sending(self) -> bool:
        """True while messages wait for the socket to take them."""
        return bool(self._outbox)

    def closed(self) -> bool:
        """True once the stream, or its socket, is closed."""
        if self.socket is None:
            return True
        if self.socket.closed:  # closed under the stream: close the stream too
            self.close()
            return True
        return False

    def flush(self, flag: int = POLLIN | POLLOUT, limit: int | None = None) -> int:
        """Move what is ready now, without waiting for the loop: receive (with
        POLLIN in flag; a message is dropped if no on_recv callback is set) and
        send queued messages (with POLLOUT), calling the callbacks. Stops when
        nothing more is ready or after limit messages (None or 0: no limit).
        Returns how many messages it moved."""
        self._check_closed()
        count = 0
        looked = False
        while not limit or count < limit:
            before = count
            if flag & POLLIN and self._recv_one(flushing=True):
                count += 1
            if flag & POLLOUT and (not limit or count < limit) and self._send_one():
                count += 1
            if self.socket is None:
                break
            if count == before:
                # libzmq may refuse a send before it has read its commands (the
                # peer took messages): reading EVENTS makes it; then try again
                if looked or not self._ready(flag):
                    break
                looked = True
            else:
                looked = False
        self._report_sent()
        return count

    def close(self, linger: int | None = None) -> None:
        """Close the stream and its socket (linger as Socket.close). Messages not yet
        taken by the socket are dropped, no callback runs but the close callback,
        and the socket's FD is no longer watched."""
        socket = self.socket
        if socket is None:
            return
        self._receiver.stop()
        self._sender.stop()
        self._outbox.clear()
        self._sent.clear()
        self.socket = None  # type: ignore[assignment]
        if not socket.closed:
            socket.close(linger)
        else:
            # The program closed the socket itself (or the owner of the socket it
            # shadows did): said once, as pyzmq says it, in words its filters match.
            warnings.warn(
                f"Unregistering FD {self._fd} after closing socket: the stream stopped"
                " when it found its socket closed; close the stream, not its socket",
                UserWarning,
                stacklevel=2,
            )
        if self._close_callback is not None:
            self._run_callback(self._close_callback)

    # ---- moving messages ----------------------------------------------------

    def _recv_one(self, flushing: bool = False) -> bool | None:
        """Receive a message for the callback: True if one came, False if none is
        ready, None if none is wanted (paused, closed)."""
        callback = self._recv_callback
        if self.socket is None or (callback is None and not flushing):
            return None
        try:
            msg = self._watcher().attempt(RECV_MULTIPART, None, 0, self._recv_copy)
        except zmqx.ZMQError as e:
            # a failing receive takes no message: wait for the socket, unless closed
            return None if self._failed(e, "receive") is None else False
        if msg is NOT_READY:
            return False
        if callback is not None:
            self._run_callback(callback, msg)
        return True

    def _send_one(self) -> bool | None:
        """Send the oldest queued message: True if it went (or failed for good),
        False if the socket cannot take it yet, None if nothing is queued."""
        if self.socket is None or not self._outbox:
            return None
        msg, parts, flags, copy, track = self._outbox[0]
        try:
            status = self._watcher().attempt(SEND_MULTIPART, parts, flags, copy, track)
        except zmqx.ZMQError as e:
            if self._failed(e, "send") is not True:
                return False if self.socket is not None else None
            status = e  # the message is dropped; on_send gets the error
        if status is NOT_READY:
            return False
        self._outbox.popleft()
        if self._send_callback is not None:
            self._sent.append((msg, status))
            if not self._report_due:
                self._report_due = True
                self._loop.call_soon(self._report_sent)
        return True

    def _report_sent(self) -> None:
        """Run the on_send callback for the messages sent since the last report."""
        self._report_due = False
        sent, self._sent = self._sent, []
        for msg, status in sent:
            callback = self._send_callback
            if callback is None or self.socket is None:
                break
            self._run_callback(callback, msg, status)

    def _failed(self, error: zmqx.ZMQError, action: str) -> bool | None:
        """What an error of the socket means: False to wait for the socket (its
        state machine is not there yet: EFSM), None when the stream closed with the
        socket or its context, True for a failure of this one message (logged)."""
        if error.errno == EFSM:
            return False
        if self.closed():
            return None
        if error.errno == ETERM:
            self.close()
            return None
        gen_log.error("ZMQStream %s error: %s", action, error)
        return True

    def _ready(self, flag: int) -> bool:
        """Whether the socket is ready for what flush(flag) would move."""
        wanted = flag & POLLIN | (flag & POLLOUT if self._outbox else 0)
        try:
            return bool(wanted and self._watcher().attempt(POLL, None, wanted))
        except zmqx.ZMQError:
            return False

    def _watcher(self) -> Watcher:
        return watcher_in(self.socket, self._loop, TornadoDriver)

    def _run_callback(self, callback: Callable[..., object], *args: Any) -> None:
        """Run a user callback: its exception is logged (the stream goes on), and a
        coroutine it returns is scheduled on the loop."""
        try:
            result = callback(*args)
        except Exception:  # noqa: BLE001 - the user's code: logged, the stream goes on
            gen_log.error("Uncaught exception in ZMQStream callback", exc_info=True)
            return
        if result is not None and isawaitable(result):
            task = asyncio.ensure_future(result, loop=self._loop)
            _running_callbacks.add(task)
            task.add_done_callback(_callback_finished)

    def _check_closed(self) -> None:
        if self.closed():
            raise OSError("Stream is closed")


class _Pump:
    """One direction of a stream: moves messages while the stream wants to, a
    burst at a time, and sleeps on a poll waiter of the socket's Watcher when the
    socket is not ready."""

    __slots__ = ("due", "events", "move", "stream", "waiting")

    def __init__(self, stream: ZMQStream, events: int,
                 move: Callable[[], bool | None]) -> None:
        self.stream = stream
        self.events = events
        self.move = move  # moves one message: True, False (not ready), None (nothing wanted)
        self.waiting: asyncio.Future[int] | None = None  # the poll waiter slept on
        self.due = False  # run() is scheduled

    def start(self) -> None:
        """Run soon, from the loop, unless already due or waiting for the socket.
        From another thread than the running loop's (a stream set up there), the
        loop is woken for it."""
        if self.waiting is None and not self.due:
            self.due = True
            loop = self.stream._loop
            if running_loop() is not loop and loop.is_running():
                loop.call_soon_threadsafe(self.run)
            else:
                loop.call_soon(self.run)

    def stop(self) -> None:
        """Stop waiting for the socket (a due run finds nothing wanted)."""
        waiting, self.waiting = self.waiting, None
        if waiting is not None:
            # without its callback, cancelling calls nothing (works on a closed loop too)
            waiting.remove_done_callback(self.woken)
            waiting.cancel()

    def run_now(self) -> None:
        """Move what can go now, unless this direction already waits or is due."""
        if self.waiting is None and not self.due:
            self.run()

    def run(self) -> None:
        """Move a burst of messages, then run again soon if more may be ready, or
        sleep until the socket is ready."""
        self.due = False
        for _ in range(BURST):
            moved = self.move()
            if not moved:
                break
        else:
            self.start()  # a full burst: let the loop run the others first
            return
        if moved is False:
            self.sleep()

    def sleep(self) -> None:
        stream = self.stream
        try:
            waiter = stream._watcher().enqueue(POLL, None, self.events, timeout_ms=-1)
        except zmqx.ZMQError:
            stream.closed()  # the socket closed meanwhile: so does the stream
            return
        self.waiting = waiter
        waiter.add_done_callback(self.woken)

    def woken(self, waiter: asyncio.Future[int]) -> None:
        if waiter is not self.waiting:
            return  # stopped after this call was already scheduled
        self.waiting = None
        # A cancelled waiter: the watcher let go (the socket closed, or its Watcher
        # moved to another loop, when run() takes it back).
        if waiter.cancelled() and self.stream.closed():
            return
        self.run()


class NotCallableError(TypeError, AssertionError):
    """A callback that is neither callable nor None: a TypeError, and the
    AssertionError pyzmq raises, for code written against either."""


def _check_callable(callback: object) -> None:
    if callback is not None and not callable(callback):
        raise NotCallableError(
            f"callback must be callable or None, not {type(callback).__name__}")


def _callback_finished(task: asyncio.Future[Any]) -> None:
    _running_callbacks.discard(task)
    if not task.cancelled() and task.exception() is not None:
        gen_log.error("Uncaught exception in ZMQStream callback", exc_info=task.exception())
