"""PUSH -> PULL throughput through anyio on trio: 64-byte messages over
tcp://127.0.0.1, both ends as tasks of one anyio.run (zmqx.anyio against
zmq-anyio, pyzmq's anyio adapter).

The sender task awaits a send for every message and the receiver task awaits a
receive; the figure is the median rate of CHUNKS equal slices of the receiver's
messages (msg/s), timed as in asyncio_throughput. For zmqx the same process also
measures zmqx.asyncio (plain asyncio.run, same counts) and reports the ratio to it
(``of_zmqx_asyncio``): zmqx.anyio aims to stay within 2x of zmqx.asyncio.
``--backend asyncio`` runs anyio on asyncio (case anyio_asyncio_throughput).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
from typing import Any

from .. import harness as H
from ..case import Case
from .asyncio_throughput import measure as measure_zmqx_asyncio
from .asyncio_throughput import receive_timed, send_all

CASE = Case(
    name="anyio_trio_throughput",
    unit="msg/s",
    higher_is_better=True,
    what="anyio on trio, PUSH->PULL tcp, 64 B, both ends as tasks (vs zmq-anyio)",
    full_args=["--count", "100000"],
    quick_args=["--count", "30000"],
    fixed_args=["--backend", "trio"],
    target=10.0,
    order=61,
)


def parser() -> argparse.ArgumentParser:
    """The options of this case."""
    p = H.message_parser((__doc__ or "").splitlines()[0], count=100_000)
    p.add_argument("--backend", choices=["trio", "asyncio"], default="trio")
    p.add_argument("--bench-name", default=CASE.name)
    return p


async def measure(zmq: Any, count: int, size: int, chunks: int) -> tuple[float, float]:
    """(median slice rate, overall rate) of count messages in one anyio run."""
    import anyio

    if zmq.__name__ == "zmqx":
        import zmqx.anyio

        ctx: Any = zmqx.anyio.Context()
        pull = ctx.socket(zmq.PULL)
        push = ctx.socket(zmq.PUSH)
        send, recv = push.send, pull.recv
    else:
        try:
            import zmq_anyio
        except ImportError as e:
            raise H.BenchSkip("zmq-anyio is not installed (pip install zmq-anyio)") from e
        ctx = zmq.Context()
        pull = zmq_anyio.Socket(ctx.socket(zmq.PULL))
        push = zmq_anyio.Socket(ctx.socket(zmq.PUSH))
        send, recv = push.asend, pull.arecv
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    push.connect(f"tcp://127.0.0.1:{port}")
    result: list[tuple[list[float], float]] = []

    async def receive() -> None:
        result.append(await receive_timed(recv, count, size, chunks))

    async with contextlib.AsyncExitStack() as stack:
        if zmq.__name__ != "zmqx":  # zmq-anyio sockets are started as context managers
            await stack.enter_async_context(pull)
            await stack.enter_async_context(push)
        async with anyio.create_task_group() as group:
            group.start_soon(receive)
            await send_all(send, b"x" * size, count)
    ctx.destroy(linger=0)
    rates, seconds = result[0]
    return statistics.median(rates), (count - 1) / seconds


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    import anyio

    args = parser().parse_args(argv)
    zmq = H.load_impl(args.impl)
    rate, overall = anyio.run(measure, zmq, args.count, args.size, args.chunks,
                              backend=args.backend)
    extra: dict[str, float] = {}
    if args.impl == "zmqx":
        beside, _ = asyncio.run(measure_zmqx_asyncio(zmq, args.count, args.size, args.chunks))
        extra = {"zmqx_asyncio": beside, "of_zmqx_asyncio": rate / beside}
    H.emit(args.bench_name, args.impl, rate, "msg/s", overall_rate=overall, count=args.count,
           size=args.size, backend=args.backend, **extra)
