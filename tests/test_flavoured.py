"""Behaviour of sockets written once and run in every flavour (sync, asyncio,
uvloop, green, anyio: see tests/flavours.py) against zmqx and pyzmq."""

from __future__ import annotations

import json
import threading

import pytest
from conftest import term_returns_after

pytestmark = pytest.mark.timeout(20)

TRANSPORTS = ("inproc", "tcp")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pair_round_trip(flavoured, transport):
    async def body(f):
        a, b = f.pair("PAIR", "PAIR", transport)
        for payload in (b"hello", b"", bytes(range(256)) * 400):
            await f.io(a.send(payload))
            assert await f.io(b.recv()) == payload
            await f.io(b.send(payload[::-1]))
            assert await f.io(a.recv()) == payload[::-1]

    flavoured.run(body)


def test_req_rep(flavoured):
    async def body(f):
        rep, req = f.pair("REP", "REQ", "tcp")
        for i in range(20):
            await f.io(req.send_string(f"ping {i}"))
            assert await f.io(rep.recv_string()) == f"ping {i}"
            await f.io(rep.send_string(f"pong {i}"))
            assert await f.io(req.recv_string()) == f"pong {i}"

    flavoured.run(body)


def test_pub_sub_topics(flavoured):
    async def body(f):
        pub, sub = f.pair("PUB", "SUB")
        sub.setsockopt(f.zmq.UNSUBSCRIBE, b"")
        sub.setsockopt(f.zmq.SUBSCRIBE, b"a.")
        wanted = [b"a.%d" % i for i in range(10)]
        # the probe of the set-up proves the connection; a new subscription
        # needs a round trip of its own before it filters
        for _ in range(200):
            await f.io(pub.send(b"a.probe"))
            if await f.io(sub.poll(10)):
                await f.io(sub.recv())
                break
        while await f.io(sub.poll(20)):
            await f.io(sub.recv())
        for i in range(10):
            await f.io(pub.send(b"b.%d" % i))
            await f.io(pub.send(wanted[i]))
        got = [await f.io(sub.recv()) for _ in wanted]
        assert got == wanted

    flavoured.run(body)


@pytest.mark.parametrize("copy", [True, False])
def test_multipart_whole_and_in_order(flavoured, copy):
    async def body(f):
        a, b = f.pair("DEALER", "DEALER")
        messages = [[b"%d" % i, b"", b"x" * i, b"end"] for i in range(50)]
        for m in messages:
            await f.io(a.send_multipart(m, copy=copy))
        for m in messages:
            got = await f.io(b.recv_multipart(copy=copy))
            if not copy:
                assert all(isinstance(part, f.zmq.Frame) for part in got)
                assert [part.more for part in got] == [True, True, True, False]
                got = [part.bytes for part in got]
            assert got == m

    flavoured.run(body)


def test_serialized_kinds(flavoured):
    async def body(f):
        a, b = f.pair("PAIR", "PAIR")
        await f.io(a.send_json({"n": [1, 2]}))
        assert await f.io(b.recv_json()) == {"n": [1, 2]}
        await f.io(a.send_pyobj({"t": (1, "x")}))
        assert await f.io(b.recv_pyobj()) == {"t": (1, "x")}
        await f.io(a.send_string("héllo", encoding="latin-1"))
        assert await f.io(b.recv_string(encoding="latin-1")) == "héllo"
        await f.io(a.send_serialized({"k": 1}, lambda m: [json.dumps(m).encode()]))
        assert await f.io(b.recv_serialized(lambda frames: json.loads(frames[0]))) == {"k": 1}

    flavoured.run(body)


def test_recv_into(flavoured):
    async def body(f):
        a, b = f.pair("PAIR", "PAIR")
        await f.io(a.send(b"0123456789"))
        buffer = bytearray(4)
        assert await f.io(b.recv_into(buffer)) == 10  # the full size: truncated
        assert buffer == b"0123"
        await f.io(a.send(b"ab"))
        assert await f.io(b.recv_into(buffer, nbytes=2)) == 2
        assert buffer[:2] == b"ab"

    flavoured.run(body)


def test_rcvtimeo_gives_again(flavoured):
    async def body(f):
        a, b = f.pair("PAIR", "PAIR")
        b.rcvtimeo = 30
        with pytest.raises(f.zmq.Again):
            await f.io(b.recv())
        with pytest.raises(f.zmq.Again):
            await f.io(b.recv_multipart())
        await f.io(a.send(b"after"))
        assert await f.io(b.recv()) == b"after"  # the socket is fine afterwards

    flavoured.needs("timeo")
    flavoured.run(body)


def test_sndtimeo_gives_again_when_full(flavoured):
    async def body(f):
        a = f.socket("PUSH", sndhwm=1, sndtimeo=30)
        b = f.socket("PULL", rcvhwm=1)
        a.bind(f"inproc://full-{f.name}")
        b.connect(f"inproc://full-{f.name}")
        with pytest.raises(f.zmq.Again):
            for _ in range(100):
                await f.io(a.send(b"x"))
        received = 0
        while await f.io(b.poll(50)):
            await f.io(b.recv())
            received += 1
        assert 1 <= received < 100

    flavoured.needs("timeo")
    flavoured.run(body)


def test_noblock_on_nothing_gives_again(flavoured):
    async def body(f):
        _a, b = f.pair("PAIR", "PAIR")
        with pytest.raises(f.zmq.Again):
            await f.io(b.recv(f.zmq.NOBLOCK))

    flavoured.run(body)


