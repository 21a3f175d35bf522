"""ZMQStream under load: many streams on one loop, random pauses, flushes and
sends, senders in other threads; and idle, no CPU."""

from __future__ import annotations

import asyncio
import random
import threading
import time

import pytest
from zmqstream_helpers import WAIT, Collector, ctx, holding, numbered, pair, settle, zmqstream

tornado_ioloop = pytest.importorskip("tornado.ioloop")

pytestmark = pytest.mark.timeout(30)

__all__ = ["ctx", "zmqstream"]  # fixtures from zmqstream_helpers, used by name


# ---- many streams, threads, idle -----------------------------------------------


def test_many_streams_on_one_loop(zmq, zmqstream, ctx):
    async def main():
        got = {}
        done = Collector()
        streams = []
        pushes = []
        for k in range(20):
            pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
            stream = zmqstream.ZMQStream(pull)
            got[k] = []

            def on_recv(msg, k=k):
                got[k].append(msg[0])
                if len(got[k]) == 300:
                    done(k)

            stream.on_recv(on_recv)
            streams.append(stream)
            pushes.append(push)
        for i in range(300):
            for push in pushes:
                push.send(b"%06d" % i)
        await done.wait(20)
        assert all(got[k] == numbered(300) for k in range(20))

    asyncio.run(main())


def test_stream_receiving_from_a_sender_thread(zmq, zmqstream, ctx):
    """Bursts with pauses between them: every message arrives, in order, with
    nothing but the socket's FD to say so."""
    total = 3000

    async def main():
        pull = ctx.socket(zmq.PULL)
        pull.linger = 0
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        stream = zmqstream.ZMQStream(pull)
        got = Collector()
        stream.on_recv(lambda msg: got(msg[0]))
        failures = []

        def sender():
            try:
                push = ctx.socket(zmq.PUSH)
                push.connect(f"tcp://127.0.0.1:{port}")
                rng = random.Random(8)
                i = 0
                while i < total:
                    for _ in range(min(rng.choice([1, 2, 7, 50, 300]), total - i)):
                        push.send(b"%06d" % i)
                        i += 1
                    time.sleep(rng.choice([0, 0.001, 0.01, 0.03]))
                push.close(linger=5000)
            except Exception as e:  # noqa: BLE001 - reported by the test
                failures.append(e)

        thread = threading.Thread(target=sender, daemon=True)
        thread.start()
        await got.wait(total, timeout=25)
        thread.join(WAIT)
        assert not failures
        assert got.items == numbered(total)

    asyncio.run(main())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_pauses_flushes_and_sends_lose_nothing(zmq, zmqstream, ctx, seed):
    """Streams echoing numbered messages under random pausing, resuming, flushing
    (with limits) and bursts of sends: each message arrives once, in order."""
    count, streams = 1500, 4
    rng = random.Random(seed)

    async def main():
        echoes, clients, got = [], [], []
        for k in range(streams):
            # DEALERs both: a ROUTER would drop replies at the HWM, by design
            server, dealer = pair(zmq, ctx, zmq.DEALER, zmq.DEALER, transport="inproc",
                                  sndhwm=20, rcvhwm=20)
            echo = zmqstream.ZMQStream(server)
            echo.on_recv(echo.send_multipart)
            client = zmqstream.ZMQStream(dealer)
            got.append([])
            client.on_recv(lambda msg, k=k: got[k].append(msg[0]))
            echoes.append(echo)
            clients.append(client)
        next_seq = [0] * streams
        deadline = time.monotonic() + 25
        while any(len(g) < count for g in got):
            assert time.monotonic() < deadline, [len(g) for g in got]
            k = rng.randrange(streams)
            action = rng.random()
            if action < 0.4 and next_seq[k] < count:
                for _ in range(min(rng.randint(1, 60), count - next_seq[k])):
                    clients[k].send(b"%06d" % next_seq[k])
                    next_seq[k] += 1
            elif action < 0.55:
                echoes[k].stop_on_recv()
            elif action < 0.7:
                echoes[k].on_recv(echoes[k].send_multipart)
            elif action < 0.85:
                stream = rng.choice([echoes, clients])[k]
                # a paused stream's flush(POLLIN) would drop what it receives
                flag = zmq.POLLIN | zmq.POLLOUT if stream.receiving() else zmq.POLLOUT
                stream.flush(flag, limit=rng.choice([None, 1, 5]))
            else:
                for echo in echoes:  # nothing may stay paused for good
                    echo.on_recv(echo.send_multipart)
                await asyncio.sleep(rng.choice([0, 0, 0.001, 0.01]))
        for k in range(streams):
            assert got[k] == numbered(count), k

    asyncio.run(main())


@pytest.mark.zmqx_only
def test_sends_from_other_threads_go_through_the_loop(zmq, zmqstream, ctx):
    """A stream's socket is used by its loop's thread only: a send from another
    thread is handed over to it, and every message arrives, in each thread's order."""

    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH, transport="inproc")
        out = zmqstream.ZMQStream(push)
        sent = Collector()
        out.on_send(sent)

        def sender(name):
            for m in numbered(500, prefix=name):
                out.send(m)

        threads = [threading.Thread(target=sender, args=(b"t%d-" % k,)) for k in range(3)]
        for t in threads:
            t.start()
        sender(b"loop-")
        inbox = zmqstream.ZMQStream(pull)
        got = Collector()
        inbox.on_recv(lambda msg: got(msg[0]))
        await got.wait(2000)
        for t in threads:
            t.join(WAIT)
        for name in (b"loop-", b"t0-", b"t1-", b"t2-"):
            assert [m for m in got.items if m.startswith(name)] == numbered(500, prefix=name)
        assert len(await sent.wait(2000)) == 2000

    asyncio.run(main())


def test_closing_the_stream_inside_its_callback(zmq, zmqstream, ctx):
    async def main():
        pull, _push = holding(zmq, ctx, numbered(5))
        stream = zmqstream.ZMQStream(pull)
        got = []

        def once(msg):
            got.append(msg)
            stream.close()

        stream.on_recv(once)
        await settle(0.2)
        assert got == [[b"000000"]]
        assert stream.closed() and pull.closed

    asyncio.run(main())


def test_cpu_stays_idle_while_nothing_arrives(zmq, zmqstream, ctx):
    async def main():
        pull, push = pair(zmq, ctx, zmq.PULL, zmq.PUSH)
        out = zmqstream.ZMQStream(ctx.socket(zmq.PUSH))  # sends that can never go
        out.send(b"stuck")
        stream = zmqstream.ZMQStream(pull)
        got = Collector()
        stream.on_recv(got)
        await settle(0.1)
        before = time.process_time()  # this process's CPU seconds
        await asyncio.sleep(1)
        cpu = time.process_time() - before
        assert cpu < 0.2, f"{cpu:.3f} s of CPU while idle for 1 s"
        push.send(b"wake")  # still listening
        assert await got.wait(1) == [[b"wake"]]
        out.close(linger=0)

    asyncio.run(main())

