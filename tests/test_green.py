"""gevent-specific behaviour of zmqx.green (the behaviour shared with the other
flavours runs in tests/test_flavoured.py): greenlets waiting side by side, kills
and timeouts of waiting greenlets, closing under waiters, the cooperative
Poller/select/device/proxy, threads with their own hubs, idle CPU, Ctrl-C."""

from __future__ import annotations

import importlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import pytest
from conftest import term_returns_after

gevent = pytest.importorskip("gevent")

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def green(zmq):
    """The green module of the implementation under test (zmqx.green, zmq.green)."""
    return importlib.import_module(f"{zmq.__name__}.green")


@pytest.fixture
def gctx(green):
    ctx = green.Context()
    yield ctx
    ctx.destroy(linger=0)


def sock(ctx, kind, **options):
    """A socket of ctx with linger=0 and options (pyzmq's socket() takes none)."""
    s = ctx.socket(kind)
    s.linger = 0
    for name, value in options.items():
        setattr(s, name, value)
    return s


def pair(ctx, green, kind_a="PAIR", kind_b="PAIR", transport="inproc", **options):
    """a (bound) and b (connected), both with options."""
    a = sock(ctx, getattr(green, kind_a), **options)
    b = sock(ctx, getattr(green, kind_b), **options)
    if transport == "tcp":
        port = a.bind_to_random_port("tcp://127.0.0.1")
        b.connect(f"tcp://127.0.0.1:{port}")
    else:
        addr = f"inproc://green-{random.getrandbits(64):x}"
        a.bind(addr)
        b.connect(addr)
    return a, b


def in_greenlet(fn, *args, timeout=30):
    """Run fn(*args) in a greenlet of this thread's hub and return its result."""
    return gevent.spawn(fn, *args).get(timeout=timeout)


# ---- the namespace -------------------------------------------------------------


def test_namespace_is_zmqx_with_green_classes(zmq, green):
    assert sorted(green.__all__) == sorted(zmq.__all__)
    for name in zmq.__all__:
        assert hasattr(green, name), name
    assert issubclass(green.Socket, zmq.Socket)
    assert issubclass(green.Context, zmq.Context)
    assert issubclass(green.Poller, zmq.Poller)
    assert green.Context._socket_class is green.Socket
    # pyzmq's module layout
    core = importlib.import_module(f"{zmq.__name__}.green.core")
    poll = importlib.import_module(f"{zmq.__name__}.green.poll")
    device = importlib.import_module(f"{zmq.__name__}.green.device")
    assert core._Socket is green.Socket and core._Context is green.Context
    assert poll._Poller is green.Poller
    assert device.device is green.device


def test_context_instance_is_its_own(zmq, green):
    ctx = green.Context.instance()
    try:
        assert type(ctx) is green.Context
        assert ctx is green.Context.instance()
        assert zmq.Context.instance() is not ctx
        s = ctx.socket(zmq.PAIR)
        assert isinstance(s, green.Socket)
        s.close()
    finally:
        ctx.term()


def test_socket_and_context_shadow_a_sync_one(zmq, green):
    sync_ctx = zmq.Context()
    try:
        ctx = green.Context(sync_ctx)
        a = sock(sync_ctx, zmq.PAIR)
        a.bind("inproc://shadowed")
        b = sock(ctx, zmq.PAIR)
        b.connect("inproc://shadowed")
        got = gevent.spawn(b.recv)
        gevent.sleep(0.01)
        a.send(b"through a shadowed context")
        assert got.get(timeout=5) == b"through a shadowed context"
        b.close()
        a.close()
    finally:
        sync_ctx.destroy(linger=0)