def test_poll(flavoured):
    async def body(f):
        a, b = f.pair("PAIR", "PAIR")
        assert await f.io(b.poll(20)) == 0
        assert await f.io(a.poll(0, f.zmq.POLLOUT)) == f.zmq.POLLOUT
        await f.io(a.send(b"x"))
        assert await f.io(b.poll(1000)) == f.zmq.POLLIN
        assert await f.io(b.poll(1000, f.zmq.POLLIN | f.zmq.POLLOUT)) == (
            f.zmq.POLLIN | f.zmq.POLLOUT)
        assert await f.io(b.recv()) == b"x"

    flavoured.run(body)


def test_poll_without_timeout_waits_for_a_message(flavoured):
    async def body(f):
        addr = f"inproc://late-{f.name}"
        pull = f.socket("PULL")
        pull.bind(addr)
        push = f.sync(f.ctx, f.zmq.PUSH)  # used by the timer's thread only
        push.linger = 0
        push.connect(addr)
        late = threading.Timer(0.1, push.send, [b"late"])
        late.start()
        try:
            assert await f.io(pull.poll()) == f.zmq.POLLIN
            assert await f.io(pull.recv()) == b"late"
        finally:
            late.join()
            push.close()

    flavoured.run(body)


def test_poller(flavoured):
    async def body(f):
        a, b = f.pair("PAIR", "PAIR")
        c, d = f.pair("PAIR", "PAIR")
        poller = f.module.Poller()
        poller.register(b, f.zmq.POLLIN)
        poller.register(d, f.zmq.POLLIN)
        assert await f.io(poller.poll(20)) == []
        await f.io(c.send(b"to d"))
        ready = dict(await f.io(poller.poll(1000)))
        assert ready == {d: f.zmq.POLLIN}
        assert await f.io(d.recv()) == b"to d"
        await f.io(a.send(b"to b"))
        assert dict(await f.io(poller.poll(1000))) == {b: f.zmq.POLLIN}

    flavoured.run(body)


def test_router_dealer_routing(flavoured):
    async def body(f):
        router = f.socket("ROUTER")
        addr = f"inproc://routing-{f.name}"
        router.bind(addr)
        dealers = []
        for name in (b"alice", b"bob"):
            dealer = f.socket("DEALER", identity=name)
            dealer.connect(addr)
            dealers.append(dealer)
        for dealer in dealers:
            await f.io(dealer.send_multipart([b"", b"hello from " + dealer.identity]))
        seen = {}
        for _ in dealers:
            who, empty, text = await f.io(router.recv_multipart())
            seen[who] = text
            await f.io(router.send_multipart([who, empty, b"hi " + who]))
        assert seen == {b"alice": b"hello from alice", b"bob": b"hello from bob"}
        for dealer in dealers:
            assert await f.io(dealer.recv_multipart()) == [b"", b"hi " + dealer.identity]

    flavoured.run(body)


def test_parts_sent_with_sndmore_arrive_as_one_message(flavoured):
    async def body(f):
        a, b = f.pair("PUSH", "PULL", "tcp")
        for i in range(20):
            await f.io(a.send(b"head %d" % i, f.zmq.SNDMORE))
            await f.io(a.send(b"middle", f.zmq.SNDMORE))
            await f.io(a.send(b"tail"))
        for i in range(20):
            parts = [await f.io(b.recv())]
            while b.rcvmore:
                parts.append(await f.io(b.recv()))
            assert parts == [b"head %d" % i, b"middle", b"tail"]

    flavoured.run(body)


def test_closed_socket_refuses(flavoured):
    async def body(f):
        _a, b = f.pair("PAIR", "PAIR")
        b.close()
        with pytest.raises(f.zmq.ZMQError) as info:
            await f.io(b.recv())
        assert info.value.errno == f.zmq.ENOTSOCK
        assert b.closed

    flavoured.run(body)


def test_monitor_socket_events(flavoured):
    async def body(f):
        from importlib import import_module

        monitor = import_module(f.zmq.__name__ + ".utils.monitor")
        server = f.socket("REP")
        events = server.get_monitor_socket()
        port = server.bind_to_random_port("tcp://127.0.0.1")
        client = f.socket("REQ")
        client.connect(f"tcp://127.0.0.1:{port}")
        seen = set()
        while f.zmq.EVENT_ACCEPTED not in seen:
            seen.add((await f.io(monitor.recv_monitor_message(events)))["event"])
        assert f.zmq.EVENT_LISTENING in seen

    flavoured.run(body)


def test_a_dropped_socket_is_finalized_at_once(flavoured):
    """Sockets dropped unclosed after waiting (a poll that timed out) and after a
    round trip are finalized by reference counting in every flavour, as plain
    sockets are: Context.term() returns instead of waiting for the collector."""
    async def body(f):
        # made on the context directly: the body holds the only references (and
        # nothing raises in it: a traceback would hold them too)
        pull = f.ctx.socket(f.zmq.PULL)
        pull.bind("inproc://dropped")
        assert await f.io(pull.poll(30)) == 0
        push = f.ctx.socket(f.zmq.PUSH)
        push.connect("inproc://dropped")
        await f.io(push.send(b"x"))
        assert await f.io(pull.recv()) == b"x"

    flavoured.needs("finalize")
    assert term_returns_after(flavoured.ctx, lambda: flavoured.run(body)), \
        "term() waits for a dropped socket"


def test_an_operation_libzmq_refuses_fails_at_once(flavoured):
    """A REQ socket must send before it receives: the receive fails with EFSM at
    once (an event-loop flavour's future is failed, not left pending), and the
    socket works on."""
    async def body(f):
        rep, req = f.pair("REP", "REQ")
        with pytest.raises(f.zmq.ZMQError) as refused:
            await f.io(req.recv())
        assert refused.value.errno == f.zmq.EFSM
        await f.io(req.send(b"ping"))
        assert await f.io(rep.recv()) == b"ping"

    flavoured.needs("efsm")
    flavoured.run(body)
