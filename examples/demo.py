"""A short tour of zmqx doing its main job: PUB/SUB, REQ/REP through a proxy,
and a zero-copy send, with the results printed."""

from __future__ import annotations

import threading
import time

import zmqx as zmq


def pub_sub(ctx: zmq.Context) -> None:
    pub = ctx.socket(zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    sub = ctx.socket(zmq.SUB)
    sub.connect(f"tcp://127.0.0.1:{port}")
    sub.subscribe(b"weather")
    sub.rcvtimeo = 2000
    # PUB drops messages until the subscription has arrived: publish until one lands.
    received = None
    for _ in range(200):
        pub.send_multipart([b"weather", b"sunny, 21C"])
        pub.send_multipart([b"traffic", b"jammed"])  # filtered out by the subscription
        if sub.poll(10):
            received = sub.recv_multipart()
            break
    print(f"PUB/SUB over tcp:       subscriber got {received}")
    pub.close()
    sub.close()


def req_rep_through_proxy(ctx: zmq.Context) -> None:
    frontend = ctx.socket(zmq.ROUTER)
    frontend.bind("inproc://front")
    backend = ctx.socket(zmq.DEALER)
    backend.bind("inproc://back")

    def run_proxy() -> None:
        try:
            zmq.proxy(frontend, backend)
        except zmq.ContextTerminated:
            pass
        finally:
            frontend.close(linger=0)
            backend.close(linger=0)

    def worker() -> None:
        rep = ctx.socket(zmq.REP)
        rep.connect("inproc://back")
        try:
            while True:
                request = rep.recv_string()
                rep.send_string(request.upper())
        except zmq.ContextTerminated:
            rep.close(linger=0)

    threading.Thread(target=run_proxy, daemon=True).start()
    threading.Thread(target=worker, daemon=True).start()
    req = ctx.socket(zmq.REQ)
    req.connect("inproc://front")
    start = time.perf_counter()
    replies: list[str] = []
    for word in ("hello", "through", "a", "proxy"):
        req.send_string(word)
        replies.append(req.recv_string())
    elapsed = (time.perf_counter() - start) * 1e6 / 4
    print(f"REQ/REP through proxy:  {replies} ({elapsed:.0f} us per round trip)")
    req.close()


def zero_copy(ctx: zmq.Context) -> None:
    push = ctx.socket(zmq.PUSH)
    push.bind("inproc://zero-copy")
    pull = ctx.socket(zmq.PULL)
    pull.connect("inproc://zero-copy")
    payload = bytearray(b"z" * (8 << 20))  # 8 MiB, never copied on the way
    tracker = push.send(payload, copy=False, track=True)
    frame = pull.recv(copy=False)
    same = frame.buffer[:4].tobytes() == b"zzzz" and len(frame) == len(payload)
    del frame  # the receiver lets go; libzmq can now release our buffer
    tracker.wait(5)
    payload[:4] = b"done"  # safe: the tracker says libzmq no longer reads it
    print(f"zero-copy send:         {len(payload) >> 20} MiB arrived intact={same}, "
          f"tracker done={tracker.done}")
    push.close()
    pull.close()


def main() -> None:
    print(f"zmqx {zmq.__version__} on libzmq {zmq.zmq_version()}")
    ctx = zmq.Context()
    pub_sub(ctx)
    req_rep_through_proxy(ctx)
    zero_copy(ctx)
    ctx.destroy(linger=0)
    print("done")


if __name__ == "__main__":
    main()
