"""tornado's ZMQStream (zmqx.eventloop.zmqstream), against zmqx and pyzmq: echo
servers, copy modes, pausing, coroutine callbacks, on_send and trackers, queued
sends under HWM, flush, closing, set-up and bad input. Each test runs in a fresh
asyncio loop, under tornado's IOLoop for it."""

from __future__ import annotations

import asyncio
import importlib
import pickle
import time
import warnings

import pytest
from zmqstream_helpers import WAIT, Collector, ctx, holding, numbered, pair, settle, zmqstream

tornado_ioloop = pytest.importorskip("tornado.ioloop")

pytestmark = pytest.mark.timeout(30)

__all__ = ["ctx", "zmqstream"]  # fixtures from zmqstream_helpers, used by name


# ---- echo servers --------------------------------------------------------------


def test_echo_req_rep(zmq, zmqstream, ctx):
    async def main():
        rep, req = pair(zmq, ctx, zmq.REP, zmq.REQ)
        server = zmqstream.ZMQStream(rep)
        server.on_recv(lambda msg: server.send_multipart([part.upper() for part in msg]))
        client = zmqstream.ZMQStream(req)
        replies = Collector()
        client.on_recv(replies)
        for i in range(20):
            client.send(b"ping %d" % i)
            await replies.wait(i + 1)
        assert replies.items == [[b"PING %d" % i] for i in range(20)]
        server.close()
        client.close()

    asyncio.run(main())


def test_echo_router_dealer(zmq, zmqstream, ctx):
    async def main():
        router, dealer = pair(zmq, ctx, zmq.ROUTER, zmq.DEALER)
        server = zmqstream.ZMQStream(router)
        server.on_recv(server.send_multipart)  # [identity, *parts] straight back
        client = zmqstream.ZMQStream(dealer)
        replies = Collector()
        client.on_recv(replies)
        for payload in numbered(200):
            client.send_multipart([b"part one", payload])
        await replies.wait(200)
        assert replies.items == [[b"part one", p] for p in numbered(200)]

    asyncio.run(main())


# ---- receiving -----------------------------------------------------------------


@pytest.mark.parametrize("copy", [True, False])
def test_on_recv_gives_lists_of_parts(zmq, zmqstream, ctx, copy):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(pull)
        got = Collector()
        stream.on_recv(got, copy=copy)
        push.send_multipart([b"a", b"bb", b""])
        push.send(b"single")
        first, second = await got.wait(2)
        assert isinstance(first, list) and isinstance(second, list)
        kind = bytes if copy else zmq.Frame
        assert all(type(part) is kind for part in first + second)
        assert [bytes(p) for p in first] == [b"a", b"bb", b""]
        assert [bytes(p) for p in second] == [b"single"]

    asyncio.run(main())