@pytest.mark.zmqx_only
def test_install_as_zmq_gives_zmq_green():
    program = textwrap.dedent("""
        import zmqx
        zmqx.install_as_zmq()
        import zmq.green as zmq
        import zmqx.green
        assert zmq is zmqx.green, zmq
        import zmq.green.core, zmq.green.poll, zmq.green.device
        assert sys.modules["zmq.green.core"] is sys.modules["zmqx.green.core"]
        import gevent
        ctx = zmq.Context()
        a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
        a.bind("inproc://x"); b.connect("inproc://x")
        g = gevent.spawn(b.recv)
        a.send(b"ok")
        print(g.get(timeout=5).decode())
        ctx.destroy(linger=0)
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-c", "import sys\n" + program],
                          capture_output=True, text=True, timeout=50, cwd=root, check=False,
                          env=dict(os.environ, PYTHONPATH=root))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


# ---- waiting greenlets ----------------------------------------------------------


@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_blocked_recv_lets_other_greenlets_run(green, gctx, transport):
    a, b = pair(gctx, green, transport=transport)
    ticks = []

    def ticker():
        for i in range(50):
            ticks.append(i)
            gevent.sleep(0.001)
        a.send(b"done ticking")

    receiver = gevent.spawn(b.recv)
    gevent.spawn(ticker)
    assert receiver.get(timeout=10) == b"done ticking"
    assert ticks == list(range(50))  # every tick ran while recv waited


def test_blocked_send_lets_other_greenlets_run(green, gctx):
    push = sock(gctx, green.PUSH, sndhwm=1)
    pull = sock(gctx, green.PULL, rcvhwm=1)
    push.bind("inproc://full-green")
    pull.connect("inproc://full-green")

    def sender():
        for i in range(200):
            push.send(b"%d" % i)

    sending = gevent.spawn(sender)
    gevent.sleep(0.05)
    assert not sending.ready()  # blocked on the high-water mark, yet we run
    got = [pull.recv() for _ in range(200)]
    assert got == [b"%d" % i for i in range(200)]
    sending.get(timeout=5)


@pytest.mark.zmqx_only
def test_many_waiters_on_one_socket_are_served_in_order(green, gctx):
    # pyzmq's zmq.green allows one waiting greenlet per socket and direction
    a, b = pair(gctx, green)
    order = []

    def receiver(i):
        order.append((i, b.recv()))

    greenlets = [gevent.spawn(receiver, i) for i in range(10)]
    gevent.sleep(0.01)
    for i in range(10):
        a.send(b"%d" % i)
    gevent.joinall(greenlets, timeout=10, raise_error=True)
    assert order == [(i, b"%d" % i) for i in range(10)]


@pytest.mark.zmqx_only
def test_killed_waiter_loses_nothing(green, gctx):
    a, b = pair(gctx, green)
    waiting = gevent.spawn(b.recv)
    gevent.sleep(0.01)
    waiting.kill(block=True)
    a.send(b"for whoever receives next")
    assert in_greenlet(b.recv) == b"for whoever receives next"


@pytest.mark.zmqx_only
def test_message_received_for_a_killed_greenlet_goes_back(zmq, green, gctx):
    # The window: the watcher has received a message for a waiting greenlet, which
    # is killed before it runs again. The message must be the next one received.
    from zmqx._core._core import watcher_of

    a, b = pair(gctx, green, "DEALER", "DEALER")
    waiting = gevent.spawn(b.recv_multipart)
    gevent.sleep(0.01)
    a.send_multipart([b"1", b"whole"])
    a.send_multipart([b"2", b"after"])
    while not b.poll(0):  # until libzmq has it (a poll of a ready socket does not wait)
        time.sleep(0.001)
    # the kill is scheduled first, then the watcher completes the waiter's receive
    # (which schedules its wake-up, behind the kill): killed holding a message
    waiting.kill(block=False)
    watcher_of(b).serve()
    waiting.join(timeout=5)
    assert waiting.dead and isinstance(waiting.value, gevent.GreenletExit)
    assert in_greenlet(b.recv_multipart) == [b"1", b"whole"]
    assert in_greenlet(b.recv_multipart) == [b"2", b"after"]


@pytest.mark.zmqx_only
@pytest.mark.parametrize("copy", [True, False])
def test_given_back_message_read_a_part_at_a_time(zmq, green, gctx, copy):
    # A whole message received for a killed greenlet goes back; reading it again a
    # part at a time, RCVMORE (and Frame.more) describe the given-back parts.
    from zmqx._core._core import watcher_of

    a, b = pair(gctx, green, "DEALER", "DEALER")
    waiting = gevent.spawn(b.recv_multipart)
    gevent.sleep(0.01)
    a.send_multipart([b"1", b"2", b"3"])
    a.send_multipart([b"next"])
    while not b.poll(0):
        time.sleep(0.001)
    waiting.kill(block=False)
    watcher_of(b).serve()
    waiting.join(timeout=5)
    parts, more = [], []
    while True:
        part = b.recv(copy=copy)
        parts.append(part if copy else part.bytes)
        more.append(b.rcvmore)
        if not copy:
            assert part.more == more[-1]
        if not more[-1]:
            break
    assert parts == [b"1", b"2", b"3"] and more == [True, True, False]
    assert b.recv() == b"next" and not b.rcvmore


@pytest.mark.zmqx_only
def test_timed_out_waiters_lose_nothing(green, gctx):
    a, b = pair(gctx, green)
    for _ in range(20):
        with pytest.raises(gevent.Timeout), gevent.Timeout(0.001):
            b.recv()
    a.send(b"still here")
    assert in_greenlet(b.recv) == b"still here"


@pytest.mark.zmqx_only
def test_rcvtimeo_and_gevent_timeout_together(green, gctx):
    _a, b = pair(gctx, green)
    b.rcvtimeo = 20
    t0 = time.monotonic()
    with pytest.raises(green.Again):
        in_greenlet(b.recv)
    assert time.monotonic() - t0 < 5
    b.rcvtimeo = -1
    with pytest.raises(gevent.Timeout), gevent.Timeout(0.02):
        b.recv()


def test_close_wakes_waiting_greenlet_with_an_error(zmq, green, gctx):
    _a, b = pair(gctx, green)
    waiting = gevent.spawn(b.recv)
    gevent.sleep(0.01)
    gevent.spawn(b.close).join(timeout=5)
    with pytest.raises(zmq.ZMQError) as info:
        waiting.get(timeout=5)
    assert info.value.errno == zmq.ENOTSOCK


@pytest.mark.zmqx_only
def test_destroy_wakes_every_waiter(zmq, green):
    ctx = green.Context()
    socks = [ctx.socket(zmq.PULL) for _ in range(5)]
    for i, s in enumerate(socks):
        s.bind(f"inproc://destroyed-{i}")
    waiting = [gevent.spawn(s.recv) for s in socks] + [gevent.spawn(s.poll, None) for s in socks]
    gevent.sleep(0.01)
    ctx.destroy(linger=0)
    gevent.joinall(waiting, timeout=5)
    for g in waiting:
        assert g.ready()
        assert isinstance(g.exception, zmq.ContextTerminated)  # as for a blocking call


# ---- the stress test: many greenlets, many sockets, random cancellations ----------


@pytest.mark.zmqx_only
@pytest.mark.timeout(120)
@pytest.mark.parametrize("transport", ["inproc", "tcp"])
def test_stress_nothing_lost_duplicated_or_split(green, gctx, transport, soak):
    rng = random.Random(8)
    nsockets, per_socket, receivers = 6, 300 * soak, 3
    # small high-water marks: senders wait too
    pairs = [pair(gctx, green, "DEALER", "DEALER", transport, sndhwm=5, rcvhwm=5)
             for _ in range(nsockets)]
    got: dict[int, list[int]] = {i: [] for i in range(nsockets)}
    cancelled = [0]

    def sender(i):
        a = pairs[i][0]
        for seq in range(per_socket):
            a.send_multipart([b"%d" % i, b"%d" % seq, b"x" * (seq % 50)])
            if rng.random() < 0.05:
                gevent.sleep(0)

    def receiver(i, per_part):
        b = pairs[i][1]
        while len(got[i]) < per_socket:
            try:
                with gevent.Timeout(rng.choice([0.0001, 0.001, 0.01, None])):
                    msg = receive_parts(b) if per_part else receive_multipart(b)
            except gevent.Timeout:
                cancelled[0] += 1
                continue
            sock, seq, payload = msg
            assert int(sock) == i and payload == b"x" * (int(seq) % 50), msg
            got[i].append(int(seq))

    def receive_multipart(b):
        if rng.random() < 0.5:
            return b.recv_multipart()
        return [frame.bytes for frame in b.recv_multipart(copy=False)]

    def receive_parts(b):
        # one part at a time, the first waiting: the rest must follow, whole
        parts = [b.recv()]
        while b.rcvmore:
            parts.append(b.recv(green.DONTWAIT))
        return parts

    senders = [gevent.spawn(sender, i) for i in range(nsockets)]
    # several receivers of whole messages per socket; the last socket has a single
    # receiver taking a part at a time (parts of a message cannot be shared out)
    receivers_ = [gevent.spawn(receiver, i, False)
                  for i in range(nsockets - 1) for _ in range(receivers)]
    receivers_.append(gevent.spawn(receiver, nsockets - 1, True))
    gevent.joinall(senders, timeout=100, raise_error=True)
    assert all(g.successful() for g in senders), "senders stalled"
    deadline = time.monotonic() + 30
    while sum(map(len, got.values())) < nsockets * per_socket and time.monotonic() < deadline:
        gevent.sleep(0.01)
        for g in receivers_:
            if g.dead and g.exception is not None:
                raise g.exception
    gevent.killall(receivers_)  # those still waiting for more: there is none
    for i in range(nsockets - 1):
        # receivers side by side: a message given back by a cancelled one comes
        # after those already handed to the others, so only the set is certain
        assert sorted(got[i]) == list(range(per_socket)), f"socket {i}: lost or duplicated"
    assert got[nsockets - 1] == list(range(per_socket)), "lost, duplicated or reordered"
    assert cancelled[0] > 0  # the test did cancel waiting receives


# ---- Poller, select, device, proxy ----------------------------------------------


def test_poller_waits_cooperatively_for_sockets_and_fds(zmq, green, gctx):
    a, b = pair(gctx, green)
    r, w = os.pipe()
    try:
        poller = green.Poller()
        poller.register(b, zmq.POLLIN)
        poller.register(r, zmq.POLLIN)
        polling = gevent.spawn(poller.poll, 5000)
        gevent.sleep(0.01)
        assert not polling.ready()
        a.send(b"wake")
        assert polling.get(timeout=5) == [(b, zmq.POLLIN)]
        b.recv()
        polling = gevent.spawn(poller.poll, 5000)
        gevent.sleep(0.01)
        os.write(w, b"!")
        assert polling.get(timeout=5) == [(r, zmq.POLLIN)]
        t0 = time.monotonic()
        os.read(r, 1)
        assert in_greenlet(poller.poll, 30) == []
        assert time.monotonic() - t0 < 5
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.zmqx_only
def test_poller_sees_a_socket_closed_meanwhile(zmq, green, gctx):
    _a, b = pair(gctx, green)
    poller = green.Poller()
    poller.register(b, zmq.POLLIN)
    polling = gevent.spawn(poller.poll)
    gevent.sleep(0.01)
    b.close()
    with pytest.raises(zmq.ZMQError):
        polling.get(timeout=5)


@pytest.mark.zmqx_only
def test_select_waits_cooperatively(zmq, green, gctx):
    # pyzmq's zmq.green.select is the blocking one (it would block the hub here)
    a, b = pair(gctx, green)
    gevent.spawn_later(0.02, a.send, b"x")
    assert in_greenlet(green.select, [b], [], [], 5) == ([b], [], [])
    assert in_greenlet(green.select, [], [a], [], 0) == ([], [a], [])


def test_device_forwards_in_a_greenlet(zmq, green, gctx):
    front = sock(gctx, zmq.ROUTER)
    back = sock(gctx, zmq.DEALER)
    front.bind("inproc://device-front")
    back.bind("inproc://device-back")
    client = sock(gctx, zmq.REQ)
    worker = sock(gctx, zmq.REP)
    client.connect("inproc://device-front")
    worker.connect("inproc://device-back")
    device = gevent.spawn(green.device, zmq.QUEUE, front, back)

    def serve():
        for _ in range(20):
            worker.send(worker.recv().upper())

    serving = gevent.spawn(serve)
    for i in range(20):
        client.send(b"req %d" % i)
        assert client.recv() == b"REQ %d" % i
    serving.get(timeout=5)
    device.kill(block=True)


@pytest.mark.zmqx_only
def test_proxy_steerable_obeys_its_control_socket(zmq, green, gctx):
    front, back, control_in, control = (sock(gctx, t) for t in
                                        (zmq.PULL, zmq.PUSH, zmq.REP, zmq.REQ))
    front.bind("inproc://ps-front")
    back.bind("inproc://ps-back")
    control_in.bind("inproc://ps-control")
    control.connect("inproc://ps-control")
    source = sock(gctx, zmq.PUSH)
    sink = sock(gctx, zmq.PULL)
    source.connect("inproc://ps-front")
    sink.connect("inproc://ps-back")
    proxying = gevent.spawn(green.proxy_steerable, front, back, None, control_in)
    for i in range(10):
        source.send_multipart([b"%d" % i, b"abc"])
    assert [sink.recv_multipart() for _ in range(10)] == [[b"%d" % i, b"abc"] for i in range(10)]
    control.send(b"STATISTICS")
    stats = [int.from_bytes(f, sys.byteorder) for f in control.recv_multipart()]
    assert stats[:2] == [20, 10 + 30]  # frames, bytes in at the front
    assert stats[6:] == [20, 40]  # and out at the back
    control.send(b"PAUSE")
    assert control.recv() == b""
    source.send(b"held")
    assert sink.poll(100) == 0
    control.send(b"RESUME")
    assert control.recv() == b""
    assert sink.recv() == b"held"
    control.send(b"TERMINATE")
    assert control.recv() == b""
    assert proxying.get(timeout=5) == 0


# ---- threads, idle CPU, Ctrl-C ----------------------------------------------------


def test_threads_with_their_own_hubs(zmq, green, gctx):
    results = {}

    def thread_main(n):
        a, b = pair(gctx, green)
        receiver = gevent.spawn(lambda: [b.recv() for _ in range(100)])
        for i in range(100):
            a.send(b"%d-%d" % (n, i))
        results[n] = receiver.get(timeout=20)
        a.close()
        b.close()

    threads = [threading.Thread(target=thread_main, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {n: [b"%d-%d" % (n, i) for i in range(100)] for n in range(4)}


@pytest.mark.zmqx_only
def test_a_socket_moves_to_another_threads_hub(zmq, green, gctx):
    a, b = pair(gctx, green)
    a.send(b"first")
    assert in_greenlet(b.recv) == b"first"
    moved = []

    def elsewhere():
        receiver = gevent.spawn(b.recv)
        gevent.sleep(0.01)
        a.send(b"second")  # a used from this thread's hub now too
        moved.append(receiver.get(timeout=10))

    t = threading.Thread(target=elsewhere)
    t.start()
    t.join(20)
    assert moved == [b"second"]


def test_cpu_idle_while_waiting(green, gctx):
    _a, b = pair(gctx, green, transport="tcp")
    waiting = gevent.spawn(b.recv)
    cpu0, t0 = time.process_time(), time.monotonic()
    gevent.sleep(1.0)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - t0
    assert not waiting.ready()
    assert cpu < 0.25 * wall, f"{cpu:.2f}s of CPU in {wall:.2f}s of waiting"
    waiting.kill()


@pytest.mark.parametrize("impl", ["zmqx", "zmq"])
def test_ctrl_c_interrupts_a_waiting_greenlet(impl):
    pytest.importorskip(impl)
    program = textwrap.dedent(f"""
        import sys
        import {impl}.green as zmq
        ctx = zmq.Context()
        s = ctx.socket(zmq.PULL)
        s.linger = 0
        s.bind("inproc://nothing")
        print("waiting", flush=True)
        try:
            s.recv()
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            s.close()
            ctx.term()
            sys.exit(0)
        sys.exit(1)
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=root,
                            env=dict(os.environ, PYTHONPATH=root))
    try:
        assert proc.stdout.readline().strip() == "waiting"
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.strip() == "interrupted"


