"""Everyday pyzmq-style messaging: what each call returns, to a type checker."""

from __future__ import annotations

from typing import Any, assert_type

import zmqx as zmq


def request_reply(ctx: zmq.Context) -> None:
    with ctx.socket(zmq.REP) as rep, ctx.socket(zmq.REQ) as req:
        assert_type(rep, zmq.Socket)
        port = rep.bind_to_random_port("tcp://127.0.0.1")
        assert_type(port, int)
        with req.connect(f"tcp://127.0.0.1:{port}") as connected:
            assert_type(connected, zmq.Socket)
            req.send(b"ping")
            request = rep.recv()
            assert_type(request, bytes)
            rep.send(request.replace(b"i", b"o"))
            assert req.recv() == b"pong"


def pipeline(ctx: zmq.Context) -> None:
    push = ctx.socket(zmq.PUSH, linger=0)
    pull = ctx.socket(zmq.PULL, linger=0, rcvtimeo=2000)
    push.bind("inproc://pipeline")
    pull.connect("inproc://pipeline")

    assert_type(push.send(b"job"), None)
    assert_type(push.send_multipart([b"job", b"2"]), zmq.MessageTracker | None)
    assert_type(pull.recv(), bytes)
    parts = pull.recv_multipart()
    assert_type(parts, list[bytes])
    assert parts == [b"job", b"2"]

    push.send_string("héllo")
    assert_type(pull.recv_string(), str)
    push.send_json({"n": 1})
    reply: dict[str, Any] = pull.recv_json()
    assert reply["n"] == 1
    push.send_pyobj((1, "two"))
    obj = pull.recv_pyobj()
    assert obj == (1, "two")

    push.send(b"x", zmq.SNDMORE)
    push.send(b"y")
    assert_type(pull.recv(zmq.NOBLOCK), bytes)
    assert pull.getsockopt(zmq.RCVMORE) == 1
    assert pull.recv(flags=zmq.DONTWAIT) == b"y"
    try:
        pull.recv(zmq.NOBLOCK)
    except zmq.Again as e:
        assert_type(e.errno, int | None)
    push.close()
    pull.close()


def options(ctx: zmq.Context) -> None:
    sock = ctx.socket(zmq.ROUTER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.set(zmq.IDENTITY, b"router-1")
    sock.setsockopt_string(zmq.ROUTING_ID, "router-1")
    sock.rcvhwm = 10  # options as attributes
    sock.linger = 0
    sock.bind("inproc://options")

    linger = sock.getsockopt(zmq.LINGER)
    assert_type(linger, int)
    identity = sock.get(zmq.IDENTITY)
    assert_type(identity, bytes)
    endpoint = sock.getsockopt(zmq.LAST_ENDPOINT).decode()
    assert endpoint == "inproc://options"
    assert_type(sock.getsockopt_string(zmq.LAST_ENDPOINT), str)
    assert_type(sock.hwm, int)
    assert_type(sock.type, zmq.SocketType)
    kind: zmq.SocketType = zmq.ROUTER
    assert sock.type == kind
    events = sock.poll(0, zmq.POLLIN | zmq.POLLOUT)
    assert_type(events, int)
    assert_type(sock.closed, bool)
    sock.close(linger=0)


def subscriptions(ctx: zmq.Context) -> None:
    pub = ctx.socket(zmq.PUB, linger=0)
    sub = ctx.socket(zmq.SUB, linger=0)
    pub.bind("inproc://weather")
    sub.connect("inproc://weather")
    sub.subscribe(b"weather")
    sub.setsockopt(zmq.SUBSCRIBE, b"news")
    sub.unsubscribe("news")
    for _ in range(100):
        pub.send_multipart([b"weather", b"sunny"])
        if sub.poll(10):
            topic, body = sub.recv_multipart()
            assert_type(topic, bytes)
            assert body == b"sunny"
            break
    pub.close()
    sub.close()


def main() -> None:
    ctx = zmq.Context()
    request_reply(ctx)
    pipeline(ctx)
    options(ctx)
    subscriptions(ctx)
    ctx.term()


if __name__ == "__main__":
    main()
