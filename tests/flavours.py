"""The flavour axis of the behaviour suite: the same test body runs on plain
sockets (sync), under asyncio (and uvloop), under gevent (green) and under anyio.

A flavoured test is written once, as a coroutine function taking a `Flavoured`
(``f``). Every socket call that may block is awaited through ``f.io``::

    async def body(f):
        a, b = f.pair("PAIR", "PAIR")
        await f.io(a.send(b"x"))
        assert await f.io(b.recv()) == b"x"

    def test_roundtrip(flavoured):
        flavoured.run(body)

``f.io`` takes whatever the flavour's call returned: a value (sync, green) or an
awaitable (asyncio, anyio). The sync and green flavours drive the coroutine
without an event loop, so it must never suspend except inside ``f.io``, which
for them never suspends either.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

# name -> (submodule of the implementation giving the flavour's Context, how to run)
FLAVOURS: dict[str, tuple[str | None, str]] = {
    "sync": (None, "direct"),
    "asyncio": ("asyncio", "asyncio"),
    "uvloop": ("asyncio", "uvloop"),
}


# (flavour, feature) -> why pyzmq's flavour lacks it: Flavoured.needs skips those
PYZMQ_LACKS: dict[tuple[str, str], str] = {
    ("green", "timeo"): "pyzmq's zmq.green ignores RCVTIMEO/SNDTIMEO (warns, waits forever)",
    ("asyncio", "efsm"): "pyzmq's zmq.asyncio leaves a receive libzmq refuses pending forever",
    ("uvloop", "efsm"): "pyzmq's zmq.asyncio leaves a receive libzmq refuses pending forever",
    **{("sync", f"{how}-from-thread"): "pyzmq: closing a socket from another thread while a "
                                        "thread blocks in it aborts the process"
       for how in ("close", "destroy")},
    **{(loop, f"{how}-from-thread"): "pyzmq's zmq.asyncio: close()/destroy() from another "
                                     "thread leaves a waiting task asleep until something "
                                     "else wakes the loop (idle: never)"
       for loop in ("asyncio", "uvloop") for how in ("close", "destroy")},
    ("green", "destroy-from-thread"): "pyzmq's zmq.green: a greenlet waiting when another "
                                      "thread destroys the context gets ENOTSOCK, not ETERM",
    **{(loop, "give-back"): "pyzmq's zmq.asyncio drops the message of a task cancelled "
                            "after its receive completed"
       for loop in ("asyncio", "uvloop")},
    ("asyncio", "two-loops"): "pyzmq's zmq.asyncio: loop B cancels loop A's future from B's "
                              "thread; A sees a bare CancelledError only when woken otherwise",
    ("green", "finalize"): "pyzmq's zmq.green never finalizes a dropped socket that waited "
                           "(not even after gc.collect()): term() waits for it forever",
}


def add_flavour(name: str, submodule: str | None, runner: str) -> None:
    """Register a flavour (the green and anyio adapters do, where they exist)."""
    FLAVOURS[name] = (submodule, runner)


async def io(result: Any) -> Any:
    """The value of a flavour's call: awaited if the flavour returned an awaitable."""
    if inspect.isawaitable(result):
        return await result
    return result


def drive(coroutine: Any) -> Any:
    """Run a coroutine that never suspends (sync and green flavours)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise AssertionError("a sync-flavoured test body suspended: it must only await f.io(...)")


class Flavoured:
    """One flavour of one implementation: its context and how to run a body."""

    io = staticmethod(io)

    def __init__(self, zmq: Any, name: str) -> None:
        self.zmq = zmq  # the implementation (zmqx or pyzmq): constants, errors
        self.name = name
        submodule, self.runner = FLAVOURS[name]
        self.module = (zmq if submodule is None
                       else importlib.import_module(f"{zmq.__name__}.{submodule}"))
        self.ctx = self.module.Context()
        self.sync = zmq.Socket  # for set-up done outside the flavour
        self._sockets: list[Any] = []

    def needs(self, feature: str) -> None:
        """Skip the test if this is pyzmq and its flavour lacks feature (PYZMQ_LACKS)."""
        why = PYZMQ_LACKS.get((self.name, feature))
        if why is not None and self.zmq.__name__ == "zmq":
            import pytest

            pytest.skip(why)

    def socket(self, kind: str | int, **options: Any) -> Any:
        s = self.ctx.socket(getattr(self.zmq, kind) if isinstance(kind, str) else kind)
        s.linger = 0
        for name, value in options.items():
            setattr(s, name, value)
        self._sockets.append(s)
        return s

    def pair(self, kind_a: str, kind_b: str, transport: str = "inproc",
             endpoint: str | None = None) -> tuple[Any, Any]:
        """a (bound) and b (connected); a SUB b is subscribed to everything and the
        subscription has reached a when this returns."""
        a = self.socket(kind_a)
        b = self.socket(kind_b)
        if transport == "tcp":
            port = a.bind_to_random_port("tcp://127.0.0.1")
            addr = f"tcp://127.0.0.1:{port}"
        else:
            addr = endpoint or f"inproc://flavour-{uuid.uuid4().hex}"
            a.bind(addr)
        b.connect(addr)
        if kind_b == "SUB":
            b.setsockopt(self.zmq.SUBSCRIBE, b"")
            self._await_subscription(a, b)
        return a, b

    def _await_subscription(self, pub: Any, sub: Any) -> None:
        # done with plain shadows, whatever the flavour: set-up, not behaviour
        from conftest import wait_for_subscription

        wait_for_subscription(self.sync.shadow(pub.underlying),
                              self.sync.shadow(sub.underlying))

    def run(self, body: Callable[[Flavoured], Awaitable[Any]]) -> Any:
        """Run body(self) the flavour's way."""
        if self.runner == "direct":
            return drive(body(self))
        if self.runner == "asyncio":
            import asyncio

            return asyncio.run(body(self))
        if self.runner == "uvloop":
            import uvloop

            return uvloop.run(body(self))
        return RUNNERS[self.runner](self, body)

    def close(self) -> None:
        for s in self._sockets:
            if not s.closed:
                s.close(linger=0)
        self.ctx.destroy(linger=0)


# runner name -> run(flavoured, body): added by the flavours that need their own
Body = Callable[[Flavoured], Awaitable[Any]]
RUNNERS: dict[str, Callable[[Flavoured, Body], Any]] = {}


def _anyio_runner(backend: str) -> Callable[[Flavoured, Body], Any]:
    def run(flavoured: Flavoured, body: Body) -> Any:
        import anyio

        return anyio.run(body, flavoured, backend=backend)

    return run


# zmqx.anyio on each of anyio's backends (pyzmq has no anyio module: skipped for it)
for _backend in ("trio", "asyncio"):
    add_flavour(f"anyio-{_backend}", "anyio", f"anyio-{_backend}")
    RUNNERS[f"anyio-{_backend}"] = _anyio_runner(_backend)


def _run_green(f: Flavoured, body: Body) -> Any:
    """The body in a greenlet: the green sockets' calls block only it."""
    import gevent

    return gevent.spawn(drive, body(f)).get()


if importlib.util.find_spec("gevent") is not None:  # no gevent: no green flavour
    add_flavour("green", "green", "green")
    RUNNERS["green"] = _run_green