# ---- zmqx.green.eventloop ---------------------------------------------------------


def test_green_eventloop_modules(zmq, green, gctx):
    pytest.importorskip("tornado")
    import asyncio

    from tornado.ioloop import IOLoop

    eventloop = importlib.import_module(f"{zmq.__name__}.green.eventloop")
    zmqstream = importlib.import_module(f"{zmq.__name__}.green.eventloop.zmqstream")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the ioloop module is
        ioloop = importlib.import_module(f"{zmq.__name__}.green.eventloop.ioloop")
    assert eventloop.IOLoop is IOLoop and ioloop.IOLoop is IOLoop
    a, b = pair(gctx, green)
    got = []

    async def main():
        stream = zmqstream.ZMQStream(b)
        stream.on_recv(got.append)
        a.send_multipart([b"to", b"the stream"])
        for _ in range(500):
            if got:
                break
            await asyncio.sleep(0.01)
        stream.close()

    loop = IOLoop(make_current=False)
    try:
        loop.run_sync(main, timeout=10)
    finally:
        loop.close()
    assert got == [[b"to", b"the stream"]]


@pytest.mark.zmqx_only
def test_close_from_another_thread_wakes_the_waiting_greenlet(zmq, green, gctx):
    _a, b = pair(gctx, green)
    b.rcvtimeo = 60_000  # a timer to stop too
    waiting = gevent.spawn(b.recv)
    gevent.sleep(0.01)
    closer = threading.Thread(target=b.close)
    closer.start()
    with pytest.raises(zmq.ZMQError) as info:
        waiting.get(timeout=10)
    closer.join(5)
    assert info.value.errno == zmq.ENOTSOCK
    gevent.sleep(0.01)  # the hub frees the watchers closed for the other thread


