"""Socket lifecycle, endpoints, options and monitoring."""

from __future__ import annotations

import copy
import errno
import struct
import time

import pytest

pytestmark = pytest.mark.timeout(10)


def bind_eventually(sock, addr, timeout=3.0):
    """Bind, retrying while a just-unbound listener is still being torn down
    (unbind/close release the port asynchronously in the I/O thread)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock.bind(addr)
            return
        except Exception as e:
            if getattr(e, "errno", None) != errno.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def recv_with_timeout(sock, timeout_ms=2000):
    assert sock.poll(timeout_ms), "no message arrived in time"
    return sock.recv()


# ---------------------------------------------------------------------------
# lifecycle
# ---------------------------------------------------------------------------


def test_repr_type_and_closed(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    r = repr(s)
    assert "DEALER" in r
    assert "Socket" in r
    assert "closed" not in r
    assert s.closed is False
    s.close()
    assert s.closed is True
    assert "DEALER" in repr(s)
    assert repr(s).endswith(" closed>")


def test_subclass_repr(ctx, zmq):
    class FancySocket(zmq.Socket):
        pass

    s = ctx.socket(zmq.PUB, socket_class=FancySocket)
    assert "FancySocket" in repr(s)
    assert "PUB" in repr(s)


def test_type_attributes(ctx, zmq):
    for name in (
        "PAIR",
        "PUB",
        "SUB",
        "REQ",
        "REP",
        "DEALER",
        "ROUTER",
        "PULL",
        "PUSH",
        "XPUB",
        "XSUB",
        "STREAM",
    ):
        s = ctx.socket(getattr(zmq, name))
        assert s.type == getattr(zmq, name)
        assert isinstance(s.type, zmq.SocketType)
        assert s.type.name == name
        assert s.get(zmq.TYPE) == getattr(zmq, name)
        s.close()


def test_invalid_socket_type(ctx, zmq):
    with pytest.raises(zmq.ZMQError) as info:
        ctx.socket(999)
    assert info.value.errno == zmq.EINVAL


def test_context_manager_closes(ctx, zmq):
    with ctx.socket(zmq.PUSH) as s:
        assert not s.closed
    assert s.closed


def test_close_twice_and_close_with_linger(ctx, zmq):
    s = ctx.socket(zmq.PUSH)
    s.connect("tcp://127.0.0.1:1")  # never connects; message is stuck
    s.send(b"stuck")
    t0 = time.monotonic()
    s.close(linger=0)
    s.close()
    assert s.closed
    # linger=0 close + term must not wait for the stuck message
    ctx.term()
    assert time.monotonic() - t0 < 2


def test_close_sets_linger(ctx, zmq, bg):
    # close(linger=N) on a socket with an undeliverable message: term waits ~N ms
    s = ctx.socket(zmq.PUSH)
    s.connect("tcp://127.0.0.1:1")
    s.send(b"stuck")
    s.close(linger=200)
    t0 = time.monotonic()
    ctx.term()
    elapsed = time.monotonic() - t0
    assert 0.1 < elapsed < 3


@pytest.mark.parametrize(
    "op",
    [
        lambda s: s.send(b"x"),
        lambda s: s.recv(),
        lambda s: s.send_multipart([b"x"]),
        lambda s: s.recv_multipart(),
        lambda s: s.getsockopt(17),
        lambda s: s.setsockopt(17, 0),
        lambda s: s.bind("inproc://closed"),
        lambda s: s.connect("inproc://closed"),
        lambda s: s.fileno(),
        lambda s: s.linger,
    ],
    ids=[
        "send",
        "recv",
        "send_multipart",
        "recv_multipart",
        "getsockopt",
        "setsockopt",
        "bind",
        "connect",
        "fileno",
        "attr",
    ],
)
def test_operations_on_closed_socket_raise_enotsock(ctx, zmq, op):
    s = ctx.socket(zmq.PAIR)
    s.close()
    with pytest.raises(zmq.ZMQError) as info:
        op(s)
    assert info.value.errno == zmq.ENOTSOCK


def test_poll_on_closed_socket_raises_enotsup(ctx, zmq):
    s = ctx.socket(zmq.PAIR)
    s.close()
    with pytest.raises(zmq.ZMQError) as info:
        s.poll(0)
    assert info.value.errno == zmq.ENOTSUP


# ---------------------------------------------------------------------------
# bind / connect
# ---------------------------------------------------------------------------


def test_bind_connect_all_transports(ctx, zmq, pair, transport):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, transport)
    b.send(b"ping")
    assert recv_with_timeout(a) == b"ping"
    a.send(b"pong")
    assert recv_with_timeout(b) == b"pong"


def test_last_endpoint(ctx, zmq, endpoints):
    s = ctx.socket(zmq.PULL)
    assert s.last_endpoint == b""
    s.bind("tcp://127.0.0.1:0")
    ep = s.LAST_ENDPOINT
    assert isinstance(ep, bytes)
    assert ep.startswith(b"tcp://127.0.0.1:")
    assert int(ep.rsplit(b":", 1)[1]) > 0
    assert s.getsockopt_string(zmq.LAST_ENDPOINT) == ep.decode()
    addr = endpoints.ipc(zmq)
    s.bind(addr)
    assert s.last_endpoint == addr.encode()


def test_bind_returns_context_manager_that_unbinds(ctx, zmq):
    s = ctx.socket(zmq.PULL)
    c = ctx.socket(zmq.PUSH)
    with s.bind("tcp://127.0.0.1:0") as ret:
        assert ret is s
        ep = s.last_endpoint.decode()
        c.connect(ep)
        c.send(b"inside")
        assert recv_with_timeout(s) == b"inside"
    # the wildcard port was resolved and unbound
    with pytest.raises(zmq.ZMQError) as info:
        s.unbind(ep)
    assert info.value.errno == errno.ENOENT
    # the address can be bound again by another socket
    s2 = ctx.socket(zmq.PULL)
    bind_eventually(s2, ep)


def test_connect_context_manager_disconnects(ctx, zmq):
    s = ctx.socket(zmq.PUSH)
    with s.connect("inproc://cm-connect") as ret:
        assert ret is s
    with pytest.raises(zmq.ZMQError) as info:
        s.disconnect("inproc://cm-connect")
    assert info.value.errno == errno.ENOENT


def test_bind_cm_exit_after_close_is_quiet(ctx, zmq):
    s = ctx.socket(zmq.PULL)
    with s.bind("inproc://cm-close"):
        s.close()


def test_unbind_and_disconnect(ctx, zmq):
    srv = ctx.socket(zmq.PULL)
    port = srv.bind_to_random_port("tcp://127.0.0.1")
    addr = f"tcp://127.0.0.1:{port}"
    cli = ctx.socket(zmq.PUSH)
    cli.connect(addr)
    cli.send(b"one")
    assert recv_with_timeout(srv) == b"one"
    cli.disconnect(addr)
    with pytest.raises(zmq.ZMQError) as info:
        cli.disconnect(addr)
    assert info.value.errno == errno.ENOENT
    srv.unbind(addr)
    with pytest.raises(zmq.ZMQError) as info:
        srv.unbind(addr)
    assert info.value.errno == errno.ENOENT
    # after unbind the port is free again
    other = ctx.socket(zmq.PULL)
    bind_eventually(other, addr)


def test_bind_errors(ctx, zmq):
    a = ctx.socket(zmq.PULL)
    port = a.bind_to_random_port("tcp://127.0.0.1")
    b = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError) as info:
        b.bind(f"tcp://127.0.0.1:{port}")
    assert info.value.errno == errno.EADDRINUSE
    assert f"tcp://127.0.0.1:{port}" in str(info.value)
    with pytest.raises(zmq.ZMQError) as info:
        b.bind("bogus://nowhere")
    assert info.value.errno == errno.EPROTONOSUPPORT
    with pytest.raises(zmq.ZMQError) as info:
        b.connect("tcp://")
    assert info.value.errno == errno.EINVAL


def test_bind_to_random_port_in_range(ctx, zmq):
    s = ctx.socket(zmq.PULL)
    port = s.bind_to_random_port("tcp://127.0.0.1", min_port=40000, max_port=40200, max_tries=100)
    assert isinstance(port, int)
    assert 40000 <= port < 40200
    assert s.last_endpoint == f"tcp://127.0.0.1:{port}".encode()
    # default range: the OS picks the port
    port2 = s.bind_to_random_port("tcp://127.0.0.1")
    assert isinstance(port2, int) and 0 < port2 < 65536
    assert s.last_endpoint == f"tcp://127.0.0.1:{port2}".encode()


def test_bind_to_random_port_raises_bind_error(ctx, zmq):
    blocker = ctx.socket(zmq.PULL)
    port = blocker.bind_to_random_port("tcp://127.0.0.1")
    s = ctx.socket(zmq.PULL)
    # max_port is exclusive: only `port` is eligible, and it is taken
    with pytest.raises(zmq.ZMQBindError):
        s.bind_to_random_port("tcp://127.0.0.1", min_port=port, max_port=port + 1, max_tries=3)


def test_bind_to_random_port_propagates_other_errors(ctx, zmq):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError) as info:
        s.bind_to_random_port("bogus://x", min_port=40000, max_port=40010)
    assert info.value.errno == errno.EPROTONOSUPPORT


# ---------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------


def test_setsockopt_getsockopt(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    assert s.getsockopt(zmq.LINGER) == -1
    s.setsockopt(zmq.LINGER, 250)
    assert s.getsockopt(zmq.LINGER) == 250
    s.set(zmq.SNDHWM, 11)
    assert s.get(zmq.SNDHWM) == 11
    s.setsockopt(zmq.IDENTITY, b"ident")
    assert s.getsockopt(zmq.IDENTITY) == b"ident"
    s.setsockopt(zmq.MAXMSGSIZE, 2**40)
    assert s.getsockopt(zmq.MAXMSGSIZE) == 2**40
    s.setsockopt(zmq.AFFINITY, 3)
    assert s.getsockopt(zmq.AFFINITY) == 3
    assert isinstance(s.getsockopt(zmq.EVENTS), int)
    assert s.getsockopt(zmq.RCVMORE) == 0


def test_string_options(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt_string(zmq.IDENTITY, "héllo")
    assert s.getsockopt(zmq.IDENTITY) == "héllo".encode()
    assert s.getsockopt_string(zmq.IDENTITY) == "héllo"
    s.setsockopt_string(zmq.IDENTITY, "xy", encoding="utf-16-le")
    assert s.getsockopt(zmq.IDENTITY) == b"x\x00y\x00"
    assert s.getsockopt_string(zmq.IDENTITY, encoding="utf-16-le") == "xy"
    s.setsockopt_unicode(zmq.IDENTITY, "uni")
    assert s.getsockopt_unicode(zmq.IDENTITY) == "uni"
    s.set_string(zmq.IDENTITY, "set")
    assert s.get_string(zmq.IDENTITY) == "set"


def test_wrong_option_value_types(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    with pytest.raises(TypeError):
        s.setsockopt(zmq.LINGER, "x")
    with pytest.raises(TypeError):
        s.setsockopt(zmq.LINGER, 1.5)
    with pytest.raises(TypeError):
        s.setsockopt(zmq.IDENTITY, "str")
    with pytest.raises(TypeError):
        s.setsockopt(zmq.IDENTITY, 5)
    with pytest.raises(TypeError):
        s.linger = "x"
    assert s.linger == -1  # unchanged


def test_unknown_option_number(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    with pytest.raises(zmq.ZMQError) as info:
        s.setsockopt(99999, 1)
    assert info.value.errno == zmq.EINVAL
    with pytest.raises(zmq.ZMQError) as info:
        s.getsockopt(99999)
    assert info.value.errno == zmq.EINVAL


def test_invalid_option_for_socket_type(ctx, zmq):
    push = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.ZMQError) as info:
        push.setsockopt(zmq.SUBSCRIBE, b"")
    assert info.value.errno == zmq.EINVAL


def test_attribute_options(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    s.identity = b"x"
    assert s.IDENTITY == b"x"
    assert s.identity == b"x"
    assert s.getsockopt(zmq.IDENTITY) == b"x"
    assert s.rcvtimeo == -1
    s.RCVTIMEO = 123
    assert s.rcvtimeo == 123
    s.LiNgEr = 7
    assert s.linger == 7
    assert s.getsockopt(zmq.LINGER) == 7


def test_hwm_attribute_sets_both(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    assert s.hwm == 1000
    s.hwm = 5
    assert s.sndhwm == 5
    assert s.rcvhwm == 5
    assert s.hwm == 5
    # hwm reads SNDHWM
    s.sndhwm = 7
    assert s.hwm == 7


def test_events_and_fd_attributes(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    assert isinstance(a.events, int)
    assert a.events & zmq.POLLOUT
    assert not (a.events & zmq.POLLIN)
    b.send(b"x")
    deadline = time.monotonic() + 2
    while not (a.events & zmq.POLLIN) and time.monotonic() < deadline:
        time.sleep(0.005)
    assert a.events & zmq.POLLIN
    assert a.get(zmq.EVENTS) == a.events
    fd = a.fd
    assert isinstance(fd, int) and fd >= 0
    assert a.fileno() == fd
    assert a.FD == fd


def test_unknown_attribute(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    with pytest.raises(AttributeError):
        _ = s.nonsense_option
    with pytest.raises(AttributeError):
        s.nonsense_option = 1


def test_subclass_attributes(ctx, zmq):
    class WithAttr(zmq.Socket):
        note = None  # declared on the class: a plain attribute, not an option

    s = ctx.socket(zmq.PAIR, socket_class=WithAttr)
    s.note = "hello"
    assert s.note == "hello"


def test_subscribe_unsubscribe(ctx, zmq):
    pub = ctx.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub = ctx.socket(zmq.SUB)
    sub.connect(f"tcp://127.0.0.1:{port}")
    sub.subscribe(b"keep")
    sub.subscribe("str-topic")
    sub.subscribe("drop")
    sub.unsubscribe(b"drop")
    # attribute style subscribe too
    sub.subscribe = "attr"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        pub.send(b"keep-probe")
        if sub.poll(20):
            break
    while sub.poll(50):
        sub.recv()
    for topic in (b"drop-1", b"keep-1", b"other", b"str-topic-1", b"attr-1"):
        pub.send(topic)
    got = []
    while sub.poll(200):
        got.append(sub.recv())
    assert got == [b"keep-1", b"str-topic-1", b"attr-1"]
    with pytest.raises(TypeError):
        sub.subscribe(5)
    with pytest.raises(TypeError):
        sub.setsockopt(zmq.SUBSCRIBE, "str")


def test_copy_threshold(ctx, zmq):
    s = ctx.socket(zmq.PUSH)
    assert s.copy_threshold == zmq.COPY_THRESHOLD
    s.copy_threshold = 10
    assert s.copy_threshold == 10
    s2 = ctx.socket(zmq.PUSH, copy_threshold=0)
    assert s2.copy_threshold == 0


def test_socket_poll(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    t0 = time.monotonic()
    assert a.poll(50) == 0
    assert time.monotonic() - t0 >= 0.04
    assert a.poll(0, zmq.POLLOUT) == zmq.POLLOUT
    b.send(b"x")
    ev = a.poll(1000)
    assert ev == zmq.POLLIN
    assert a.poll(0, zmq.POLLIN | zmq.POLLOUT) == zmq.POLLIN | zmq.POLLOUT


# ---------------------------------------------------------------------------
# underlying / shadow
# ---------------------------------------------------------------------------


def test_underlying_and_shadow(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    addr = a.underlying
    assert isinstance(addr, int) and addr != 0
    sh = zmq.Socket.shadow(addr)
    assert sh.underlying == addr
    assert sh.type == zmq.PAIR
    assert sh.context is None
    b.send(b"to shadow")
    assert recv_with_timeout(sh) == b"to shadow"
    sh.send(b"from shadow")
    assert recv_with_timeout(b) == b"from shadow"
    # shadowing a Socket object keeps its context
    sh2 = zmq.Socket.shadow(a)
    assert sh2.context is ctx
    assert sh2.underlying == addr


def test_copy_of_socket_is_shadow(ctx, zmq):
    s = ctx.socket(zmq.PUSH)
    c = copy.copy(s)
    assert c is not s
    assert c.underlying == s.underlying


def test_closing_shadow_closes_underlying(ctx, zmq):
    s = ctx.socket(zmq.PAIR)
    sh = zmq.Socket.shadow(s.underlying)
    sh.close()
    assert s.closed
    with pytest.raises(zmq.ZMQError) as info:
        s.send(b"x", zmq.NOBLOCK)
    assert info.value.errno == zmq.ENOTSOCK


# ---------------------------------------------------------------------------
# monitor
# ---------------------------------------------------------------------------


def parse_event(frames):
    assert len(frames) == 2
    assert len(frames[0]) == 6
    event, value = struct.unpack("=hi", frames[0])
    return event, value, frames[1]


def collect_events(mon, want, timeout=5.0):
    events = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not want.issubset({e for e, _, _ in events}):
        if mon.poll(50):
            events.append(parse_event(mon.recv_multipart()))
    return events


def test_get_monitor_socket_events(ctx, zmq):
    s = ctx.socket(zmq.PULL)
    mon = s.get_monitor_socket()
    assert mon.type == zmq.PAIR
    assert s.get_monitor_socket() is mon  # reused while open
    port = s.bind_to_random_port("tcp://127.0.0.1")
    c = ctx.socket(zmq.PUSH)
    c.connect(f"tcp://127.0.0.1:{port}")
    events = collect_events(mon, {int(zmq.EVENT_LISTENING), int(zmq.EVENT_ACCEPTED)})
    kinds = [e for e, _, _ in events]
    assert int(zmq.EVENT_LISTENING) in kinds
    assert int(zmq.EVENT_ACCEPTED) in kinds
    assert kinds.index(int(zmq.EVENT_LISTENING)) < kinds.index(int(zmq.EVENT_ACCEPTED))
    for e, _value, endpoint in events:
        assert endpoint == f"tcp://127.0.0.1:{port}".encode()
        assert zmq.Event(e).name  # every event id is a known Event
    s.disable_monitor()
    # disabling produces a final MONITOR_STOPPED event
    events = collect_events(mon, {int(zmq.EVENT_MONITOR_STOPPED)})
    assert int(zmq.EVENT_MONITOR_STOPPED) in [e for e, _, _ in events]


def test_monitor_with_address_and_event_mask(ctx, zmq):
    s = ctx.socket(zmq.PULL)
    s.monitor("inproc://explicit-monitor", zmq.EVENT_LISTENING | zmq.EVENT_CLOSED)
    mon = ctx.socket(zmq.PAIR)
    mon.connect("inproc://explicit-monitor")
    s.bind("tcp://127.0.0.1:0")
    ep = s.last_endpoint
    events = collect_events(mon, {int(zmq.EVENT_LISTENING)})
    assert [(e, ep_) for e, _, ep_ in events] == [(int(zmq.EVENT_LISTENING), ep)]
    s.unbind(ep.decode())
    events = collect_events(mon, {int(zmq.EVENT_CLOSED)})
    assert int(zmq.EVENT_CLOSED) in [e for e, _, _ in events]
    # connect-related events were masked out
    assert int(zmq.EVENT_ACCEPTED) not in [e for e, _, _ in events]
    s.monitor(None, 0)


def test_monitor_requires_inproc(ctx, zmq):
    s = ctx.socket(zmq.PULL)
    with pytest.raises(zmq.ZMQError) as info:
        s.monitor("tcp://127.0.0.1:5555")
    assert info.value.errno == errno.EPROTONOSUPPORT
