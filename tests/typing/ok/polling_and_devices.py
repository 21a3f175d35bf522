"""Poller, select, proxies, devices, monitoring, errors and the utilities."""

from __future__ import annotations

import threading
from typing import assert_type

import zmqx as zmq
from zmqx.devices import ThreadDevice, ThreadProxy
from zmqx.utils import jsonapi, z85
from zmqx.utils.monitor import parse_monitor_message, recv_monitor_message


def polling(ctx: zmq.Context) -> None:
    push = ctx.socket(zmq.PUSH, linger=0)
    pull = ctx.socket(zmq.PULL, linger=0)
    push.bind("inproc://poll")
    pull.connect("inproc://poll")
    poller = zmq.Poller()
    poller.register(pull, zmq.POLLIN)
    poller.register(push, zmq.POLLOUT)
    push.send(b"ready")
    events = dict(poller.poll(2000))
    if events.get(pull) == zmq.POLLIN:
        assert pull.recv() == b"ready"
    for sock, event in poller.poll(0):
        assert_type(event, int)
        assert sock is push
    poller.unregister(push)

    readable, writable, errored = zmq.select([pull], [push], [pull], timeout=0)
    assert_type(readable, list[zmq.Socket])
    assert writable == [push] and errored == []
    ready = zmq.zmq_poll([(pull, zmq.POLLIN)], timeout=0)
    assert ready == []
    push.close()
    pull.close()


def proxy_in_a_thread(ctx: zmq.Context) -> None:
    frontend = ctx.socket(zmq.ROUTER, linger=0)
    backend = ctx.socket(zmq.DEALER, linger=0)
    frontend.bind("inproc://front")
    backend.bind("inproc://back")

    def run() -> None:
        try:
            zmq.proxy(frontend, backend)
        except zmq.ContextTerminated:
            frontend.close()
            backend.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    worker = ctx.socket(zmq.REP, linger=0)
    worker.connect("inproc://back")
    client = ctx.socket(zmq.REQ, linger=0)
    client.connect("inproc://front")
    client.send_string("hello")
    worker.send_string(worker.recv_string().upper())
    assert client.recv_string() == "HELLO"
    worker.close()
    client.close()


def devices() -> int:
    device: ThreadDevice = ThreadProxy(zmq.PULL, zmq.PUSH, zmq.PUB)
    device.setsockopt_in(zmq.RCVHWM, 100)
    port = device.bind_in_to_random_port("tcp://127.0.0.1")
    assert_type(port, int)
    device.connect_out("inproc://nowhere")
    assert_type(device.done, bool)
    return port


def monitoring(ctx: zmq.Context) -> None:
    sock = ctx.socket(zmq.PUSH, linger=0)
    monitor = sock.get_monitor_socket(zmq.EVENT_LISTENING)
    sock.bind("tcp://127.0.0.1:*")
    event = recv_monitor_message(monitor)
    assert event["event"] == zmq.EVENT_LISTENING
    assert_type(event["endpoint"], bytes)
    assert_type(parse_monitor_message([b"\0" * 6, b"tcp://x"])["value"], int)
    sock.disable_monitor()
    monitor.close()
    sock.close()


def utilities() -> None:
    public, secret = zmq.curve_keypair()
    assert_type(public, bytes)
    assert zmq.curve_public(secret) == public
    raw = z85.decode(public)
    assert z85.encode(raw) == public
    assert jsonapi.loads(jsonapi.dumps({"a": [1]})) == {"a": [1]}
    assert_type(zmq.zmq_version_info(), tuple[int, int, int])
    assert_type(zmq.has("curve"), bool)
    assert_type(zmq.DRAFT_API, bool)
    try:
        zmq.Context.instance().socket(-1)
    except zmq.ZMQError as e:
        assert_type(e.strerror, str)
        assert e.errno == zmq.EINVAL


def main() -> None:
    ctx = zmq.Context()
    polling(ctx)
    proxy_in_a_thread(ctx)
    monitoring(ctx)
    utilities()
    ctx.term()
    assert devices() > 0


if __name__ == "__main__":
    main()
