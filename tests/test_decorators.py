"""zmqx.decorators: context() and socket() create, inject and close, against zmqx and pyzmq."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def deco(zmq):
    return importlib.import_module(zmq.__name__ + ".decorators")


def test_context_by_position_is_terminated_afterwards(zmq, deco):
    seen = []

    @deco.context()
    def work(label, ctx):
        assert isinstance(ctx, zmq.Context) and not ctx.closed
        seen.append(ctx)
        return label

    assert work("x") == "x"
    assert seen[0].closed
    work("y")
    assert seen[1] is not seen[0]  # a new context per call


def test_context_by_name_and_constructor_arguments(zmq, deco):
    @deco.context("ctx", 2)
    def by_string(ctx):
        assert ctx.get(zmq.IO_THREADS) == 2
        return ctx

    @deco.context(name="c")
    def by_keyword(c=None):
        return c

    assert by_string().closed
    assert isinstance(by_keyword(), zmq.Context)
    with pytest.raises(TypeError, match="multiple values"):
        by_keyword(c=1)


def test_stacked_sockets_talk_and_are_closed(zmq, deco):
    kept = {}

    @deco.context()
    @deco.socket(zmq.PUSH)
    @deco.socket("pull", zmq.PULL)
    def relay(ctx, push, pull):
        kept.update(ctx=ctx, push=push, pull=pull)
        assert push.context is ctx and pull.context is ctx
        assert push.type == zmq.PUSH and pull.type == zmq.PULL
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push.connect(f"tcp://127.0.0.1:{port}")
        push.linger = pull.linger = 0
        push.send(b"through")
        assert pull.poll(5000)
        return pull.recv()

    assert relay() == b"through"
    assert kept["push"].closed and kept["pull"].closed and kept["ctx"].closed


def test_socket_finds_context_keyword_then_default_instance(zmq, deco, ctx):
    @deco.socket("sock", zmq.PUB, context_name="my_ctx")
    def with_keyword(my_ctx=None, sock=None):
        return sock.context, sock

    got_ctx, sock = with_keyword(my_ctx=ctx)
    assert got_ctx is ctx and sock.closed and not ctx.closed

    @deco.socket(zmq.PUB)
    def default(sock):
        return sock.context

    assert default() is zmq.Context.instance()


def test_socket_closed_when_function_raises(zmq, deco, ctx):
    kept = []

    @deco.socket(zmq.REQ)
    def fail(context, sock):
        kept.append(sock)
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        fail(ctx)
    assert kept[0].closed and not ctx.closed


def test_socket_keyword_options_go_to_the_socket(zmq, deco, ctx):
    @deco.socket(zmq.PUSH, socket_class=zmq.Socket)
    def typed(context, sock):
        return type(sock)

    assert issubclass(typed(ctx), zmq.Socket)
