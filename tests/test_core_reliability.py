"""Reliability loops: short by default, ``--soak`` multiplies them."""

from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.timeout(10)


def test_ordered_stream(ctx, zmq, pair, transport, soak):
    push, pull = pair(ctx, zmq.PUSH, zmq.PULL, transport)
    n = 2000 * soak
    errors = []

    def produce():
        try:
            for i in range(n):
                push.send_multipart([b"seq", i.to_bytes(4, "little"), b"x" * (i % 300)])
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=produce, daemon=True)
    t.start()
    pull.rcvtimeo = 5000
    for i in range(n):
        tag, seq, body = pull.recv_multipart()
        assert tag == b"seq"
        assert int.from_bytes(seq, "little") == i
        assert body == b"x" * (i % 300)
    t.join(5)
    assert not errors


def test_socket_churn(ctx, zmq, endpoints, soak):
    server = ctx.socket(zmq.ROUTER)
    server.linger = 0
    port = server.bind_to_random_port("tcp://127.0.0.1")
    inproc = endpoints.inproc()
    server.bind(inproc)
    for i in range(60 * soak):
        c = ctx.socket(zmq.DEALER)
        c.linger = 0
        c.connect(inproc if i % 2 else f"tcp://127.0.0.1:{port}")
        c.send(str(i).encode())
        assert server.poll(2000)
        ident, body = server.recv_multipart()
        assert body == str(i).encode()
        server.send_multipart([ident, b"ack"])
        assert c.poll(2000)
        assert c.recv() == b"ack"
        c.close()


def test_context_churn(zmq, soak):
    for _ in range(20 * soak):
        c = zmq.Context()
        a = c.socket(zmq.PAIR)
        b = c.socket(zmq.PAIR)
        a.bind("inproc://churn")
        b.connect("inproc://churn")
        a.send(b"x")
        assert b.recv() == b"x"
        if _ % 2:
            c.destroy(linger=0)
        else:
            a.close()
            b.close()
            c.term()
        assert c.closed


def test_hwm_backpressure_then_drain(ctx, zmq, endpoints, transport):
    push = ctx.socket(zmq.PUSH)
    pull = ctx.socket(zmq.PULL)
    for s in (push, pull):
        s.linger = 0
    push.sndhwm = 10
    pull.rcvhwm = 10
    if transport == "tcp":
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        addr = f"tcp://127.0.0.1:{port}"
    else:
        addr = endpoints.inproc() if transport == "inproc" else endpoints.ipc(zmq)
        pull.bind(addr)
    push.connect(addr)
    # inproc: only the two HWMs buffer; tcp/ipc add kernel buffers, so use
    # big messages there to reach back-pressure quickly
    size = 4 if transport == "inproc" else 64 * 1024
    pad = b"p" * (size - 4)
    if transport != "inproc":
        assert push.poll(2000, zmq.POLLOUT)
    sent = 0
    with pytest.raises(zmq.Again):
        while sent < 2000:
            push.send(sent.to_bytes(4, "little") + pad, zmq.NOBLOCK)
            sent += 1
    if transport == "inproc":
        assert 10 <= sent <= 40
    else:
        assert 10 <= sent < 2000
    for i in range(sent):
        assert pull.poll(2000)
        msg = pull.recv()
        assert int.from_bytes(msg[:4], "little") == i
        assert len(msg) == size
    assert pull.poll(50) == 0
    # space is available again
    push.send(b"more", zmq.NOBLOCK)


def test_many_threads_fan_in(ctx, zmq, endpoints, soak):
    sink = ctx.socket(zmq.PULL)
    sink.linger = 0
    addr = endpoints.inproc()
    sink.bind(addr)
    n_threads, per_thread = 4, 300 * soak
    errors = []

    def worker(k):
        s = ctx.socket(zmq.PUSH)
        try:
            s.connect(addr)
            for i in range(per_thread):
                s.send_multipart([str(k).encode(), str(i).encode()])
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            s.close(linger=5000)

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(n_threads)]
    for t in threads:
        t.start()
    last = {k: -1 for k in range(n_threads)}
    sink.rcvtimeo = 5000
    for _ in range(n_threads * per_thread):
        k, i = sink.recv_multipart()
        k, i = int(k), int(i)
        assert i == last[k] + 1  # per-sender order is kept
        last[k] = i
    for t in threads:
        t.join(5)
    assert not errors
    assert all(v == per_thread - 1 for v in last.values())


@pytest.mark.soak
@pytest.mark.timeout(60)
def test_sustained_req_rep(ctx, zmq, pair, transport):
    rep, req = pair(ctx, zmq.REP, zmq.REQ, transport)
    stop = time.monotonic() + 20
    n = 0

    def serve():
        rep.rcvtimeo = 2000
        try:
            while True:
                rep.send(rep.recv())
        except zmq.Again:
            pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    while time.monotonic() < stop:
        payload = n.to_bytes(8, "little") * (1 + n % 50)
        req.send(payload)
        assert req.poll(2000)
        assert req.recv() == payload
        n += 1
    t.join(5)
    assert n > 1000
