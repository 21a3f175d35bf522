"""Context behaviour."""

from __future__ import annotations

import errno
import threading
import time

import pytest

pytestmark = pytest.mark.timeout(10)


def test_context_io_threads(zmq):
    c = zmq.Context(io_threads=3)
    try:
        assert c.get(zmq.IO_THREADS) == 3
        assert c.io_threads == 3
    finally:
        c.term()
    c = zmq.Context(1)
    try:
        assert c.get(zmq.IO_THREADS) == 1
    finally:
        c.term()


def test_context_repr_and_closed(zmq):
    c = zmq.Context()
    r = repr(c)
    assert "Context" in r
    assert "closed" not in r
    assert c.closed is False
    s = c.socket(zmq.PAIR)
    assert "1 socket" in repr(c)
    s2 = c.socket(zmq.PAIR)
    assert "2 sockets" in repr(c)
    s.close()
    s2.close()
    assert c.term() is None
    assert c.closed is True
    assert repr(c).endswith(" closed>")


def test_context_subclass_repr_uses_class_name(zmq):
    class MyContext(zmq.Context):
        pass

    c = MyContext()
    try:
        assert "MyContext" in repr(c)
    finally:
        c.term()


def test_context_manager_terminates(zmq):
    with zmq.Context() as c:
        s = c.socket(zmq.PUSH)
        assert not c.closed
    assert c.closed
    # exiting the with block destroyed the context, closing its sockets
    assert s.closed


def test_term_and_destroy_are_idempotent(zmq):
    c = zmq.Context()
    c.term()
    c.term()
    c.destroy()
    assert c.closed


def test_destroy_closes_open_sockets(zmq):
    c = zmq.Context()
    socks = [c.socket(t) for t in (zmq.PUSH, zmq.PULL, zmq.PUB, zmq.SUB)]
    socks[0].bind("inproc://destroy-me")
    socks[1].connect("inproc://destroy-me")
    socks[0].send(b"pending")  # undelivered-on-close message must not block
    c.destroy(linger=0)
    assert c.closed
    assert all(s.closed for s in socks)


def test_socket_after_destroy_is_enotsock(zmq):
    c = zmq.Context()
    s = c.socket(zmq.PUSH)
    c.destroy(linger=0)
    with pytest.raises(zmq.ZMQError) as info:
        s.send(b"x")
    assert info.value.errno == zmq.ENOTSOCK


def test_new_socket_on_closed_context(zmq):
    c = zmq.Context()
    c.term()
    with pytest.raises(zmq.ZMQError) as info:
        c.socket(zmq.PAIR)
    assert info.value.errno == zmq.ENOTSUP


def test_socket_while_term_pending_raises_context_terminated(zmq, bg):
    c = zmq.Context()
    s = c.socket(zmq.PUSH)
    t = bg(c.term)  # blocks until s is closed
    time.sleep(0.1)
    assert t.is_alive()
    try:
        with pytest.raises(zmq.ContextTerminated):
            s.send(b"x", zmq.NOBLOCK)
        with pytest.raises(zmq.ContextTerminated):
            s.recv(zmq.NOBLOCK)
        with pytest.raises(zmq.ContextTerminated):
            s.bind("inproc://too-late")
    finally:
        s.close()
    t.join(5)
    assert not t.is_alive()
    assert t.exc is None
    assert c.closed


