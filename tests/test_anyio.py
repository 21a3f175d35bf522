"""zmqx.anyio beyond the flavoured suite: waiting, FIFO order, cancellation by
cancel scopes, closing from another task, idle CPU, one socket in several runs,
and a stress test that checks by sequence number that nothing is lost,
duplicated or split. Each runs on anyio's trio and asyncio backends (pyzmq has
no anyio module: zmqx only)."""

from __future__ import annotations

import random
import socket
import time

import pytest
from conftest import make_pair, term_returns_after

anyio = pytest.importorskip("anyio")

pytestmark = [pytest.mark.timeout(30), pytest.mark.zmqx_only]


@pytest.fixture(params=["trio", "asyncio"])
def backend(request):
    if request.param == "trio":
        pytest.importorskip("trio")
    return request.param


@pytest.fixture
def actx(zmq):
    import zmqx.anyio

    ctx = zmqx.anyio.Context()
    yield ctx
    ctx.destroy(linger=0)


def pair(ctx, a_type, b_type):
    return make_pair(ctx, a_type, b_type, "tcp")


async def receive_into(got, sock):
    got.append(await sock.recv())


def test_recv_waits_then_completes(zmq, actx, backend):
    async def main():
        a, b = pair(actx, zmq.PAIR, zmq.PAIR)
        got = []
        async with anyio.create_task_group() as group:
            group.start_soon(receive_into, got, b)
            await anyio.sleep(0.05)
            assert got == []
            await a.send(b"hello")
        assert got == [b"hello"]

    anyio.run(main, backend=backend)


def test_waiters_are_served_in_order(zmq, actx, backend):
    async def main():
        a, b = pair(actx, zmq.PAIR, zmq.PAIR)
        got = {}

        async def receive(n):
            got[n] = await b.recv()

        async with anyio.create_task_group() as group:
            for n in range(5):
                group.start_soon(receive, n)
                await anyio.sleep(0.01)  # each starts waiting after the previous
            for n in range(5):
                await a.send(b"%d" % n)
        assert got == {n: b"%d" % n for n in range(5)}

    anyio.run(main, backend=backend)


def test_cancelled_receive_loses_nothing(zmq, actx, backend):
    async def main():
        a, b = pair(actx, zmq.PAIR, zmq.PAIR)
        with anyio.move_on_after(0.05) as scope:
            await b.recv()
        assert scope.cancelled_caught
        with pytest.raises(TimeoutError), anyio.fail_after(0.02):
            await b.recv_multipart()
        await a.send_multipart([b"1", b"2"])
        assert await b.recv_multipart() == [b"1", b"2"]

    anyio.run(main, backend=backend)


def test_cancelled_send_is_not_sent(zmq, actx, backend):
    async def main():
        push = actx.socket(zmq.PUSH, sndhwm=1, linger=0)
        pull = actx.socket(zmq.PULL, rcvhwm=1, linger=0)
        push.bind("inproc://cancelled-send")  # no kernel buffers: the queues fill fast
        pull.connect("inproc://cancelled-send")
        sent = 0
        while True:  # fill the queues until a send must wait
            with anyio.move_on_after(0.2) as scope:
                await push.send(b"%d" % sent)
            if scope.cancelled_caught:
                break
            sent += 1
        received = []
        while await pull.poll(200):
            received.append(await pull.recv())
        assert received == [b"%d" % i for i in range(sent)]  # and not the cancelled one

    anyio.run(main, backend=backend)


def test_reader_cancelled_hands_over_to_the_next_waiter(zmq, actx, backend):
    """The first waiter watches the socket for the others (under trio): when it
    is cancelled, the next one must take over."""

    async def main():
        a, b = pair(actx, zmq.PAIR, zmq.PAIR)
        got = []
        async with anyio.create_task_group() as outer:
            async with anyio.create_task_group() as first:
                first.start_soon(receive_into, got, b)
                await anyio.sleep(0.02)
                outer.start_soon(receive_into, got, b)
                await anyio.sleep(0.02)
                first.cancel_scope.cancel()
            await a.send(b"for the second")
        assert got == [b"for the second"]

    anyio.run(main, backend=backend)