@pytest.mark.zmqx_only  # pyzmq's green sockets are never finalized (tests/flavours.py)
def test_a_socket_dropped_after_its_waiter_was_killed_is_finalized_at_once(green):
    """The killed greenlet's receive lets go of its socket: dropped unclosed, the
    socket is finalized by reference counting, and Context.term() returns."""
    ctx = green.Context()

    def drop_after_a_killed_receive():
        pull = ctx.socket(green.PULL)
        pull.bind("inproc://dropped-after-kill")
        waiting = gevent.spawn(pull.recv)
        gevent.sleep(0.01)
        waiting.kill(block=True)

    assert term_returns_after(ctx, drop_after_a_killed_receive), \
        "term() waits for a dropped socket"


def _fill(push, green):
    """Send to push until its HWM refuses more."""
    while True:
        try:
            push.send(b"filler", green.NOBLOCK)
        except green.Again:
            return


@pytest.mark.zmqx_only
@pytest.mark.parametrize("interruption", ["timeout", "kill"])
def test_a_send_that_completed_is_reported_as_sent(zmq, green, gctx, interruption):
    # The window: the watcher completes a waiting greenlet's send, and a timeout
    # or a kill reaches the greenlet before it runs again. The send happened: a
    # timeout must not say otherwise (a program retrying on Timeout would send it
    # twice); a kill still ends the greenlet, at its next switch, once sent.
    from zmqx._core._core import watcher_of

    pull, push = pair(gctx, green, "PULL", "PUSH", sndhwm=1, rcvhwm=1)
    _fill(push, green)
    outcome = []

    def send_once():
        try:
            push.send(b"precious")
            outcome.append("sent")
        except gevent.Timeout:
            outcome.append("timed out")
        gevent.sleep(0.01)  # where a kill delivered again ends it
        outcome.append("went on")

    sending = gevent.spawn(send_once)
    gevent.sleep(0.01)  # it waits in send
    drained = []
    while True:
        try:
            drained.append(pull.recv(green.NOBLOCK))
        except green.Again:
            break
    while not push.poll(0, green.POLLOUT):  # until libzmq takes a message again
        time.sleep(0.001)
    if interruption == "timeout":
        sending.kill(gevent.Timeout(), block=False)
    else:
        sending.kill(block=False)
    watcher_of(push).serve()  # completes the send; the wake-up is behind the kill
    sending.join(timeout=5)
    assert sending.dead
    received = drained + [in_greenlet(pull.recv, timeout=5)]
    while in_greenlet(pull.poll, 200):
        received.append(in_greenlet(pull.recv))
    assert received.count(b"precious") == 1
    if interruption == "timeout":
        assert outcome == ["sent", "went on"]
    else:
        assert outcome == ["sent"] and isinstance(sending.value, gevent.GreenletExit)


