"""zmqx.eventloop's other modules (ioloop, future) and install_as_zmq() for them."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys

import pytest
from zmqstream_helpers import WAIT, ctx, pair, zmqstream

tornado_ioloop = pytest.importorskip("tornado.ioloop")

pytestmark = pytest.mark.timeout(30)

__all__ = ["ctx", "zmqstream"]  # fixtures from zmqstream_helpers, used by name


# ---- the ioloop and future modules ---------------------------------------------


def test_ioloop_module_is_tornados_and_deprecated(zmq):
    with pytest.warns(DeprecationWarning):
        ioloop = importlib.reload(importlib.import_module(zmq.__name__ + ".eventloop.ioloop"))
    assert ioloop.IOLoop is tornado_ioloop.IOLoop
    assert ioloop.ZMQIOLoop is tornado_ioloop.IOLoop
    with pytest.warns(DeprecationWarning):
        ioloop.install()
    eventloop = importlib.import_module(zmq.__name__ + ".eventloop")
    assert eventloop.IOLoop is tornado_ioloop.IOLoop


def test_future_sockets_return_asyncio_futures(zmq):
    future = importlib.import_module(zmq.__name__ + ".eventloop.future")

    async def main():
        ctx = future.Context()
        a, b = pair(zmq, ctx, zmq.PAIR, zmq.PAIR)
        assert isinstance(a, future.Socket)
        waiting = b.recv()
        assert isinstance(waiting, asyncio.Future)
        await a.send(b"x")
        assert await asyncio.wait_for(waiting, WAIT) == b"x"
        poller = future.Poller()
        poller.register(b, zmq.POLLIN)
        polled = poller.poll(WAIT * 1000)
        await a.send(b"y")
        assert await polled == [(b, zmq.POLLIN)]
        ctx.destroy(linger=0)

    asyncio.run(main())


@pytest.mark.zmqx_only
def test_future_sockets_cancel_as_asyncio_does(zmq):
    """pyzmq's futures here cancel by failing with their own CancelledError, which
    makes asyncio.wait_for() raise that instead of TimeoutError."""
    future = importlib.import_module(zmq.__name__ + ".eventloop.future")

    async def main():
        ctx = future.Context()
        a, b = pair(zmq, ctx, zmq.PAIR, zmq.PAIR)
        waiting = b.recv()
        assert waiting.cancel() and waiting.cancelled()
        with pytest.raises(future.CancelledError):
            await waiting
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(b.recv(), 0.05)
        await a.send(b"kept")
        assert await asyncio.wait_for(b.recv(), WAIT) == b"kept"
        with pytest.warns(DeprecationWarning):
            future.Context(io_loop=object()).term()
        ctx.destroy(linger=0)

    asyncio.run(main())


@pytest.mark.zmqx_only
def test_install_as_zmq_gives_the_eventloop_modules(zmq):
    code = (
        "import warnings; warnings.simplefilter('ignore', DeprecationWarning)\n"
        "import zmqx; zmqx.install_as_zmq()\n"
        "import zmq.eventloop.zmqstream, zmq.eventloop.ioloop, zmq.eventloop.future\n"
        "from zmq.eventloop import ioloop, zmqstream\n"
        "import zmqx.eventloop.zmqstream\n"
        "assert zmqstream.ZMQStream is zmqx.eventloop.zmqstream.ZMQStream\n"
        "assert zmq.eventloop.future.Socket.__module__ == 'zmqx.eventloop.future'\n"
        # a pyzmq-style tornado program: streams made first, then the loop started
        "io_loop = ioloop.IOLoop.current()\n"
        "ctx = zmq.Context.instance()\n"
        "rep, req = ctx.socket(zmq.REP), ctx.socket(zmq.REQ)\n"
        "port = rep.bind_to_random_port('tcp://127.0.0.1')\n"
        "req.connect('tcp://127.0.0.1:%d' % port)\n"
        "server, client = zmqstream.ZMQStream(rep), zmqstream.ZMQStream(req)\n"
        "server.on_recv(lambda msg: server.send_multipart(msg[::-1]))\n"
        "replies = []\n"
        "client.on_recv(lambda msg: (replies.append(msg), io_loop.stop()))\n"
        "client.send_multipart([b'a', b'b'])\n"
        "io_loop.call_later(10, io_loop.stop)\n"
        "io_loop.start()\n"
        "assert replies == [[b'b', b'a']], replies\n"
        "server.close(); client.close(); ctx.term()\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=WAIT * 3, check=False)
    assert result.stdout.strip() == "ok", result.stderr
