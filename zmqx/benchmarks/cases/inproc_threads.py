"""inproc PUSH -> PULL throughput between two threads of one process.

The main thread binds a PULL socket on inproc://, a second thread connects a
PUSH socket (same Context) and sends COUNT 64-byte messages; the main thread
receives them with the default copy=True; the clock starts at the first
message and the figure is the median rate of CHUNKS timed slices.  Both
threads compete for the GIL, so this shows whether the binding drops the GIL
around blocking calls and how cheap each call is.
"""

from __future__ import annotations

import threading

from .. import harness as H
from ..case import Case

CASE = Case(
    name="inproc_threads",
    unit="msg/s",
    higher_is_better=True,
    what="inproc PUSH->PULL, two threads, 64 B",
    full_args=["--count", "600000"],
    quick_args=["--count", "200000"],
    target=3.0,
    order=30,
)


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    p = H.base_parser(__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--chunks", type=int, default=10, help="timed slices; the median is reported")
    args = p.parse_args(argv)
    zmq = H.load_impl(args.impl)

    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVTIMEO, 30000)
    pull.bind("inproc://bench-inproc-threads")
    n = args.count
    payload = b"x" * args.size
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            push = ctx.socket(zmq.PUSH)
            push.setsockopt(zmq.LINGER, 5000)
            push.setsockopt(zmq.SNDTIMEO, 30000)
            push.connect("inproc://bench-inproc-threads")
            send = push.send
            for _ in range(n):
                send(payload)
            push.close()
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    t = threading.Thread(target=sender, name="bench-sender", daemon=True)
    t.start()
    recv = pull.recv
    try:
        first = recv()
        last, dt, rates = H.timed_calls(recv, n - 1, args.chunks)
    except zmq.Again:
        raise RuntimeError(f"receiver timed out; sender errors: {errors!r}") from None
    t.join(30)
    if errors:
        raise RuntimeError(f"sender failed: {errors[0]!r}")
    if len(first) != args.size or len(last) != args.size:
        raise RuntimeError("wrong message size")
    H.emit(
        CASE.name,
        args.impl,
        H.median(rates),
        "msg/s",
        overall_rate=(n - 1) / dt,
        seconds=dt,
        count=n - 1,
        size=args.size,
    )
    H.exit_hard_after(20)
    pull.close()
    ctx.term()