def test_socket_type_and_class(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    assert isinstance(s, zmq.Socket)
    assert s.type == zmq.DEALER
    assert isinstance(s.type, zmq.SocketType)
    with pytest.warns(DeprecationWarning):
        assert s.socket_type == zmq.DEALER
    assert s.context is ctx

    class MySocket(zmq.Socket):
        pass

    s2 = ctx.socket(zmq.PAIR, socket_class=MySocket)
    assert type(s2) is MySocket
    assert "MySocket" in repr(s2)


def test_socket_kwargs_are_passed_to_socket_class(ctx, zmq):
    class TaggedSocket(zmq.Socket):
        tag = None

        def __init__(self, *args, tag=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.tag = tag

    s = ctx.socket(zmq.PAIR, socket_class=TaggedSocket, tag="hello")
    assert s.tag == "hello"
    # copy_threshold is a Socket constructor keyword
    s2 = ctx.socket(zmq.PAIR, copy_threshold=123)
    assert s2.copy_threshold == 123


def test_socket_kwargs_options(ctx, zmq):
    if zmq.__name__ != "zmqx":
        # pyzmq 27: extra keywords go to the socket class constructor, which
        # does not accept option names
        with pytest.raises(TypeError):
            ctx.socket(zmq.SUB, subscribe=b"")
        return
    # zmqx: keywords that name socket options (any case) are set on the socket
    s = ctx.socket(zmq.SUB, subscribe=b"", LINGER=0, rcvhwm=7)
    assert s.linger == 0
    assert s.rcvhwm == 7
    with pytest.raises(TypeError):
        ctx.socket(zmq.SUB, no_such_option=1)


def test_context_subclass_socket_class(zmq):
    class MySocket(zmq.Socket):
        pass

    class MyContext(zmq.Context):
        _socket_class = MySocket

    c = MyContext()
    try:
        s = c.socket(zmq.PAIR)
        assert type(s) is MySocket
        assert s.context is c
        # explicit socket_class wins over _socket_class
        s2 = c.socket(zmq.PAIR, socket_class=zmq.Socket)
        assert type(s2) is zmq.Socket
    finally:
        c.destroy(linger=0)


def test_context_subscripted_with_its_socket_class(zmq):
    # Context is generic for type checkers; at run time Context[X] is an alias
    # of Context that works as a base class, as pyzmq's does.
    class MySocket(zmq.Socket):
        pass

    class MyContext(zmq.Context[MySocket]):
        _socket_class = MySocket

    assert zmq.Context[MySocket]  # subscripting does not raise
    c = MyContext()
    try:
        assert isinstance(c, zmq.Context)
        assert type(c.socket(zmq.PAIR)) is MySocket
        with pytest.raises(TypeError):
            isinstance(c, zmq.Context[MySocket])
    finally:
        c.destroy(linger=0)


def test_instance_singleton(zmq):
    a = zmq.Context.instance()
    b = zmq.Context.instance()
    assert a is b
    assert isinstance(a, zmq.Context)
    found = []
    barrier = threading.Barrier(6)

    def grab():
        barrier.wait()
        found.append(zmq.Context.instance())

    threads = [threading.Thread(target=grab) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(found) == 6
    assert all(x is a for x in found)


def test_instance_replaced_after_term(zmq):
    class Private(zmq.Context):
        _instance = None  # keep the singleton apart from the shared one

    a = Private.instance()
    assert type(a) is Private
    a.term()
    b = Private.instance()
    try:
        assert b is not a
        assert not b.closed
    finally:
        b.term()


def test_context_options_get_set(ctx, zmq):
    assert ctx.get(zmq.IO_THREADS) == 1
    default_max = ctx.get(zmq.MAX_SOCKETS)
    assert isinstance(default_max, int) and default_max > 0
    ctx.set(zmq.MAX_SOCKETS, 64)
    assert ctx.get(zmq.MAX_SOCKETS) == 64
    ctx.max_sockets = 100
    assert ctx.MAX_SOCKETS == 100
    assert ctx.get(zmq.MAX_SOCKETS) == 100


def test_context_max_sockets_enforced(zmq):
    c = zmq.Context()
    try:
        c.set(zmq.MAX_SOCKETS, 2)
        keep = [c.socket(zmq.PAIR), c.socket(zmq.PAIR)]  # noqa: F841 - keep alive
        with pytest.raises(zmq.ZMQError) as info:
            c.socket(zmq.PAIR)
        assert info.value.errno == errno.EMFILE
    finally:
        c.destroy(linger=0)


def test_context_bad_options(ctx, zmq):
    with pytest.raises(zmq.ZMQError) as info:
        ctx.set(99999, 1)
    assert info.value.errno == zmq.EINVAL
    with pytest.raises(zmq.ZMQError) as info:
        ctx.get(99999)
    assert info.value.errno == zmq.EINVAL
    with pytest.raises(AttributeError):
        _ = ctx.nonsense_option
    with pytest.raises(AttributeError):
        ctx.nonsense_option = 1


def test_context_socket_defaults(ctx, zmq):
    # unset default: KeyError from getsockopt, AttributeError from attribute access
    with pytest.raises(KeyError):
        ctx.getsockopt(zmq.SNDHWM)
    with pytest.raises(AttributeError):
        _ = ctx.linger
    ctx.linger = 0
    assert ctx.linger == 0
    assert ctx.getsockopt(zmq.LINGER) == 0
    ctx.setsockopt(zmq.RCVHWM, 7)
    s = ctx.socket(zmq.PULL)
    assert s.linger == 0
    assert s.rcvhwm == 7
    # sockets created before a default is set are unaffected
    ctx.linger = 5
    assert s.linger == 0
    assert ctx.socket(zmq.PUSH).linger == 5


def test_context_default_subscribe_ignored_for_push(ctx, zmq):
    ctx.subscribe = b""
    p = ctx.socket(zmq.PUSH)  # SUBSCRIBE does not apply: silently skipped
    assert p.type == zmq.PUSH
    # ... but it is applied to SUB sockets
    pub = ctx.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub = ctx.socket(zmq.SUB)  # subscribed to b"" through the context default
    sub.connect(f"tcp://127.0.0.1:{port}")
    deadline = time.monotonic() + 5
    got = None
    while time.monotonic() < deadline:
        pub.send(b"hello")
        if sub.poll(20):
            got = sub.recv()
            break
    assert got == b"hello"


def test_context_default_with_bad_type_fails_at_socket_creation(ctx, zmq):
    ctx.setsockopt(zmq.LINGER, "not an int")
    with pytest.raises(TypeError):
        ctx.socket(zmq.PUSH)


def test_underlying_and_shadow(ctx, zmq):
    addr = ctx.underlying
    assert isinstance(addr, int) and addr != 0
    shadow = zmq.Context.shadow(addr)
    assert shadow is not ctx
    assert shadow.underlying == addr
    a = ctx.socket(zmq.PAIR)
    a.bind("inproc://shadow-ctx")
    b = shadow.socket(zmq.PAIR)
    b.connect("inproc://shadow-ctx")
    a.send(b"through the shadow")
    assert b.recv() == b"through the shadow"
    b.send(b"and back")
    assert a.recv() == b"and back"
    b.close()
    # dropping the shadow does not terminate the real context
    del shadow
    assert not ctx.closed
    a.send(b"still alive", zmq.NOBLOCK)


def test_shadow_from_context_object(ctx, zmq):
    shadow = zmq.Context(shadow=ctx)
    assert shadow.underlying == ctx.underlying
    s = shadow.socket(zmq.PAIR)
    s.close()
