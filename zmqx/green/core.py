"""Sockets and contexts for gevent: a blocking call blocks only its greenlet.

Built on the core's readiness machine (a compiled Watcher per socket): a call
that can complete does so at once, without touching the hub; one that must wait
queues (FIFO) on the socket's Watcher, which the hub serves when the socket's
FD has news and after every operation on the socket. Events are never missed,
so no call relies on a timeout to notice one; RCVTIMEO and SNDTIMEO apply (a
call that times out raises Again). A greenlet killed or timed out while it
waits loses nothing: its operation is dropped from the queue, or, if it had
already received a message, the message goes back to the socket for the next
receive.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import gevent
from gevent import get_hub, getcurrent
from gevent.hub import Hub, Waiter

import zmqx
from zmqx._core._core import SEND, SEND_MULTIPART, WaitingSocket
from zmqx._core._core import Watcher as _Watcher
from zmqx._core._core import watcher_of as _watcher_of
from zmqx.error import ZMQError

__all__ = ["Context", "Socket"]

_PENDING, _RESULT, _FAILED, _CANCELLED = range(4)
_SENDS = (SEND, SEND_MULTIPART)


class _GreenFuture:
    """A waiter's future (see the driver protocol in the core's watcher.pxi):
    done() / cancel() / set_result() / set_exception() from the hub or any
    greenlet, and wait() to block the calling greenlet until it is done."""

    __slots__ = ("_driver", "_state", "_value", "_wakeup", "waiter")

    def __init__(self, driver: _HubDriver, waiter: Any) -> None:
        self._driver = driver
        self._state = _PENDING
        self._value: Any = None
        self._wakeup: Waiter | None = None  # switched to once done, if set
        self.waiter = waiter  # the core's Waiter (gives back a message)

    def done(self) -> bool:
        return self._state != _PENDING

    def cancel(self) -> bool:
        if self._state != _PENDING:
            return False
        self._state = _CANCELLED
        self._dropped()
        self._wake()
        return True

    def set_result(self, result: object) -> None:
        self._state = _RESULT
        self._value = result
        self._wake()

    def set_exception(self, exc: BaseException) -> None:
        self._state = _FAILED
        self._value = exc
        self._wake()

    def _wake(self) -> None:
        # Asynchronously: the hub is in the middle of serving the socket (or the
        # caller is another greenlet), and the woken greenlet runs on its own turn.
        wakeup = self._wakeup
        if wakeup is not None:
            self._driver.call_soon_any_thread(wakeup.switch, None)

    def wait(self) -> Any:
        """Block this greenlet until done: the result, or the failure raised. If
        the greenlet is killed or times out meanwhile, the operation is dropped
        (a message already received for it goes back to the socket)."""
        if self._state == _PENDING:
            self._wakeup = Waiter(self._driver.hub)
            try:
                while self._state == _PENDING:
                    self._wakeup.get()
                    self._wakeup.clear()
            except BaseException as interruption:
                if not self._sent_before(interruption):
                    self._abandon()
                    raise
            finally:
                self._wakeup = None
        if self._state == _RESULT:
            return self._value
        if self._state == _FAILED:
            raise self._value
        # cancelled under its waiting greenlet (the Watcher abandons instead)
        raise ZMQError(zmqx.ENOTSOCK, "Socket was closed while waiting")

    def _sent_before(self, interruption: BaseException) -> bool:
        """Whether the send this greenlet waited for completed before interruption
        (a timeout, or a kill) reached it: it is then reported as sent, as it was,
        so that a program that retries on a timeout sends nothing twice. A timeout
        has nothing left to interrupt; a kill is delivered again, at the greenlet's
        next switch."""
        if self._state != _RESULT or self.waiter is None or self.waiter.op not in _SENDS:
            return False
        if not isinstance(interruption, gevent.Timeout):
            gevent.kill(getcurrent(), interruption)
        return True

    def _dropped(self) -> None:
        if self.waiter is not None:
            self.waiter.dropped()  # nothing waits now: the socket may go

    def _abandon(self) -> None:
        if self._state == _PENDING:
            self._state = _CANCELLED  # the watcher skips it: the op does not happen
            self._dropped()
        elif self._state == _RESULT and self.waiter is not None:
            self.waiter.give_back(self._value)  # only receives give anything back
            self.waiter = None


class _Timer:
    """A timeout of the Watcher's: cancel() stops it."""

    __slots__ = ("_driver", "_timer")

    def __init__(self, driver: _HubDriver, timer: Any) -> None:
        self._driver = driver
        self._timer = timer

    def cancel(self) -> None:
        self._driver.close_in_hub(self._timer)