@pytest.mark.zmqx_only
def test_the_poller_sees_a_message_given_back(zmq, green, gctx):
    from zmqx._core._core import watcher_of

    a, b = pair(gctx, green, "PULL", "PUSH")
    waiting = gevent.spawn(a.recv)
    gevent.sleep(0.01)
    b.send(b"given back")
    while not a.poll(0):
        time.sleep(0.001)
    waiting.kill(block=False)
    watcher_of(a).serve()  # received for the killed greenlet: it goes back
    waiting.join(timeout=5)
    poller = green.Poller()
    poller.register(a, green.POLLIN)
    assert in_greenlet(poller.poll, 2000) == [(a, green.POLLIN)]
    assert in_greenlet(a.recv) == b"given back"


@pytest.mark.parametrize("how", ["set", "attribute"])
def test_timeouts_warn_when_set_or_read(green, gctx, how):
    """RCVTIMEO and SNDTIMEO warn (UserWarning) when set or read through set(), get()
    or attributes, as zmq.green does (gevent ignores them there; zmqx.green applies
    them); setsockopt()/getsockopt() and other options are quiet, as there."""
    s = sock(gctx, green.PULL)
    for option in ("RCVTIMEO", "SNDTIMEO"):
        code = getattr(green, option)
        with pytest.warns(UserWarning, match="TIMEO"):
            if how == "attribute":
                setattr(s, option.lower(), 25)
            else:
                s.set(code, 25)
        with pytest.warns(UserWarning, match="TIMEO"):
            value = getattr(s, option.lower()) if how == "attribute" else s.get(code)
        assert value == 25
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.setsockopt(green.RCVTIMEO, 30)
        assert s.getsockopt(green.RCVTIMEO) == 30
        s.linger = 5
        assert s.linger == 5