def test_task_group_cancel_then_socket_still_works(zmq, actx, backend):
    async def main():
        a, b = pair(actx, zmq.DEALER, zmq.DEALER)

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(b.recv_multipart)
            group.start_soon(b.poll, 5000)
            await anyio.sleep(0.05)
            group.cancel_scope.cancel()
        await a.send_multipart([b"x", b"y"])
        assert await b.recv_multipart() == [b"x", b"y"]
        await b.send(b"back")
        assert await a.recv() == b"back"

    anyio.run(main, backend=backend)


def test_a_loop_on_a_ready_socket_lets_others_run_and_can_be_cancelled(zmq, actx, backend):
    async def main():
        pub = actx.socket(zmq.PUB, linger=0)  # no subscriber: a send never waits
        pub.bind("inproc://always-ready")
        ticks = []

        async def ticker():
            while True:
                ticks.append(None)
                await anyio.sleep(0)

        sent = 0
        async with anyio.create_task_group() as group:
            group.start_soon(ticker)
            with anyio.move_on_after(0.1):
                while True:
                    await pub.send(b"x")
                    sent += 1
            group.cancel_scope.cancel()
        assert sent > 100 and len(ticks) > 10

    anyio.run(main, backend=backend)


def test_close_from_another_task_wakes_waiters(zmq, actx, backend):
    async def main():
        _a, b = pair(actx, zmq.PAIR, zmq.PAIR)
        full = actx.socket(zmq.PUSH, sndhwm=1, linger=0)  # unconnected: send waits
        errors = []

        async def wait_on(call, *args):
            try:
                await call(*args)
            except zmq.ZMQError as e:
                errors.append(e.errno)

        async with anyio.create_task_group() as group:
            group.start_soon(wait_on, b.recv)
            group.start_soon(wait_on, b.recv_multipart)
            group.start_soon(wait_on, b.poll, 10_000)
            group.start_soon(wait_on, full.send, b"x")
            await anyio.sleep(0.05)
            b.close()
            full.close()
        assert errors == [zmq.ENOTSOCK] * 4
        with pytest.raises(zmq.ZMQError) as info:
            await b.recv()
        assert info.value.errno == zmq.ENOTSOCK

    anyio.run(main, backend=backend)


def test_context_destroyed_fails_pending_receives(zmq, backend):
    import zmqx.anyio

    async def main():
        ctx = zmqx.anyio.Context()
        _a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
        errors = []

        async def receive():
            with pytest.raises(zmq.ZMQError) as info:
                await b.recv()
            errors.append(info.value.errno)

        async with anyio.create_task_group() as group:
            group.start_soon(receive)
            await anyio.sleep(0.02)
            ctx.destroy(linger=0)
        assert errors == [zmq.ETERM]  # ContextTerminated, as for a blocking call

    anyio.run(main, backend=backend)


def test_timeouts(zmq, actx, backend):
    async def main():
        a, b = pair(actx, zmq.PAIR, zmq.PAIR)
        b.rcvtimeo = 50
        started = time.monotonic()
        with pytest.raises(zmq.Again):
            await b.recv()
        assert time.monotonic() - started >= 0.04
        started = time.monotonic()
        assert await b.poll(50) == 0
        assert time.monotonic() - started >= 0.04
        poller = zmqx_anyio().Poller()
        poller.register(b, zmq.POLLIN)
        started = time.monotonic()
        assert await poller.poll(50) == []
        assert time.monotonic() - started >= 0.04
        await a.send(b"x")
        assert await poller.poll(5000) == [(b, zmq.POLLIN)]

    anyio.run(main, backend=backend)