class _HubDriver:
    """What the core's Watcher needs from a gevent hub (one per hub, so per thread)."""

    __slots__ = ("__weakref__", "_ev", "_ios", "_thread", "_thread_object", "call_soon", "hub",
                 "loop")

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.loop = hub  # the Watcher's notion of "the loop it serves"
        self._ev = hub.loop
        self._ios: dict[int, Any] = {}
        self._thread = threading.get_ident()
        self._thread_object = threading.current_thread()
        self.call_soon = self._ev.run_callback

    def elsewhere(self) -> bool:
        """Whether the hub's thread is another, still running (it runs the hub)."""
        return (threading.get_ident() != self._thread and self._thread_object.is_alive()
                and self.hub.loop is not None)

    def call_soon_threadsafe(self, callback: Any) -> None:
        ev = self.hub.loop
        if ev is None:
            raise RuntimeError("the hub was destroyed")
        ev.run_callback_threadsafe(callback)

    def call_soon_any_thread(self, callback: Any, *args: Any) -> None:
        """callback(*args) soon in the hub, called from the hub's thread or another
        (a socket closed by another thread cancels its waiters from there)."""
        if threading.get_ident() == self._thread:
            self._ev.run_callback(callback, *args)
        else:
            self._ev.run_callback_threadsafe(callback, *args)

    def close_in_hub(self, watcher: Any) -> None:
        """Stop and free one of the loop's watchers (libev's loop belongs to its thread)."""
        if threading.get_ident() == self._thread:
            watcher.close()
        else:
            self._ev.run_callback_threadsafe(watcher.close)

    def watch(self, fd: int, callback: Any) -> None:
        io = self._ev.io(fd, 1)  # 1: readable
        io.start(callback)
        self._ios[fd] = io

    def unwatch(self, fd: int) -> None:
        io = self._ios.pop(fd, None)
        if io is not None:
            self.close_in_hub(io)

    def call_later(self, seconds: float, callback: Any, arg: object) -> _Timer:
        timer = self._ev.timer(seconds)
        timer.start(callback, arg)
        return _Timer(self, timer)

    def pending(self, waiter: Any) -> _GreenFuture:
        return _GreenFuture(self, waiter)

    @staticmethod
    def abandon(future: _GreenFuture, error: BaseException) -> None:
        """The socket closed under a waiting greenlet: it raises what a blocking
        call raises then, ZMQError(ENOTSOCK) or (Context.destroy) ContextTerminated."""
        future.set_exception(error)

    def completed(self, result: object) -> _GreenFuture:
        future = _GreenFuture(self, None)
        future.set_result(result)
        return future

    def failed(self, exc: BaseException) -> _GreenFuture:
        future = _GreenFuture(self, None)
        future.set_exception(exc)
        return future


_drivers: dict[Hub, _HubDriver] = {}


def _driver_of(hub: Hub) -> _HubDriver:
    driver = _drivers.get(hub)
    if driver is None:
        for old in [h for h in _drivers if h.dead or h.loop is None]:
            del _drivers[old]  # hubs destroyed since
        driver = _drivers[hub] = _HubDriver(hub)
    return driver


def watcher_in_this_hub(socket: zmqx.Socket) -> _Watcher:
    """socket's Watcher in the current thread's hub, made (or moved) when needed."""
    watcher = _watcher_of(socket)
    hub = get_hub()
    if watcher is None or watcher.loop is not hub:
        watcher = _Watcher(socket, _driver_of(hub))  # replaces another hub's
    return watcher


class Socket(WaitingSocket, zmqx.Socket):
    """A socket whose blocking calls (send, recv, their multipart, string, json,
    pyobj and serialized forms, recv_into, poll) block only the calling greenlet."""

    _current_loop = staticmethod(get_hub)

    def _serving(self) -> _Watcher:
        return watcher_in_this_hub(self)

    # zmq.green warns when RCVTIMEO/SNDTIMEO are set or read through set(), get()
    # or attributes (not setsockopt/getsockopt): gevent ignores them there, here
    # they apply, and programs ported from it should know.
    def set(self, option: int, optval: Any) -> None:
        """Set an option (see zmqx.Socket.set)."""
        _warn_if_timeout(option)
        super().set(option, optval)

    def get(self, option: int) -> Any:
        """Get an option (see zmqx.Socket.get)."""
        _warn_if_timeout(option)
        return super().get(option)

    setsockopt = zmqx.Socket.setsockopt
    getsockopt = zmqx.Socket.getsockopt


def _warn_if_timeout(option: int) -> None:
    if option == zmqx.RCVTIMEO or option == zmqx.SNDTIMEO:
        name = "RCVTIMEO" if option == zmqx.RCVTIMEO else "SNDTIMEO"
        warnings.warn(
            f"{name} applies to zmqx.green sockets: a greenlet that waits longer raises"
            " zmqx.Again (zmq.green ignores the TIMEO options)",
            UserWarning,
            stacklevel=3,
        )


class Context(zmqx.Context[Socket]):
    """A Context whose sockets are gevent-cooperative Sockets."""

    _socket_class = Socket
    _instance = None


# pyzmq's names for these classes
_Socket = Socket
_Context = Context
