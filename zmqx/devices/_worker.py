"""The side of a device that runs where its sockets live.

`DeviceSockets` creates and configures a device's sockets; `serve` is the body
of a background device's thread or process: it takes configuration from the
parent over a multiprocessing Connection, binds random ports on request, runs
the device when told to start, and reports how it ended.

Messages, parent to worker: ``(request, new_steps)`` where ``new_steps`` are the
configuration calls made since the previous message and ``request`` is one of
``("random", role, addr, args, kwargs)`` (answered with ``("port", n)`` or
``("error", exc)``) and ``("start",)``. Worker to parent, once, when the device
has ended: ``("done", None)`` or ``("done", exc)``. A device process stops when
its pipe closes: the parent has exited, or died.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import traceback
import weakref

from zmqx.error import ContextTerminated

TYPE_CHECKING = False
if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from typing import Any

    from zmqx.devices.basedevice import Device, Step
    from zmqx.socket import Socket

# How long a device process waits at its end for its context to finish sending
# (per the sockets' LINGER) before it exits anyway.
PROCESS_EXIT_GRACE = 2.0

# Background devices of this process, so that a forked child can let go of the
# parent's ends of their pipes (else a device process would keep another one's
# parent end open, and would not see that parent leave).
background_devices: weakref.WeakSet[Any] = weakref.WeakSet()


class DeviceSockets:
    """The sockets of one run of a device, made from its recorded configuration.

    Options are applied when the sockets are made (before any bind); binds and
    connects wait for `finish()`, which applies every bind before any connect.
    Random-port binds happen at once, so options set after one cannot affect it.
    """

    def __init__(self, device: Device) -> None:
        self.device = device
        self.context: Any = None
        self.sockets: dict[str, Socket | None] = {}
        self._options: list[Step] = []
        self._endpoints: list[Step] = []
        self._lock = threading.Lock()
        self._stopping = False
        self._terminator: threading.Thread | None = None
        self._deferred_error: Exception | None = None

    # ---- configuration -------------------------------------------------------

    def add(self, steps: list[Step]) -> None:
        """Take recorded configuration calls: options now if the sockets exist.

        An option that fails here is raised by `finish()`, where the device starts.
        """
        for step in steps:
            role, action, args = step
            if action != "setsockopt":
                self._endpoints.append(step)
            elif not self.sockets:
                self._options.append(step)
            elif self._deferred_error is None:
                try:
                    self._socket(role).setsockopt(*args)
                except Exception as exc:  # noqa: BLE001 - raised at start
                    self._deferred_error = exc

    def open(self) -> None:
        """Make the context and sockets (once) and apply the options so far."""
        if self.sockets:
            return
        with self._lock:
            if self._stopping:
                raise ContextTerminated()
            self.context = self.device.context_factory()
        device = self.device
        try:
            for role in device._roles:
                socket_type = device._socket_type(role)
                if socket_type is None:
                    self.sockets[role] = None
                elif role == "out" and socket_type < 0:
                    self.sockets[role] = self.sockets["in"]  # one socket serves both
                else:
                    self.sockets[role] = self.context.socket(socket_type)
            options, self._options = self._options, []
            for role, _, args in options:
                self._socket(role).setsockopt(*args)
        except BaseException:
            self.close()
            raise

    def bind_random(
        self, role: str, addr: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> int:
        self.open()
        port: int = self._socket(role).bind_to_random_port(addr, *args, **kwargs)
        return port

    def finish(self) -> None:
        """Apply the waiting binds, then connects."""
        self.open()
        if self._deferred_error is not None:
            error, self._deferred_error = self._deferred_error, None
            raise error
        endpoints, self._endpoints = self._endpoints, []
        for wanted in ("bind", "connect"):
            for role, action, args in endpoints:
                if action == wanted:
                    getattr(self._socket(role), action)(*args)

    def _socket(self, role: str) -> Socket:
        sock = self.sockets.get(role)
        if sock is None:
            raise ValueError(f"this device has no {role} socket")
        return sock

    def close(self) -> None:
        """Close the sockets (each keeps its LINGER)."""
        for sock in {id(s): s for s in self.sockets.values() if s is not None}.values():
            if not sock.closed:
                sock.close()

    # ---- ending a device process ---------------------------------------------

    def begin_terminate(self) -> None:
        """Terminate the context in a helper thread (the running device then
        stops with ContextTerminated); before the context exists, prevent it."""
        with self._lock:
            self._stopping = True
            if self.context is None or self._terminator is not None:
                return
            self._terminator = threading.Thread(
                target=self._terminate, name="zmqx-device-term", daemon=True
            )
            self._terminator.start()

    def _terminate(self) -> None:
        with contextlib.suppress(Exception):  # nothing to report to at this point
            self.context.term()

    def wait_terminated(self, timeout: float) -> None:
        self.begin_terminate()
        if self._terminator is not None:
            self._terminator.join(timeout)


# ---- the worker --------------------------------------------------------------


def _configure(sockets: DeviceSockets, conn: Connection) -> bool:
    """Serve configuration requests until start (True) or the parent is gone (False)."""
    while True:
        try:
            request, steps = conn.recv()
        except (EOFError, OSError):
            return False
        sockets.add(steps)
        kind = request[0]
        if kind == "random":
            role, addr, args, kwargs = request[1:]
            try:
                reply: tuple[str, Any] = ("port", sockets.bind_random(role, addr, args, kwargs))
            except Exception as exc:  # noqa: BLE001 - raised again in the parent
                reply = ("error", exc)
            _send(conn, reply)
        elif kind == "start":
            return True


def _send(conn: Connection, message: tuple[str, Any]) -> None:
    """Send to the parent; an exception that does not pickle goes as RuntimeError."""
    kind, value = message
    try:
        conn.send(message)
    except (EOFError, OSError):
        return  # parent gone
    except Exception:
        if not isinstance(value, BaseException):
            raise
        substitute = RuntimeError(f"{type(value).__name__}: {value}")
        with contextlib.suppress(Exception):
            conn.send((kind, substitute))


def _watch_parent(conn: Connection, sockets: DeviceSockets) -> None:
    """In a device process: stop the device when the parent is gone."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            conn.recv()  # nothing more is expected after start; EOF ends it
    sockets.begin_terminate()


