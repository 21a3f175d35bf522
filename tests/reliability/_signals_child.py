"""Signal scenarios for test_signals, each run in its own child process.

    python _signals_child.py SCENARIO RUNS

SIGINT scenarios: the main thread blocks in a zmqx call, a helper thread sends
SIGINT to the process 150 ms later; the call must end with KeyboardInterrupt.
Prints `RESULT {"latencies": [...]}` (seconds from os.kill to the except clause).

SIGALRM scenarios: an interval timer fires every 20 ms into a Python handler
while the main thread blocks; the handler must run and the call must go on and
complete normally once a helper thread provides what it waits for. Prints
`RESULT {"handler_runs": n, "seconds": s}`.
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import sys
import threading
import time

import zmqx as zmq
from zmqx._core._core import monitored_queue

ctx = zmq.Context()
SERIAL = [0]


def endpoint() -> str:
    SERIAL[0] += 1
    return f"inproc://signals-{SERIAL[0]}"


def linked(kind_a: int, kind_b: int, hwm: int = 1000):
    a = ctx.socket(kind_a)
    b = ctx.socket(kind_b)
    a.linger = b.linger = 0
    a.hwm = b.hwm = hwm
    addr = endpoint()
    a.bind(addr)
    b.connect(addr)
    return a, b


def close_all(*socks) -> None:
    for s in socks:
        s.close(linger=0)


# ---- blocking calls to interrupt; each returns (block, cleanup) ------------------


def blocked_recv():
    pull = ctx.socket(zmq.PULL)
    pull.bind(endpoint())
    return pull.recv, lambda: close_all(pull)


def blocked_recv_multipart():
    a, b = linked(zmq.PAIR, zmq.PAIR)
    return b.recv_multipart, lambda: close_all(a, b)


def blocked_send():
    push = ctx.socket(zmq.PUSH)  # no peer: a send waits for one
    push.linger = 0
    return lambda: push.send(b"x"), lambda: close_all(push)


def blocked_socket_poll():
    pull = ctx.socket(zmq.PULL)
    return lambda: pull.poll(None), lambda: close_all(pull)


def blocked_poller():
    a, b = linked(zmq.PAIR, zmq.PAIR)
    pull = ctx.socket(zmq.PULL)
    poller = zmq.Poller()
    poller.register(b, zmq.POLLIN)
    poller.register(pull, zmq.POLLIN)
    r, w = os.pipe()
    poller.register(r, zmq.POLLIN)

    def cleanup():
        close_all(a, b, pull)
        os.close(r)
        os.close(w)

    return poller.poll, cleanup


def blocked_proxy():
    front = ctx.socket(zmq.ROUTER)
    back = ctx.socket(zmq.DEALER)
    front.bind(endpoint())
    back.bind(endpoint())
    return lambda: zmq.proxy(front, back), lambda: close_all(front, back)


def busy_proxy():
    """A proxy that is moving messages (so rarely idle in poll) when SIGINT comes."""
    front = ctx.socket(zmq.PULL)
    back = ctx.socket(zmq.PUSH)
    front_addr, back_addr = endpoint(), endpoint()
    front.bind(front_addr)
    back.bind(back_addr)
    stop = threading.Event()

    def produce():
        push = ctx.socket(zmq.PUSH)
        push.connect(front_addr)
        push.sndtimeo = 100
        while not stop.is_set():
            try:
                push.send(b"m" * 100)
            except zmq.Again:
                pass
        push.close(linger=0)

    def consume():
        pull = ctx.socket(zmq.PULL)
        pull.connect(back_addr)
        pull.rcvtimeo = 100
        while not stop.is_set():
            try:
                pull.recv()
            except zmq.Again:
                pass
        pull.close(linger=0)

    threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
    for t in threads:
        t.start()

    def cleanup():
        stop.set()
        for t in threads:
            t.join(5)
        close_all(front, back)

    return lambda: zmq.proxy(front, back), cleanup


def blocked_monitored_queue():
    ins = ctx.socket(zmq.ROUTER)
    outs = ctx.socket(zmq.DEALER)
    mon = ctx.socket(zmq.PUB)
    for s in (ins, outs, mon):
        s.bind(endpoint())
    return lambda: monitored_queue(ins, outs, mon), lambda: close_all(ins, outs, mon)


def blocked_tracker():
    a, b = linked(zmq.PUSH, zmq.PULL)
    tracker = a.send(bytearray(1 << 20), copy=False, track=True)
    frame = b.recv(copy=False)  # held: the tracker cannot be done

    def cleanup():
        nonlocal frame
        frame = None
        close_all(a, b)

    return tracker.wait, cleanup


def blocked_term():
    """Context.term() waits for a socket that is still open."""
    other = zmq.Context()
    sock = other.socket(zmq.PAIR)

    def cleanup():
        sock.close(linger=0)
        other.term()

    return other.term, cleanup


INTERRUPTIBLE = {
    "recv": blocked_recv,
    "recv_multipart": blocked_recv_multipart,
    "send": blocked_send,
    "socket_poll": blocked_socket_poll,
    "poller": blocked_poller,
    "proxy": blocked_proxy,
    "busy_proxy": busy_proxy,
    "monitored_queue": blocked_monitored_queue,
    "tracker_wait": blocked_tracker,
    "context_term": blocked_term,
}


def sigint_latencies(make, runs: int, off_main: bool = False) -> list[float]:
    """off_main: the main thread blocks SIGINT itself, so the kernel hands it to
    the helper thread; Python only records it, and the waiting main thread must
    notice on its own (zmqx waits in slices for this)."""
    latencies = []
    for _ in range(runs):
        block, cleanup = make()
        sent_at: list[float] = []

        def interrupt(sent_at=sent_at):
            time.sleep(0.15)
            sent_at.append(time.perf_counter())
            os.kill(os.getpid(), signal.SIGINT)

        helper = threading.Thread(target=interrupt)
        helper.start()
        if off_main:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            block()
        except KeyboardInterrupt:
            caught = time.perf_counter()
        else:
            helper.join()
            raise AssertionError("the blocking call returned instead of being interrupted")
        finally:
            if off_main:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        helper.join()
        latencies.append(caught - sent_at[0])
        cleanup()
    return latencies


# ---- calls that must survive a busy signal handler ---------------------------------


def later(delay: float, fn) -> threading.Thread:
    def run():
        time.sleep(delay)
        fn()

    t = threading.Thread(target=run)
    t.start()
    return t


def alarm_recv():
    a, b = linked(zmq.PAIR, zmq.PAIR)
    helper = later(0.5, lambda: a.send(b"late"))
    assert b.recv() == b"late"
    return helper, lambda: close_all(a, b)


def alarm_poller():
    a, b = linked(zmq.PAIR, zmq.PAIR)
    poller = zmq.Poller()
    poller.register(b, zmq.POLLIN)
    helper = later(0.5, lambda: a.send(b"late"))
    assert poller.poll() == [(b, zmq.POLLIN)]
    assert b.recv() == b"late"
    return helper, lambda: close_all(a, b)


def alarm_send():
    a, b = linked(zmq.PUSH, zmq.PULL, hwm=1)
    sent = 0
    while True:  # fill the pipe
        try:
            a.send(b"fill", zmq.DONTWAIT)
            sent += 1
        except zmq.Again:
            break

    def drain():
        for _ in range(sent + 1):
            b.recv()

    helper = later(0.5, drain)
    a.send(b"last")  # waits until the helper drains
    return helper, lambda: close_all(a, b)


def alarm_proxy():
    front, client = linked(zmq.ROUTER, zmq.DEALER)
    back, worker = linked(zmq.DEALER, zmq.DEALER)
    control, steer = linked(zmq.PAIR, zmq.PAIR)
    got = []

    def traffic():
        time.sleep(0.2)
        for i in range(100):
            client.send(b"%d" % i)
            msg = worker.recv_multipart()
            worker.send_multipart(msg)
            got.append(client.recv())
        time.sleep(0.2)
        steer.send(b"TERMINATE")

    helper = threading.Thread(target=traffic)
    helper.start()
    zmq.proxy_steerable(front, back, None, control)
    assert got == [b"%d" % i for i in range(100)], got[:5]
    return helper, lambda: close_all(front, client, back, worker, control, steer)


def alarm_tracker():
    a, b = linked(zmq.PUSH, zmq.PULL)
    tracker = a.send(bytearray(1 << 20), copy=False, track=True)
    held = [b.recv(copy=False)]
    helper = later(0.5, held.clear)
    tracker.wait()
    return helper, lambda: close_all(a, b)


SURVIVING = {
    "alarm_recv": alarm_recv,
    "alarm_poller": alarm_poller,
    "alarm_send": alarm_send,
    "alarm_proxy": alarm_proxy,
    "alarm_tracker": alarm_tracker,
}


def survive_alarms(scenario, runs: int) -> dict:
    handler_runs = [0]

    def on_alarm(signum, frame):
        handler_runs[0] += 1

    signal.signal(signal.SIGALRM, on_alarm)
    started = time.monotonic()
    for _ in range(runs):
        signal.setitimer(signal.ITIMER_REAL, 0.02, 0.02)
        try:
            helper, cleanup = scenario()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
        helper.join()
        cleanup()
    return {"handler_runs": handler_runs[0], "runs": runs, "seconds": time.monotonic() - started}


# ---- a handler that closes the very socket the main thread waits in ---------------


def handler_closes_socket(runs: int) -> dict:
    """SIGALRM's handler closes the socket that recv() waits in, then makes new
    sockets (which may reuse the freed socket's memory and file descriptors).
    recv must end with ZMQError(ENOTSOCK), promptly."""
    keep = []
    durations = []
    for _ in range(runs):
        pull = ctx.socket(zmq.PULL)
        pull.bind(endpoint())

        def on_alarm(signum, frame, pull=pull):
            pull.close()
            time.sleep(0.01)  # let libzmq's reaper free the socket
            for _ in range(4):
                keep.append(ctx.socket(zmq.PULL))

        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        started = time.monotonic()
        try:
            pull.recv()
        except zmq.ZMQError as e:
            assert e.errno == zmq.ENOTSOCK, e
        else:
            raise AssertionError("recv returned on a closed socket")
        durations.append(time.monotonic() - started)
        # closed per run: a soak's hundreds of runs would pass libzmq's socket limit
        while keep:
            keep.pop().close()
    return {"durations": durations}


def main() -> None:
    scenario, runs = sys.argv[1], int(sys.argv[2])
    faulthandler.enable()
    faulthandler.dump_traceback_later(float(os.environ.get("ZMQX_SIGNALS_BUDGET", "60")), exit=True)
    base, _, where = scenario.partition("@")
    if base in INTERRUPTIBLE:
        result = {
            "latencies": sigint_latencies(INTERRUPTIBLE[base], runs, off_main=where == "offmain")
        }
    elif scenario in SURVIVING:
        result = survive_alarms(SURVIVING[scenario], runs)
    elif scenario == "handler_closes_socket":
        result = handler_closes_socket(runs)
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    faulthandler.cancel_dump_traceback_later()
    ctx.destroy(linger=0)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