def zmqx_anyio():
    import zmqx.anyio

    return zmqx.anyio


def test_poller_with_a_plain_fd(zmq, actx, backend):
    async def main():
        a, b = pair(actx, zmq.PAIR, zmq.PAIR)
        left, right = socket.socketpair()
        try:
            poller = zmqx_anyio().Poller()
            poller.register(b, zmq.POLLIN)
            poller.register(right, zmq.POLLIN)
            assert await poller.poll(20) == []
            left.send(b"!")
            assert await poller.poll(5000) == [(right.fileno(), zmq.POLLIN)]  # as pyzmq
            right.recv(1)
            await a.send(b"x")
            assert await poller.poll(5000) == [(b, zmq.POLLIN)]
        finally:
            left.close()
            right.close()

    anyio.run(main, backend=backend)


def test_cpu_stays_idle_while_waiting(zmq, actx, backend):
    async def main():
        a, b = pair(actx, zmq.PAIR, zmq.PAIR)
        got = []
        async with anyio.create_task_group() as group:
            group.start_soon(receive_into, got, b)
            group.start_soon(receive_into, got, b)  # one watches the FD, one is parked
            await anyio.sleep(0.05)
            before = time.process_time()  # this process's CPU seconds
            await anyio.sleep(1.0)
            cpu = time.process_time() - before
            assert cpu < 0.2, f"{cpu:.3f} s of CPU while idle for 1 s"
            await a.send(b"1")
            await a.send(b"2")
        assert sorted(got) == [b"1", b"2"]

    anyio.run(main, backend=backend)


def test_one_socket_in_one_run_after_another(zmq, actx):
    a, b = pair(actx, zmq.PAIR, zmq.PAIR)

    async def exchange(text):
        async with anyio.create_task_group() as group:
            group.start_soon(a.send_string, text)
            with anyio.fail_after(5):
                return await b.recv_string()

    for backend in ("trio", "asyncio", "trio", "asyncio"):
        assert anyio.run(exchange, backend, backend=backend) == backend


def test_outside_an_event_loop_is_a_clear_error(zmq, actx):
    _a, b = pair(actx, zmq.PAIR, zmq.PAIR)
    for _ in range(40):  # some calls start with a checkpoint: anyio's error then
        with pytest.raises(RuntimeError):
            b.recv().send(None)


