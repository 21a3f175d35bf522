"""PUSH -> PULL throughput under gevent: 64-byte messages over tcp://127.0.0.1,
both ends greenlets of one hub (zmq.green against zmqx.green).

A sender greenlet pushes COUNT messages, a receiver greenlet pulls them
(``recv()``, copy). The clock starts at the first message received. The figure
is the median rate of CHUNKS equal slices of the receiver's messages (msg/s).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from typing import Any

from .. import harness as H
from ..case import Case

CASE = Case(
    name="green_throughput",
    unit="msg/s",
    higher_is_better=True,
    what="gevent PUSH->PULL tcp, 64 B, both ends greenlets",
    full_args=["--count", "300000"],
    quick_args=["--count", "100000"],
    target=5.0,
    order=62,
)


def parser() -> argparse.ArgumentParser:
    """The options of this case."""
    return H.message_parser((__doc__ or "").splitlines()[0], count=300_000)


def measure(zmq: Any, count: int, size: int, chunks: int) -> tuple[float, float]:
    """(median slice rate, overall rate) of count messages between two greenlets."""
    try:
        import gevent
    except ImportError as e:
        raise H.BenchSkip("gevent is not installed") from e
    green = importlib.import_module(zmq.__name__ + ".green")
    ctx = green.Context()
    pull = ctx.socket(green.PULL)
    push = ctx.socket(green.PUSH)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push.connect(f"tcp://127.0.0.1:{port}")
    payload = b"x" * size
    per = (count - 1) // chunks

    def send() -> None:
        for _ in range(count):
            push.send(payload)

    def receive() -> tuple[list[float], float]:
        recv = pull.recv
        if len(recv()) != size:  # the clock starts after the first message
            raise RuntimeError("a message of the wrong size arrived")
        rates = []
        start = last = time.perf_counter()
        for _ in range(chunks):
            for _ in range(per):
                recv()
            now = time.perf_counter()
            rates.append(per / max(now - last, 1e-9))
            last = now
        for _ in range(count - 1 - per * chunks):
            recv()
        return rates, (count - 1) / (time.perf_counter() - start)

    sender = gevent.spawn(send)
    rates, overall = gevent.spawn(receive).get(timeout=300)
    sender.get(timeout=30)
    pull.close(linger=0)
    push.close(linger=0)
    ctx.term()
    return statistics.median(rates), overall


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    args = parser().parse_args(argv)
    zmq = H.load_impl(args.impl)
    rate, overall = measure(zmq, args.count, args.size, args.chunks)
    H.emit(CASE.name, args.impl, rate, "msg/s", overall_rate=overall, count=args.count,
           size=args.size)
