"""The fork scenario of test_fork, run in its own process.

    python _fork_child.py FORKS IPC_DIR

The parent sets up a context with sockets (one with a thread blocked in it, one
with a zero-copy message in flight), then forks FORKS times. Each child tries
every socket and context operation on the parent's objects (each must raise
ZMQError, never abort), then makes Context.instance() (a new, working context)
and does real round trips over tcp and ipc, including to the parent. The child
exits through the normal interpreter exit (atexit hooks and all).
Prints `RESULT {json}`.
"""

from __future__ import annotations

import errno
import faulthandler
import json
import os
import sys
import threading
import time

import zmqx as zmq


def outcome(fn) -> str:
    try:
        fn()
    except zmq.ZMQError as e:
        return f"ZMQError({errno.errorcode.get(e.errno, e.errno)})"
    except BaseException as e:  # noqa: BLE001 - reported: only ZMQError is acceptable
        return f"UNEXPECTED {type(e).__name__}: {e}"
    return "ok"


def child_body(parent_ctx, sockets, pull_endpoint: str, ipc_dir: str) -> dict:
    results = {}
    for name, sock in sockets.items():
        results[f"{name}.send"] = outcome(lambda sock=sock: sock.send(b"x", zmq.DONTWAIT))
        results[f"{name}.recv"] = outcome(lambda sock=sock: sock.recv(zmq.DONTWAIT))
        results[f"{name}.getsockopt"] = outcome(lambda sock=sock: sock.getsockopt(zmq.TYPE))
        results[f"{name}.setsockopt"] = outcome(lambda sock=sock: sock.setsockopt(zmq.LINGER, 0))
        results[f"{name}.bind"] = outcome(lambda sock=sock: sock.bind("inproc://child"))
        results[f"{name}.connect"] = outcome(lambda sock=sock: sock.connect("inproc://child"))
        results[f"{name}.poll"] = outcome(lambda sock=sock: sock.poll(0))

        def poller_poll(sock=sock):
            p = zmq.Poller()
            p.register(sock, zmq.POLLIN)
            p.poll(0)

        results[f"{name}.Poller.poll"] = outcome(poller_poll)
    results["ctx.socket"] = outcome(lambda: parent_ctx.socket(zmq.PAIR))
    results["ctx.get"] = outcome(lambda: parent_ctx.get(zmq.IO_THREADS))
    # closing and terminating what the parent owns is refused silently or with
    # ZMQError, but must never touch the parent's libzmq state
    results["sock.close"] = outcome(lambda: sockets["pair"].close())
    results["ctx.term"] = outcome(parent_ctx.term)

    ctx = zmq.Context.instance()
    results["instance_is_new"] = ctx is not parent_ctx and not ctx.closed
    for transport in ("tcp", "ipc"):
        a = ctx.socket(zmq.PAIR)
        b = ctx.socket(zmq.PAIR)
        a.linger = b.linger = 0
        if transport == "tcp":
            port = a.bind_to_random_port("tcp://127.0.0.1")
            b.connect(f"tcp://127.0.0.1:{port}")
        else:
            addr = f"ipc://{ipc_dir}/child-{os.getpid()}"
            a.bind(addr)
            b.connect(addr)
        b.send(b"ping")
        a.rcvtimeo = 5000
        ok = a.recv() == b"ping"
        a.send(b"pong")
        b.rcvtimeo = 5000
        results[f"round_trip_{transport}"] = ok and b.recv() == b"pong"
        a.close()
        b.close()
    push = ctx.socket(zmq.PUSH)
    push.connect(pull_endpoint)
    push.send(f"from child {os.getpid()}".encode())
    # leave push and the instance open: the child's interpreter exit must cope
    return results


def main() -> None:
    forks, ipc_dir = int(sys.argv[1]), sys.argv[2]
    faulthandler.enable()
    ctx = zmq.Context.instance()
    pull = ctx.socket(zmq.PULL)
    pull.linger = 0
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    pull_endpoint = f"tcp://127.0.0.1:{port}"
    a = ctx.socket(zmq.PAIR)
    b = ctx.socket(zmq.PAIR)
    a.bind("inproc://parent-pair")
    b.connect("inproc://parent-pair")
    # a thread blocked in a socket at the moment of fork
    waiting = ctx.socket(zmq.PULL)
    waiting.bind("inproc://parent-waiting")

    def wait_in_recv():
        try:
            waiting.recv()
        except zmq.ZMQError:
            pass  # closed at the end

    blocked = threading.Thread(target=wait_in_recv, daemon=True)
    blocked.start()
    # a zero-copy message in flight: nobody connected to receive it
    inflight = ctx.socket(zmq.PUSH)
    inflight.linger = 0
    inflight.connect("tcp://127.0.0.1:1")
    inflight.send(bytearray(1 << 20), zmq.DONTWAIT, copy=False)
    time.sleep(0.05)
    sockets = {"pull": pull, "pair": a, "waiting": waiting, "inflight": inflight}

    children = []
    for _ in range(forks):
        r, w = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 0
            try:
                results = child_body(ctx, sockets, pull_endpoint, ipc_dir)
                os.write(w, json.dumps(results).encode())
            except BaseException as e:  # noqa: BLE001 - reported to the parent
                os.write(w, json.dumps({"child error": repr(e)}).encode())
                code = 3
            os.close(w)
            sys.exit(code)  # the normal exit path: atexit hooks run in the child
        os.close(w)
        chunks = []
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(r)
        deadline = time.monotonic() + 10
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.01)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            status = "hung"
        elapsed = time.monotonic() - started
        results = json.loads(b"".join(chunks) or b"{}")
        children.append({"pid": pid, "status": status, "seconds": elapsed, "results": results})

    # the parent is unharmed: its sockets work, it hears from every child
    pull.rcvtimeo = 5000
    heard = []
    try:
        for _ in range(forks):
            heard.append(pull.recv().decode())
    except zmq.Again:
        pass
    heard.sort()
    a.send(b"still")
    b.rcvtimeo = 5000
    parent_ok = b.recv() == b"still"
    print(
        "RESULT " + json.dumps({"children": children, "heard": heard, "parent_ok": parent_ok}),
        flush=True,
    )
    for s in (pull, a, b, inflight):
        s.close(linger=0)
    waiting.close()  # wakes the blocked thread
    blocked.join(5)
    ctx.term()


if __name__ == "__main__":
    main()