def serve(device: Device, conn: Connection, in_process: bool) -> None:
    """Body of a background device (thread or process)."""
    sockets = DeviceSockets(device)
    device._socket_set = sockets
    started = False
    try:
        started = _configure(sockets, conn)
        if not started:
            return
        if in_process:
            threading.Thread(
                target=_watch_parent, args=(conn, sockets), name="zmqx-device-watch", daemon=True
            ).start()
        result: BaseException | None = None
        try:
            device.run()  # a terminated context is a normal end there
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            if in_process and exc.__traceback__ is not None and hasattr(exc, "add_note"):
                remote = "".join(traceback.format_exception(exc)).rstrip()
                exc.add_note(f"raised in device process {os.getpid()}:\n{remote}")
            result = exc
        _send(conn, ("done", result))
    finally:
        sockets.close()
        if in_process:
            sockets.wait_terminated(PROCESS_EXIT_GRACE)
        if not started:
            _send(conn, ("done", None))
        if not in_process:
            conn.close()  # what was sent stays readable by the parent


def serve_process(device: Device, conn: Connection) -> None:
    """Entry point of a device process."""
    # The parent owns the terminal: Ctrl-C stops the parent, and the device goes
    # with it (its pipe closes) rather than dying with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for other in list(background_devices):
        parent_end = getattr(other, "_conn", None)
        if parent_end is not None:
            parent_end.close()  # a forked copy of a parent's end: not ours
    serve(device, conn, in_process=True)
