"""PUSH -> PULL throughput of tornado's ZMQStream: 64-byte messages over
tcp://127.0.0.1, received by an ``on_recv`` callback in the loop, sent by a plain
socket in a thread (zmq.eventloop.zmqstream against zmqx.eventloop.zmqstream).

The clock starts at the first message received. The figure is the median rate
of CHUNKS equal slices of the receiver's messages (msg/s).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import itertools
import statistics
import threading
import time
from typing import Any

from .. import harness as H
from ..case import Case

CASE = Case(
    name="zmqstream_throughput",
    unit="msg/s",
    higher_is_better=True,
    what="ZMQStream on_recv, PUSH->PULL tcp, 64 B, sender in a thread",
    full_args=["--count", "300000"],
    quick_args=["--count", "100000"],
    target=10.0,
    order=61,
)


def parser() -> argparse.ArgumentParser:
    """The options of this case."""
    return H.message_parser((__doc__ or "").splitlines()[0], count=300_000)


async def measure(zmq: Any, count: int, size: int, chunks: int) -> tuple[float, float]:
    """(median slice rate, overall rate) of count messages through one stream."""
    zmqstream = importlib.import_module(zmq.__name__ + ".eventloop.zmqstream")
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    payload = b"x" * size
    errors: list[BaseException] = []

    def send() -> None:
        try:
            push = ctx.socket(zmq.PUSH)
            push.connect(f"tcp://127.0.0.1:{port}")
            for _ in range(count):
                push.send(payload)
            push.close(linger=5000)
        except Exception as e:  # noqa: BLE001 - reported by the receiver
            errors.append(e)

    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    per = (count - 1) // chunks
    marks: list[float] = []  # the time at the first message, then after each slice
    received = 0

    def on_recv(msg: list[bytes]) -> None:
        nonlocal received
        if len(msg[0]) != size:
            raise RuntimeError("a message of the wrong size arrived")
        if received % per == 0 and len(marks) <= chunks:
            marks.append(time.perf_counter())
        received += 1
        if received == count:
            marks.append(time.perf_counter())
            done.set_result(None)

    stream = zmqstream.ZMQStream(pull)
    stream.on_recv(on_recv)
    sender = threading.Thread(target=send, name="bench-sender", daemon=True)
    sender.start()
    try:
        await asyncio.wait_for(done, 120)
    except asyncio.TimeoutError:
        raise RuntimeError(f"receiver timed out; sender errors: {errors!r}") from None
    sender.join(30)
    if errors:
        raise RuntimeError(f"sender failed: {errors[0]!r}")
    stream.close(linger=0)
    ctx.term()
    rates = [per / max(b - a, 1e-9) for a, b in itertools.pairwise(marks[:chunks + 1])]
    return statistics.median(rates), (count - 1) / (marks[-1] - marks[0])


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    args = parser().parse_args(argv)
    zmq = H.load_impl(args.impl)
    rate, overall = asyncio.run(measure(zmq, args.count, args.size, args.chunks))
    H.emit(CASE.name, args.impl, rate, "msg/s", overall_rate=overall, count=args.count,
           size=args.size)
