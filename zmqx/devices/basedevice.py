"""Device, ThreadDevice and ProcessDevice: a device whose sockets are described
by type and configuration calls, and made where the device runs.

Each ``bind_in``, ``connect_out``, ``setsockopt_in``... call is recorded; the
sockets are made and configured where the device runs (the current thread for
`Device.run`, a background thread or process for the others). Options are
applied first, then every bind, then every connect.

Beyond pyzmq:

* A background device that fails (a bind to a bad address, a bad option...)
  reports the exception to the parent: `join()` raises it, and `error` holds it.
  A device process sends it back over a multiprocessing Pipe.
* ``bind_*_to_random_port`` binds where the device runs and returns the port
  at once, with no window in which another program could take it (as a port
  picked in the caller and bound later by the device could be). For a background
  device the first such call starts its thread or process in a *configuring*
  state and asks it, over the pipe, to make its sockets, apply the options
  given so far and bind to a random port; the port it reports is returned.
  The rest of the configuration and `start()` follow over the same pipe. A
  foreground Device makes its sockets in the calling thread at that call.
  So: an option set after a random-port bind does not apply to that bind's
  listener (an HWM does, as libzmq applies it to existing connections); ``daemon``
  must be set before the first random-port call, which is when the thread or
  process is made.
* A device process stops when its parent goes away, even if the parent is
  killed: it watches its pipe, and when the parent's end closes it terminates
  its context and exits. At interpreter exit the parent closes the pipes of its
  device processes first, so a non-daemon device process cannot make the exit
  hang. A device process ignores SIGINT: Ctrl-C stops the parent, and the
  device follows.
* Configuring a device after `start()` raises RuntimeError (pyzmq ignores it).
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util  # registers its exit handler before ours (see the end)
import signal
import threading
import time

from zmqx import constants
from zmqx._core._core import device
from zmqx.context import Context
from zmqx.devices import _worker
from zmqx.error import ContextTerminated

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.connection import Connection
    from typing import Any

    # (role, action, args): e.g. ("in", "bind", ("tcp://*:5555",))
    Step = tuple[str, str, tuple[Any, ...]]

__all__ = ["BackgroundDevice", "Device", "ProcessDevice", "ThreadDevice"]

QUEUE = constants.DeviceType.QUEUE


class Device:
    """A device between an in socket and an out socket, given by socket types.

    Device(device_type=QUEUE, in_type, out_type). The sockets are made where
    the device runs; configure them beforehand with the ``bind_in``,
    ``connect_out``, ``setsockopt_in``... methods. If out_type < 0 the in socket
    serves as both sides. `run()` (or `start()`) runs the device in the
    current thread until its context is terminated. Every device_type runs as a
    proxy (as in libzmq since 3.2), so any int is accepted and kept as given.
    """

    # Roles of this device's sockets; subclasses add "mon" and "ctrl".
    _roles: tuple[str, ...] = ("in", "out")

    #: Makes the device's context, where it runs (class attribute; may be set per
    #: instance).
    context_factory: Callable[[], Context] = Context.instance

    #: Whether a background device's thread or process is a daemon.
    daemon: bool

    def __init__(
        self, device_type: int = QUEUE, in_type: int | None = None, out_type: int | None = None
    ) -> None:
        if in_type is None:
            raise TypeError("in_type must be specified")
        if out_type is None:
            raise TypeError("out_type must be specified")
        self.device_type = device_type
        self.in_type = in_type
        self.out_type = out_type
        self.daemon = True
        self._steps: list[Step] = []
        self._steps_taken = 0  # how many of _steps went to the sockets already
        self._socket_set: _worker.DeviceSockets | None = None
        self._done = threading.Event()
        self._error: BaseException | None = None

    # ---- configuration -------------------------------------------------------

    def _socket_type(self, role: str) -> int | None:
        socket_type: int | None = getattr(self, f"{role}_type")
        return socket_type

    def _check_configurable(self, role: str) -> None:
        if self._socket_type(role) is None:
            raise ValueError(f"this device has no {role} socket ({role}_type is None)")

    def _record(self, role: str, action: str, *args: Any) -> None:
        self._check_configurable(role)
        self._steps.append((role, action, args))

    def _new_steps(self) -> list[Step]:
        """The configuration calls recorded since the last call."""
        steps = self._steps[self._steps_taken :]
        self._steps_taken = len(self._steps)
        return steps

    def _prepared_sockets(self) -> _worker.DeviceSockets:
        """The sockets for this run, with every configuration call so far."""
        if self._socket_set is None:
            self._socket_set = _worker.DeviceSockets(self)
        self._socket_set.add(self._new_steps())
        return self._socket_set

    def _bind_random(
        self, role: str, addr: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> int:
        self._check_configurable(role)
        return self._prepared_sockets().bind_random(role, addr, args, kwargs)

    def bind_in(self, addr: str) -> None:
        """Have the in socket bind to addr."""
        self._record("in", "bind", addr)

    def connect_in(self, addr: str) -> None:
        """Have the in socket connect to addr."""
        self._record("in", "connect", addr)

    def setsockopt_in(self, opt: int, value: Any) -> None:
        """Have the in socket set option opt to value (before it binds or connects)."""
        self._record("in", "setsockopt", opt, value)

    def bind_in_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Bind the in socket to a random port of addr (e.g. "tcp://127.0.0.1")
        and return the port; arguments as for Socket.bind_to_random_port."""
        return self._bind_random("in", addr, args, kwargs)

    def bind_out(self, addr: str) -> None:
        """Have the out socket bind to addr."""
        self._record("out", "bind", addr)

    def connect_out(self, addr: str) -> None:
        """Have the out socket connect to addr."""
        self._record("out", "connect", addr)

    def setsockopt_out(self, opt: int, value: Any) -> None:
        """Have the out socket set option opt to value (before it binds or connects)."""
        self._record("out", "setsockopt", opt, value)

    def bind_out_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Bind the out socket to a random port of addr and return the port."""
        return self._bind_random("out", addr, args, kwargs)

    # ---- running -------------------------------------------------------------

    def _run_loop(self, sockets: dict[str, Any]) -> Any:
        """Forward messages between the sockets (by role; None for a role this
        device lacks) until the device stops."""
        return device(self.device_type, sockets["in"], sockets["out"])

    def run_device(self) -> None:
        """Make and configure the sockets, run the device, close the sockets.

        Blocks until the device stops; called by `run()` and by background
        devices where they run.
        """
        sockets = self._prepared_sockets()
        try:
            sockets.finish()
            self._run_loop(sockets.sockets)
        finally:
            sockets.close()
            # a later run makes new sockets, configured the same way (random-port
            # binds excepted: they were made once, at the call)
            self._socket_set = None
            self._steps_taken = 0

    def run(self) -> None:
        """Run the device in the current thread until it stops.

        A terminated context (or TERMINATE on a steerable proxy) is a normal
        stop; any other error is raised, and kept in `error`.
        """
        try:
            self.run_device()
        except ContextTerminated:
            pass
        except Exception as exc:
            self._error = exc
            raise
        finally:
            self._done.set()

    def start(self) -> None:
        """Run the device. For this class, in the current thread (blocking);
        ThreadDevice and ProcessDevice run it in the background."""
        self.run()

    def join(self, timeout: float | None = None) -> None:
        """Wait until the device has stopped, or timeout seconds; raise the
        error it stopped with, if any."""
        self._done.wait(timeout)
        if self._error is not None:
            raise self._error

    @property
    def done(self) -> bool:
        """True once the device has stopped."""
        return self._done.is_set()

    @property
    def error(self) -> BaseException | None:
        """The exception the device stopped with, or None."""
        return self._error

    def __repr__(self) -> str:
        state = "done" if self.done else "not done"
        return f"<{type(self).__module__}.{type(self).__name__} {state} at {id(self):#x}>"


_NO_RESULT: Any = object()


class BackgroundDevice(Device):
    """A Device run in the background: a thread (ThreadDevice) or a process
    (ProcessDevice). `start()` returns at once; `join()` waits."""

    #: The Thread or Process running the device, once it was started.
    launcher: Any = None

    def __init__(
        self, device_type: int = QUEUE, in_type: int | None = None, out_type: int | None = None
    ) -> None:
        super().__init__(device_type, in_type, out_type)
        self.launcher = None
        self._conn: Connection | None = None
        self._started = False
        self._result: Any = _NO_RESULT
        self._lock = threading.Lock()

    # ---- talking to the worker -----------------------------------------------

    def _launch_worker(self, conn: Connection) -> Any:
        """Start the worker (a thread, a process) that runs the device and talks
        through conn; what ThreadDevice and ProcessDevice define."""
        raise NotImplementedError(
            f"{type(self).__name__} does not say where the device runs: use ThreadDevice "
            "or ProcessDevice (or define _launch_worker)")

    def _launch(self) -> None:
        if self.launcher is not None:
            return
        parent_end, worker_end = multiprocessing.Pipe()
        # Known before a fork, so that the device process can close its copy.
        self._conn = parent_end
        _worker.background_devices.add(self)
        try:
            self.launcher = self._launch_worker(worker_end)
        except BaseException:
            self._conn = None
            parent_end.close()
            worker_end.close()
            raise

    def _send(self, request: tuple[Any, ...]) -> None:
        assert self._conn is not None
        self._conn.send((request, self._new_steps()))

    def _prepared_sockets(self) -> _worker.DeviceSockets:
        # where the device runs, the worker made them from what it was sent
        assert self._socket_set is not None, "run_device() runs in the device's worker"
        return self._socket_set

    def _check_not_started(self) -> None:
        if self._started:
            raise RuntimeError("the device was started already: configure it before start()")

    def _check_configurable(self, role: str) -> None:
        super()._check_configurable(role)
        self._check_not_started()

    def _bind_random(
        self, role: str, addr: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> int:
        self._check_configurable(role)
        self._launch()
        self._send(("random", role, addr, args, kwargs))
        kind, value = self._receive_reply()
        if kind == "error":
            raise value
        port: int = value
        return port

    def _receive_reply(self) -> tuple[Any, ...]:
        assert self._conn is not None
        while not self._conn.poll(0.1):
            if not self.launcher.is_alive():
                self._collect()
                raise RuntimeError(
                    f"the device's {self._worker_kind} ended while binding"
                ) from self._error
        reply: tuple[Any, ...] = self._conn.recv()
        if reply[0] == "done":  # the worker ended instead of answering
            self._result = self._error = reply[1]
            raise RuntimeError(
                f"the device's {self._worker_kind} ended while binding"
            ) from self._error
        return reply

    _worker_kind = "worker"

    def _collect(self) -> None:
        """Take the worker's final report if it has come (or the worker died)."""
        with self._lock:
            if self._result is not _NO_RESULT or self._conn is None:
                return
            try:
                while self._conn.poll():
                    kind, value = self._conn.recv()
                    if kind == "done":
                        self._result = value
                        break
            except (EOFError, OSError):
                pass
            if self._result is _NO_RESULT and not self.launcher.is_alive():
                self._result = self._vanished_error()
            if self._result is not _NO_RESULT:
                self._error = self._result
                self._conn.close()

    def _vanished_error(self) -> BaseException | None:
        return RuntimeError(f"the device's {self._worker_kind} ended without reporting")

    # ---- public --------------------------------------------------------------

    def start(self) -> None:
        """Start the device in the background and return."""
        self._check_not_started()
        self._launch()
        self._send(("start",))
        self._started = True

    def join(self, timeout: float | None = None) -> None:
        """Wait until the device has stopped (or timeout seconds pass), like
        Thread.join; if it stopped with an error, raise that error."""
        if not self._started:
            raise RuntimeError("cannot join a device before it is started")
        self.launcher.join(timeout)
        self._collect()
        if self._error is not None:
            raise self._error

    @property
    def done(self) -> bool:
        """True once the device has stopped."""
        return self._started and not self.launcher.is_alive()

    @property
    def error(self) -> BaseException | None:
        """The exception the device stopped with (None while it runs or when it
        stopped normally: context terminated, or TERMINATE)."""
        if self.launcher is not None and not self.launcher.is_alive():
            self._collect()
        return self._error

    def __getstate__(self) -> dict[str, Any]:
        # What a spawned device process needs: the description, not the launcher.
        state = self.__dict__.copy()
        for name in ("launcher", "_conn", "_lock", "_done", "_socket_set", "_result", "_error"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.launcher = None
        self._conn = None
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._socket_set = None
        self._result = _NO_RESULT
        self._error = None


class ThreadDevice(BackgroundDevice):
    """A device run in a background thread, with the process's shared context
    (context_factory = Context.instance). It stops when that context is
    terminated."""

    context_factory: Callable[[], Context] = Context.instance
    _worker_kind = "thread"

    def _launch_worker(self, conn: Connection) -> threading.Thread:
        thread = threading.Thread(
            target=_worker.serve,
            args=(self, conn, False),
            name=f"zmqx-{type(self).__name__}",
            daemon=self.daemon,
        )
        thread.start()
        return thread


class ProcessDevice(BackgroundDevice):
    """A device run in a background process (multiprocessing), with a context
    of its own (context_factory = Context). It stops when the parent goes away.

    The process is made with `mp_context` (a multiprocessing context, e.g.
    ``multiprocessing.get_context("spawn")``), or multiprocessing's default.
    """

    context_factory: Callable[[], Context] = Context
    mp_context: Any = None
    _worker_kind = "process"

    def _launch_worker(self, conn: Connection) -> Any:
        mp = self.mp_context or multiprocessing
        process = mp.Process(
            target=_worker.serve_process,
            args=(self, conn),
            name=f"zmqx-{type(self).__name__}",
            daemon=self.daemon,
        )
        process.start()
        conn.close()  # the child's end: the parent sees EOF when the child is gone
        return process

    def _vanished_error(self) -> BaseException | None:
        code = self.launcher.exitcode
        if code in (0, -signal.SIGTERM, -signal.SIGKILL, -signal.SIGINT):
            return None  # ended normally, or was stopped on purpose
        if code is not None and code < 0:
            return RuntimeError(f"the device process was killed by signal {-code}")
        return RuntimeError(f"the device process exited with code {code}")

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("mp_context", None)
        return state


def _stop_device_processes() -> None:
    """At exit: let every device process go (it sees its pipe close), so that
    multiprocessing's own exit handler, which joins non-daemon children, cannot
    wait forever; then give them a moment to stop cleanly."""
    processes = []
    for dev in list(_worker.background_devices):
        if isinstance(dev, ProcessDevice) and dev._conn is not None:
            dev._conn.close()
            if dev.launcher is not None:
                processes.append(dev.launcher)
    deadline = time.monotonic() + 1.0
    for process in processes:
        try:
            process.join(max(0.0, deadline - time.monotonic()))
        except (AssertionError, ValueError):
            pass  # not our child (e.g. in a forked copy)


# Registered after multiprocessing.util's handler, so it runs before it.
atexit.register(_stop_device_processes)