def test_on_recv_stream_passes_the_stream(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(pull)
        got = Collector()
        stream.on_recv_stream(got)
        assert stream.receiving()
        push.send(b"x")
        [(who, msg)] = await got.wait(1)
        assert who is stream and msg == [b"x"]
        stream.on_recv_stream(None)
        assert not stream.receiving()

    asyncio.run(main())


def test_pausing_and_resuming(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(pull)
        got = Collector()
        stream.on_recv(got)
        for m in numbered(3):
            push.send(m)
        await got.wait(3)
        stream.stop_on_recv()
        assert not stream.receiving()
        for m in numbered(6)[3:]:
            push.send(m)
        await settle(0.2)
        assert len(got.items) == 3  # paused: the messages wait in the socket
        stream.on_recv(got)
        await got.wait(6)
        assert got.items == [[m] for m in numbered(6)]

    asyncio.run(main())


def test_pausing_inside_the_callback_stops_at_once(zmq, zmqstream, ctx):
    async def main():
        pull, _push = holding(zmq, ctx, numbered(10))
        stream = zmqstream.ZMQStream(pull)
        got = []

        def take_two(msg):
            got.append(msg)
            if len(got) == 2:
                stream.stop_on_recv()

        stream.on_recv(take_two)
        await settle(0.2)
        assert got == [[m] for m in numbered(2)]
        stream.on_recv(got.append)
        deadline = time.monotonic() + WAIT
        while len(got) < 10 and time.monotonic() < deadline:
            await settle(0.01)
        assert got == [[m] for m in numbered(10)]

    asyncio.run(main())


def test_coroutine_callbacks(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(pull)
        got = Collector()
        sent = Collector()

        async def on_recv(msg):
            await asyncio.sleep(0)
            got(msg)

        async def on_send(msg, status):
            await asyncio.sleep(0)
            sent(msg)

        stream.on_recv(on_recv)
        for m in numbered(50):
            push.send(m)
        assert sorted(await got.wait(50)) == [[m] for m in numbered(50)]

        out = zmqstream.ZMQStream(push)
        out.on_send(on_send)
        out.send(b"from a stream")
        assert await sent.wait(1) == [[b"from a stream"]]

    asyncio.run(main())


# ---- sending -------------------------------------------------------------------


def test_on_send_gets_the_message_and_its_status(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(push)
        sent = Collector()
        stream.on_send(sent)
        big = b"t" * 100_000  # above any copy threshold: really tracked
        stream.send(b"copied")
        stream.send(big, copy=False, track=True)
        stream.send_multipart([b"a", b"b"])
        items = await sent.wait(3)
        assert [msg for msg, _ in items] == [[b"copied"], [big], [b"a", b"b"]]
        assert items[0][1] is None and items[2][1] is None
        tracker = items[1][1]
        assert isinstance(tracker, zmq.MessageTracker)
        assert [pull.recv() for _ in range(2)] == [b"copied", big]
        assert pull.recv_multipart() == [b"a", b"b"]
        deadline = time.monotonic() + WAIT
        while not tracker.done and time.monotonic() < deadline:
            await settle(0.01)
        assert tracker.done

    asyncio.run(main())


def test_send_callback_argument_becomes_the_on_send_callback(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(push)
        sent = Collector()
        stream.send(b"one", callback=sent)
        stream.send(b"two")  # the callback stays
        assert await sent.wait(2) == [([b"one"], None), ([b"two"], None)]
        stream.stop_on_send()
        stream.send(b"three")
        await settle(0.1)  # pyzmq sends from the loop
        assert [pull.recv() for _ in range(3)] == [b"one", b"two", b"three"]
        assert len(sent.items) == 2

    asyncio.run(main())


def test_send_string_json_pyobj(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(push)
        stream.send_string("héllo")
        stream.send_string("héllo", encoding="latin-1")
        stream.send_unicode("u")
        stream.send_json({"a": [1, 2]})
        stream.send_pyobj({"b": (3, 4)})
        with pytest.raises(TypeError):
            stream.send_string(b"bytes")
        await settle(0.1)  # pyzmq sends from the loop
        assert pull.recv() == "héllo".encode()
        assert pull.recv() == "héllo".encode("latin-1")
        assert pull.recv() == b"u"
        assert pull.recv_json() == {"a": [1, 2]}
        assert pickle.loads(pull.recv()) == {"b": (3, 4)}

    asyncio.run(main())


def test_queued_sends_under_hwm_all_arrive_in_order(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH, sndhwm=5, rcvhwm=5, transport="inproc")
        out = zmqstream.ZMQStream(push)
        sent = Collector()
        out.on_send(sent)
        messages = numbered(2000)
        for m in messages:
            out.send(m)
        await settle(0.2)
        # the HWMs hold most of them back: they wait in the stream
        assert out.sending()
        assert len(sent.items) < len(messages)
        inbox = zmqstream.ZMQStream(pull)
        got = Collector()
        inbox.on_recv(got)
        await got.wait(len(messages))
        assert got.items == [[m] for m in messages]
        await sent.wait(len(messages))
        assert [msg for msg, _ in sent.items] == [[m] for m in messages]
        assert not out.sending()

    asyncio.run(main())


def test_flush_with_limits(zmq, zmqstream, ctx):
    async def main():
        pull, _push = holding(zmq, ctx, numbered(10))
        stream = zmqstream.ZMQStream(pull)
        got = []
        stream.on_recv(got.append)
        # flush works now, before the loop runs the stream
        assert stream.flush(zmq.POLLIN, limit=3) == 3
        assert got == [[m] for m in numbered(3)]
        assert stream.flush(limit=4) == 4
        assert stream.flush() == 3
        assert got == [[m] for m in numbered(10)]
        assert stream.flush() == 0
        assert stream.flush(zmq.POLLOUT) == 0  # nothing queued to send

    asyncio.run(main())


def test_flush_without_a_callback_drops_messages(zmq, zmqstream, ctx):
    async def main():
        pull, _push = holding(zmq, ctx, numbered(4))
        stream = zmqstream.ZMQStream(pull)
        assert stream.flush(zmq.POLLIN) == 4
        assert pull.poll(0) == 0

    asyncio.run(main())


def test_flush_sends_what_the_hwm_held_back(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH, sndhwm=2, rcvhwm=2, transport="inproc")
        out = zmqstream.ZMQStream(push)
        sent = []
        out.on_send(lambda msg, status: sent.append(msg))
        messages = numbered(50)
        for m in messages:
            out.send(m)
        await settle(0.2)
        assert out.sending()
        received = []
        while len(received) < len(messages):
            assert pull.poll(WAIT * 1000)
            while pull.poll(0):
                received.append(pull.recv())
            out.flush(zmq.POLLOUT)  # sends (and reports) what fits, now
        assert received == messages
        assert sent == [[m] for m in messages]
        assert not out.sending()

    asyncio.run(main())


# ---- closing -------------------------------------------------------------------


def test_close_with_pending_sends(zmq, zmqstream, ctx):
    async def main():
        push = ctx.socket(zmq.PUSH)  # no peer: sends wait in the stream
        push.linger = 0
        stream = zmqstream.ZMQStream(push)
        sent = []
        closes = []
        stream.on_send(lambda msg, status: sent.append(msg))
        stream.set_close_callback(lambda: closes.append(True))
        for m in numbered(5):
            stream.send(m)
        await settle(0.1)
        assert stream.sending() and not stream.closed()
        stream.close()
        assert stream.closed()
        assert push.closed
        assert closes == [True]
        stream.close()  # again: nothing more happens
        assert closes == [True]
        await settle(0.1)
        assert sent == []
        with pytest.raises(OSError):
            stream.on_recv(lambda msg: None)
        with pytest.raises(OSError):
            stream.send(b"late")
        with pytest.raises(OSError):
            stream.flush()

    asyncio.run(main())


def test_socket_closed_under_the_stream(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(pull)
        stream.on_recv(lambda msg: None)
        closes = []
        stream.set_close_callback(lambda: closes.append(True))
        await settle(0.05)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyzmq warns about its FD handler here
            pull.close()
            assert stream.closed()
        assert closes == [True]
        push.send(b"to nobody")
        await settle(0.1)

    asyncio.run(main())


@pytest.mark.zmqx_only
def test_closing_stops_watching_the_fd(zmq, zmqstream, ctx):
    async def main():
        pull, _push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        fd = pull.FD
        selector = asyncio.get_running_loop()._selector
        stream = zmqstream.ZMQStream(pull)
        stream.on_recv(lambda msg: None)
        await settle(0.05)
        assert fd in selector.get_map()
        stream.close()
        assert fd not in selector.get_map()
        await settle(0.05)

    asyncio.run(main())


@pytest.mark.zmqx_only
def test_context_destroyed_under_waiting_streams(zmq, zmqstream):
    async def main():
        ctx = zmq.Context()
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH, sndhwm=1, rcvhwm=1, transport="inproc")
        inbox = zmqstream.ZMQStream(pull)
        inbox.on_recv(lambda msg: None)
        inbox.stop_on_recv()
        out = zmqstream.ZMQStream(push)
        for m in numbered(100):
            out.send(m)
        closes = []
        out.set_close_callback(lambda: closes.append("out"))
        await settle(0.1)
        assert out.sending()
        ctx.destroy(linger=0)
        await settle(0.1)
        assert out.closed() and inbox.closed()
        assert closes == ["out"]

    asyncio.run(main())


@pytest.mark.zmqx_only
def test_streams_left_open_after_the_loop_closes(zmq, zmqstream):
    """The loop ends with streams still waiting; closing them (or their context)
    afterwards raises nothing."""
    ctx = zmq.Context()

    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        a = zmqstream.ZMQStream(pull)
        a.on_recv(lambda msg: None)
        b = zmqstream.ZMQStream(push)
        await settle(0.05)
        return a, b

    a, b = asyncio.run(main())
    a.close()
    ctx.destroy(linger=0)
    assert a.closed() and b.closed()

# ---- set-up, pass-through, errors ---------------------------------------------------


def test_stream_with_an_io_loop_made_before_it_runs(zmq, zmqstream, ctx):
    """The tornado way: make the loop and the streams, then start the loop."""
    io_loop = tornado_ioloop.IOLoop(make_current=False)
    try:
        rep, req = pair(zmq, ctx, zmq.REP, zmq.REQ)
        server = zmqstream.ZMQStream(rep, io_loop)
        assert server.io_loop is io_loop
        server.on_recv(lambda msg: server.send_multipart(msg))
        client = zmqstream.ZMQStream(req, io_loop=io_loop)
        replies = []

        def on_reply(msg):
            replies.append(msg)
            io_loop.stop()

        client.on_recv(on_reply)
        client.send(b"hello")
        io_loop.call_later(WAIT, io_loop.stop)
        io_loop.start()
        assert replies == [[b"hello"]]
    finally:
        io_loop.close()


def test_socket_methods_pass_through(zmq, zmqstream, ctx):
    async def main():
        stream = zmqstream.ZMQStream(ctx.socket(zmq.DEALER))
        assert stream.socket.type == zmq.DEALER
        stream.setsockopt(zmq.LINGER, 0)
        assert stream.getsockopt(zmq.LINGER) == 0
        stream.setsockopt_string(zmq.IDENTITY, "me")
        assert stream.getsockopt_string(zmq.IDENTITY) == "me"
        port = stream.bind_to_random_port("tcp://127.0.0.1")
        assert stream.bind == stream.socket.bind
        stream.connect(f"tcp://127.0.0.1:{port}")
        assert isinstance(stream.io_loop, tornado_ioloop.IOLoop)
        stream.close()

    asyncio.run(main())


def test_an_asyncio_socket_is_used_through_a_plain_shadow(zmq, zmqstream, ctx):
    async def main():
        aio = importlib.import_module(zmq.__name__ + ".asyncio")
        actx = aio.Context.shadow(ctx.underlying)
        apull = actx.socket(zmq.PULL)
        apull.linger = 0
        port = apull.bind_to_random_port("tcp://127.0.0.1")
        with pytest.warns(RuntimeWarning):
            stream = zmqstream.ZMQStream(apull)
        assert type(stream.socket) is zmq.Socket
        push = ctx.socket(zmq.PUSH)
        push.linger = 0
        push.connect(f"tcp://127.0.0.1:{port}")
        got = Collector()
        stream.on_recv(got)
        push.send(b"plain")
        assert await got.wait(1) == [[b"plain"]]
        stream.close()

    asyncio.run(main())


@pytest.mark.zmqx_only
def test_bad_messages_raise_at_once_and_lose_nothing(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH, sndhwm=1, rcvhwm=1, transport="inproc")
        out = zmqstream.ZMQStream(push)
        out.send(b"ok")
        with pytest.raises(TypeError):
            out.send("a str")
        with pytest.raises(TypeError):
            out.send_multipart([b"fine", 42])
        with pytest.raises(ValueError):
            out.send_multipart([])
        with pytest.raises(TypeError):
            out.send(b"x", routing_id=1)
        with pytest.raises(TypeError):
            out.on_recv("not callable")
        for m in numbered(20):  # some wait in the stream: checked all the same
            out.send(m)
        with pytest.raises(TypeError):
            out.send(object())
        inbox = zmqstream.ZMQStream(pull)
        got = Collector()
        inbox.on_recv(got)
        assert await got.wait(21) == [[b"ok"]] + [[m] for m in numbered(20)]

    asyncio.run(main())


@pytest.mark.zmqx_only
def test_a_failing_callback_is_logged_and_the_stream_goes_on(zmq, zmqstream, ctx, caplog):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(pull)
        got = Collector()

        def flaky(msg):
            if msg == [b"bad"]:
                raise RuntimeError("callback failed")
            got(msg)

        stream.on_recv(flaky)
        for m in (b"a", b"bad", b"b"):
            push.send(m)
        assert await got.wait(2) == [[b"a"], [b"b"]]

    asyncio.run(main())
    assert "callback failed" in caplog.text


@pytest.mark.zmqx_only
def test_a_req_stream_sends_its_next_request_after_the_reply(zmq, zmqstream, ctx):
    """A REQ socket takes a request only once the last reply is in: the next
    request waits in the stream until then (pyzmq fails it with EFSM)."""

    async def main():
        rep, req = pair(zmq, ctx, zmq.REP, zmq.REQ)
        server = zmqstream.ZMQStream(rep)
        server.on_recv(server.send_multipart)
        client = zmqstream.ZMQStream(req)
        replies = Collector()
        client.on_recv(replies)
        for i in range(5):
            client.send(b"%d" % i)
        assert client.sending()
        assert await replies.wait(5) == [[b"%d" % i] for i in range(5)]
        assert not client.sending()

    asyncio.run(main())


def test_on_err_is_deprecated_and_does_nothing(zmq, zmqstream, ctx, caplog):
    async def main():
        stream = zmqstream.ZMQStream(ctx.socket(zmq.PULL))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stream.on_err(lambda *args: None)  # pyzmq logs a warning, zmqx warns
            stream.stop_on_err()
        stream.close(linger=0)

    asyncio.run(main())



def test_a_callback_that_is_not_callable_is_refused_at_once(zmq, zmqstream, ctx, impl_name):
    """pyzmq asserts callbacks are callable; zmqx raises an error that is both that
    AssertionError and a TypeError, so code written for either catches it."""

    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        stream = zmqstream.ZMQStream(push)
        refusals = [
            lambda: stream.on_recv(1),
            lambda: stream.on_send(1),
            lambda: stream.send(b"never queued", callback=1),
        ]
        for refused in refusals:
            with pytest.raises(AssertionError) as info:
                refused()
            if impl_name == "zmqx":
                assert isinstance(info.value, TypeError)
        stream.on_send(None)  # None still means no callback
        stream.send(b"sent")
        inbox = zmqstream.ZMQStream(pull)
        got = Collector()
        inbox.on_recv(got)
        # zmqx checks first, so the refused message is not queued (pyzmq queues it)
        expected = [[b"sent"]] if impl_name == "zmqx" else [[b"never queued"], [b"sent"]]
        assert await got.wait(len(expected)) == expected
        await settle()
        assert got.items == expected
        stream.close()
        inbox.close()

    asyncio.run(main())


@pytest.mark.parametrize("closed_by", ["itself", "the owner of the shadowed socket"])
def test_a_socket_closed_under_the_stream_warns_once(zmq, zmqstream, ctx, closed_by):
    """Closing the socket rather than the stream (or the owner of the socket a stream
    shadows closing it) is reported once, when the stream finds out, with the
    UserWarning pyzmq gives; the stream is then closed."""

    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        watched = zmq.Socket.shadow(pull.underlying) if closed_by != "itself" else pull
        stream = zmqstream.ZMQStream(watched)
        got = Collector()
        stream.on_recv(got)
        push.send(b"before")
        assert await got.wait(1) == [[b"before"]]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pull.close()
            push.send(b"after")
            await settle(0.2)
            assert stream.closed() and stream.closed()
            with pytest.raises(OSError):
                stream.send(b"late")
        said = [w for w in caught if "after closing socket" in str(w.message)]
        assert len(said) == 1 and said[0].category is UserWarning
        assert got.items == [[b"before"]]

    asyncio.run(main())