def test_context_and_socket_constructors(zmq):
    import zmqx.anyio

    sync_ctx = zmq.Context()
    try:
        ctx = zmqx.anyio.Context(sync_ctx)
        assert ctx.underlying == sync_ctx.underlying
        assert zmqx.anyio.Context.instance() is zmqx.anyio.Context.instance()
        sync_sock = sync_ctx.socket(zmq.PAIR, linger=0)
        wrapped = zmqx.anyio.Socket(sync_sock)
        assert wrapped.underlying == sync_sock.underlying
        sock = ctx.socket(zmq.PAIR)
        assert isinstance(sock, zmqx.anyio.Socket)
        monitor = sock.get_monitor_socket()
        assert isinstance(monitor, zmqx.anyio.Socket)
        sock.disable_monitor()
        monitor.close(linger=0)
        sock.close(linger=0)
        sync_sock.close()
    finally:
        sync_ctx.destroy(linger=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stress_random_cancellations_lose_duplicate_or_split_nothing(
        zmq, actx, backend, seed, soak):
    """Many sockets, random interleavings of sends, receives, timeouts
    (RCVTIMEO, SNDTIMEO, move_on_after, fail_after) and task-group cancels, several
    receivers per socket. Every multipart message carries its sequence number in
    each part: every message must arrive exactly once and whole, and since a
    cancelled send was not sent, each receiver sees its messages in sending order."""
    rng = random.Random(seed)
    n_pairs = 5
    per_pair = 1500 * soak

    async def cancel_soon(group, delay):
        await anyio.sleep(delay)
        group.cancel_scope.cancel()

    async def sender(sock, count):
        seq = 0
        while seq < count:
            parts = [b"%d" % seq] * rng.randint(1, 4)
            how = rng.random()
            if how < 0.3:
                with anyio.move_on_after(rng.choice([0, 0.001, 0.01])):
                    await sock.send_multipart(parts)
                    seq += 1
            elif how < 0.4:
                sock.sndtimeo = rng.choice([0, 1, 5])
                try:
                    await sock.send_multipart(parts)
                    seq += 1
                except zmq.Again:
                    pass
                sock.sndtimeo = -1
            else:
                await sock.send_multipart(parts)
                seq += 1
            if rng.random() < 0.1:
                await anyio.sleep(0)

    async def recv_or_none(sock):
        try:
            return await sock.recv_multipart()
        except zmq.Again:  # RCVTIMEO, set for a moment by one receiver of sock
            return None

    async def receiver(sock, state, sets_rcvtimeo):
        last = -1  # a receiver sees the messages it gets in the order they were sent
        while len(state["seen"]) < state["count"]:
            how = rng.random()
            parts = None
            if how < 0.2:
                with anyio.move_on_after(rng.choice([0, 0.0005, 0.002])):
                    parts = await recv_or_none(sock)
            elif how < 0.3:
                try:
                    with anyio.fail_after(0.002):
                        parts = await recv_or_none(sock)
                except TimeoutError:
                    pass
            elif how < 0.4:
                async with anyio.create_task_group() as group:
                    group.start_soon(cancel_soon, group, rng.choice([0, 0.001]))
                    parts = await recv_or_none(sock)
                    group.cancel_scope.cancel()
            elif how < 0.5 and sets_rcvtimeo:  # one receiver per socket: the option is shared
                sock.rcvtimeo = rng.choice([0, 1, 3])
                parts = await recv_or_none(sock)
                sock.rcvtimeo = -1
            else:
                with anyio.move_on_after(0.05):  # the other receiver may take the last
                    parts = await recv_or_none(sock)
            if parts is None:
                continue
            assert len(set(parts)) == 1, f"split or mixed message: {parts[:4]}"
            seq = int(parts[0])
            assert seq not in state["seen"], f"message {seq} arrived twice"
            assert seq > last, f"message {seq} after {last}: out of order"
            state["seen"].add(seq)
            last = seq

    async def main():
        pairs = []
        for _ in range(n_pairs):
            push = actx.socket(zmq.PUSH, sndhwm=rng.choice([1, 5, 100]), linger=0)
            pull = actx.socket(zmq.PULL, linger=0)
            pull.connect(f"tcp://127.0.0.1:{push.bind_to_random_port('tcp://127.0.0.1')}")
            pairs.append((push, pull))
        states = [{"count": per_pair, "seen": set()} for _ in pairs]
        with anyio.fail_after(25 * soak):  # nothing stalls
            async with anyio.create_task_group() as group:
                for (push, pull), state in zip(pairs, states, strict=True):
                    group.start_soon(sender, push, per_pair)
                    group.start_soon(receiver, pull, state, True)
                    group.start_soon(receiver, pull, state, False)  # two tasks on one socket
        for state in states:
            assert state["seen"] == set(range(per_pair))

    anyio.run(main, backend=backend)


def test_a_socket_dropped_after_a_cancelled_receive_is_finalized_at_once(zmq, backend):
    """The cancelled receive lets go of its socket: dropped unclosed, the socket
    is finalized by reference counting, and Context.term() returns at once."""
    import zmqx.anyio

    ctx = zmqx.anyio.Context()

    async def main():
        pull = ctx.socket(zmq.PULL)
        pull.bind("inproc://dropped-after-cancel")
        with anyio.move_on_after(0.05):
            await pull.recv()

    assert term_returns_after(ctx, lambda: anyio.run(main, backend=backend)), \
        "term() waits for a dropped socket"
