"""zmq.proxy and zmq.device."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.timeout(10)


def _run_until_term(fn, *socks):
    """Thread body: run a blocking device, then close its sockets."""
    try:
        fn()
    finally:
        for s in socks:
            s.close(linger=0)


def test_proxy_push_pull(zmq, bg, endpoints):
    c = zmq.Context()
    front = c.socket(zmq.PULL)
    back = c.socket(zmq.PUSH)
    front.bind(endpoints.inproc() + "f")
    back.bind("tcp://127.0.0.1:0")
    fe, be = front.last_endpoint.decode(), back.last_endpoint.decode()
    t = bg(_run_until_term, lambda: zmq.proxy(front, back), front, back)
    src = c.socket(zmq.PUSH)
    dst = c.socket(zmq.PULL)
    src.connect(fe)
    dst.connect(be)
    for i in range(20):
        src.send_multipart([b"part", str(i).encode()])
    got = []
    while len(got) < 20 and dst.poll(2000):
        got.append(dst.recv_multipart())
    assert got == [[b"part", str(i).encode()] for i in range(20)]
    src.close(linger=0)
    dst.close(linger=0)
    c.term()  # stops the proxy
    t.join(5)
    assert not t.is_alive()
    assert isinstance(t.exc, zmq.ContextTerminated)


def test_proxy_router_dealer_both_ways(zmq, bg):
    c = zmq.Context()
    front = c.socket(zmq.ROUTER)
    back = c.socket(zmq.DEALER)
    front.bind("inproc://rd-front")
    back.bind("inproc://rd-back")
    t = bg(_run_until_term, lambda: zmq.proxy(front, back), front, back)
    clients = [c.socket(zmq.REQ) for _ in range(3)]
    for cl in clients:
        cl.connect("inproc://rd-front")
    worker = c.socket(zmq.REP)
    worker.connect("inproc://rd-back")
    for i, cl in enumerate(clients):
        cl.send_string(f"ping {i}")
    for _ in clients:
        assert worker.poll(2000)
        msg = worker.recv_string()
        worker.send_string(msg.replace("ping", "pong"))
    for i, cl in enumerate(clients):
        assert cl.poll(2000)
        assert cl.recv_string() == f"pong {i}"
    for s in clients + [worker]:
        s.close(linger=0)
    c.term()
    t.join(5)
    assert not t.is_alive()
    assert isinstance(t.exc, zmq.ContextTerminated)


def test_proxy_with_capture(zmq, bg):
    c = zmq.Context()
    front = c.socket(zmq.PULL)
    back = c.socket(zmq.PUSH)
    cap = c.socket(zmq.PUSH)
    front.bind("inproc://cap-in")
    back.bind("inproc://cap-out")
    cap.bind("inproc://cap-cap")
    cap_reader = c.socket(zmq.PULL)
    cap_reader.connect("inproc://cap-cap")
    t = bg(_run_until_term, lambda: zmq.proxy(front, back, cap), front, back, cap)
    src = c.socket(zmq.PUSH)
    dst = c.socket(zmq.PULL)
    src.connect("inproc://cap-in")
    dst.connect("inproc://cap-out")
    src.send_multipart([b"a", b"b"])
    assert dst.poll(2000)
    assert dst.recv_multipart() == [b"a", b"b"]
    assert cap_reader.poll(2000)
    assert cap_reader.recv_multipart() == [b"a", b"b"]
    for s in (src, dst, cap_reader):
        s.close(linger=0)
    c.term()
    t.join(5)
    assert isinstance(t.exc, zmq.ContextTerminated)


def test_device_queue(zmq, bg):
    assert (int(zmq.QUEUE), int(zmq.FORWARDER), int(zmq.STREAMER)) == (3, 2, 1)
    c = zmq.Context()
    a = c.socket(zmq.PULL)
    b = c.socket(zmq.PUSH)
    a.bind("inproc://dev-in")
    b.bind("inproc://dev-out")
    t = bg(_run_until_term, lambda: zmq.device(zmq.QUEUE, a, b), a, b)
    src = c.socket(zmq.PUSH)
    dst = c.socket(zmq.PULL)
    src.connect("inproc://dev-in")
    dst.connect("inproc://dev-out")
    src.send_multipart([b"1", b"2"])
    assert dst.poll(2000)
    assert dst.recv_multipart() == [b"1", b"2"]
    src.close(linger=0)
    dst.close(linger=0)
    c.term()
    t.join(5)
    assert not t.is_alive()
    assert isinstance(t.exc, zmq.ContextTerminated)


def test_capture_sees_each_message_once_under_backpressure(zmq, bg):
    """With a slow consumer the proxy holds parts until there is room; the capture
    socket still gets every message exactly once, whole and in order."""
    c = zmq.Context()
    front, back, capture = c.socket(zmq.PULL), c.socket(zmq.PUSH), c.socket(zmq.PUSH)
    back.sndhwm = 1
    front.bind("inproc://bp-front")
    back.bind("inproc://bp-back")
    capture.bind("inproc://bp-capture")
    tap = c.socket(zmq.PULL)
    tap.connect("inproc://bp-capture")
    t = bg(_run_until_term, lambda: zmq.proxy(front, back, capture), front, back, capture)
    src = c.socket(zmq.PUSH)
    src.connect("inproc://bp-front")
    dst = c.socket(zmq.PULL)
    dst.rcvhwm = 1
    dst.connect("inproc://bp-back")
    sent = [[b"head", str(i).encode(), b"tail"] for i in range(300)]
    for message in sent:
        src.send_multipart(message)
    got = []
    while len(got) < len(sent) and dst.poll(5000):
        got.append(dst.recv_multipart())
        if len(got) % 50 == 0:
            time.sleep(0.02)  # let the proxy run into the full pipe
    assert got == sent
    tapped = []
    while len(tapped) < len(sent) and tap.poll(5000):
        tapped.append(tap.recv_multipart())
    assert tapped == sent
    assert not tap.poll(100)
    for s in (src, dst, tap):
        s.close(linger=0)
    c.term()
    t.join(5)
    assert not t.is_alive()
