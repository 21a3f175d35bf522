"""PUSH -> PULL throughput of the asyncio layer: 64-byte messages over
tcp://127.0.0.1, both ends as tasks in one asyncio loop (zmq.asyncio against
zmqx.asyncio).

The sender task awaits ``send()`` for every message and the receiver task awaits
``recv()``; the clock starts at the first message received. The figure is the
median rate of CHUNKS equal slices of the receiver's messages (msg/s).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .. import harness as H
from ..case import Case

CASE = Case(
    name="asyncio_throughput",
    unit="msg/s",
    higher_is_better=True,
    what="asyncio PUSH->PULL tcp, 64 B, both ends as tasks in one loop",
    full_args=["--count", "300000"],
    quick_args=["--count", "100000"],
    target=10.0,
    order=60,
)


def parser() -> argparse.ArgumentParser:
    """The options of this case."""
    return H.message_parser((__doc__ or "").splitlines()[0], count=300_000)


async def send_all(send: Callable[[bytes], Awaitable[Any]], payload: bytes, count: int) -> None:
    """Await send(payload) count times (the sender task)."""
    for _ in range(count):
        await send(payload)


async def receive_timed(recv: Callable[[], Awaitable[bytes]], count: int, size: int,
                        chunks: int) -> tuple[list[float], float]:
    """The receiver task: (rate of each of chunks slices, seconds overall), the
    clock starting after the first message."""
    await recv()
    rates = []
    per = (count - 1) // chunks
    started = time.perf_counter()
    for c in range(chunks):
        k = per if c < chunks - 1 else count - 1 - per * (chunks - 1)
        t = time.perf_counter()
        for _ in range(k):
            if len(await recv()) != size:
                raise RuntimeError("a message of the wrong size arrived")
        rates.append(k / max(time.perf_counter() - t, 1e-9))
    return rates, time.perf_counter() - started


async def measure(zmq: Any, count: int, size: int, chunks: int) -> tuple[float, float]:
    """(median slice rate, overall rate) of count messages through one loop."""
    aio = importlib.import_module(zmq.__name__ + ".asyncio")
    ctx = aio.Context()
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push.connect(f"tcp://127.0.0.1:{port}")
    _, (rates, seconds) = await asyncio.gather(
        send_all(push.send, b"x" * size, count), receive_timed(pull.recv, count, size, chunks))
    ctx.destroy(linger=0)
    return H.median(rates), (count - 1) / seconds


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    args = parser().parse_args(argv)
    zmq = H.load_impl(args.impl)
    rate, overall = asyncio.run(measure(zmq, args.count, args.size, args.chunks))
    H.emit(CASE.name, args.impl, rate, "msg/s", overall_rate=overall, count=args.count,
           size=args.size)
