"""What the ZMQStream tests share: fixtures (the implementation's zmqstream
module, a context), socket pairs, and a callback that collects what it gets."""

from __future__ import annotations

import asyncio
import importlib
import uuid

import pytest

WAIT = 10  # seconds a test waits for what must happen (only a failure waits that long)


@pytest.fixture
def zmqstream(zmq):
    return importlib.import_module(zmq.__name__ + ".eventloop.zmqstream")


@pytest.fixture
def ctx(zmq):
    ctx = zmq.Context()
    yield ctx
    ctx.destroy(linger=0)


def pair(zmq, ctx, a_type, b_type, transport="tcp", **options):
    """Two sockets, a bound and b connected. HWM tests use inproc: tcp's kernel
    buffers would take far more messages than the HWMs let through."""
    a = ctx.socket(a_type)
    b = ctx.socket(b_type)
    for s in (a, b):
        s.linger = 0
        for name, value in options.items():
            setattr(s, name, value)
    if transport == "inproc":
        address = f"inproc://zmqstream-{uuid.uuid4().hex}"
        a.bind(address)
    else:
        address = f"tcp://127.0.0.1:{a.bind_to_random_port('tcp://127.0.0.1')}"
    b.connect(address)
    return a, b


class Collector:
    """Collects what a callback gets; `wait(n)` until it has n of them."""

    def __init__(self):
        self.items = []
        self._changed = asyncio.Event()

    def __call__(self, *args):
        self.items.append(args[0] if len(args) == 1 else args)
        self._changed.set()

    async def wait(self, n, timeout=WAIT):
        async def enough():
            while len(self.items) < n:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(enough(), timeout)
        return self.items


async def settle(seconds=0.1):
    """Let the loop run for a while (to see that nothing more happens)."""
    await asyncio.sleep(seconds)


def numbered(n, prefix=b""):
    return [prefix + b"%06d" % i for i in range(n)]


def holding(zmq, ctx, messages):
    """(pull, push) over inproc, with messages already in pull's queue."""
    pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH, transport="inproc")
    for m in messages:
        push.send(m)
    assert pull.poll(WAIT * 1000)
    return pull, push
