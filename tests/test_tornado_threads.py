"""tornado's IOLoop with ZMQStream and zmqx.eventloop.future sockets, as real
programs use them (Jupyter's kernel, ipyparallel): streams set up from another
thread than the loop's, and IOLoop.close(all_fds=True) closing what the loop
serves, so that Context.term() returns. Run on zmqx and pyzmq."""

from __future__ import annotations

import importlib
import threading
import time
import uuid

import pytest

pytest.importorskip("tornado")
from tornado.ioloop import IOLoop  # noqa: E402

pytestmark = pytest.mark.timeout(30)


def _module(zmq, name):
    return importlib.import_module(f"{zmq.__name__}.{name}")


def _term_returns(ctx, seconds=5.0) -> bool:
    terminating = threading.Thread(target=ctx.term, daemon=True)
    terminating.start()
    terminating.join(seconds)
    return not terminating.is_alive()


def test_a_stream_set_up_from_another_thread_receives(zmq):
    """ZMQStream(socket, loop).on_recv(...) called from the main thread while the
    loop runs in another one (as ipykernel 7 does): messages reach the callback."""
    ZMQStream = _module(zmq, "eventloop.zmqstream").ZMQStream
    ctx = zmq.Context()
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    endpoint = f"inproc://stream-{uuid.uuid4().hex}"
    a.bind(endpoint)
    b.connect(endpoint)
    loop = IOLoop(make_current=False)
    running = threading.Thread(target=loop.start)
    running.start()
    try:
        time.sleep(0.2)
        got = []
        arrived = threading.Event()
        stream = ZMQStream(b, loop)
        stream.on_recv(lambda msg: (got.append(msg), arrived.set()))
        a.send(b"hi")
        assert arrived.wait(5)
        assert got == [[b"hi"]]
        sent = threading.Event()
        stream.on_send(lambda msg, status: sent.set())
        stream.send(b"back")  # from this thread too
        assert sent.wait(5)
        assert a.recv() == b"back"
    finally:
        loop.add_callback(loop.stop)
        running.join(5)
    loop.close(all_fds=True)
    assert b.closed
    a.close(linger=0)
    assert _term_returns(ctx)


def test_closing_the_loop_with_all_fds_closes_its_streams_sockets(zmq):
    """IOLoop.close(all_fds=True) closes the socket of a stream it never ran,
    as tornado promises for what its loop serves: Context.term() then returns."""
    ZMQStream = _module(zmq, "eventloop.zmqstream").ZMQStream
    ctx = zmq.Context()
    loop = IOLoop(make_current=False)
    router = ctx.socket(zmq.ROUTER)
    router.bind("tcp://127.0.0.1:*")
    ZMQStream(router, loop).on_recv(print)
    loop.close(all_fds=True)
    assert router.closed
    assert _term_returns(ctx)


def test_closing_the_loop_with_all_fds_closes_its_future_sockets(zmq):
    """The same for a socket of zmq.eventloop.future that waited in the loop."""
    future = _module(zmq, "eventloop.future")
    ctx = future.Context()
    loop = IOLoop(make_current=False)
    pull = ctx.socket(zmq.PULL)
    pull.bind("tcp://127.0.0.1:*")

    async def wait_a_little():
        pending = pull.recv()
        await __import__("asyncio").sleep(0.05)
        return pending

    loop.run_sync(wait_a_little)
    loop.close(all_fds=True)
    assert pull.closed
    assert _term_returns(ctx)
