"""Zero-copy throughput of 1 MiB buffers: send(buf, copy=False) -> recv(copy=False).

The same 1 MiB buffer (a numpy uint8 array by default, or a bytes object with
--buffer bytes) is sent COUNT times with ``copy=False`` over inproc://
(default) or tcp://127.0.0.1 (--transport tcp) and received with
``copy=False``; each Frame is checked to expose a SIZE-byte buffer
(``memoryview(frame).nbytes``).  The figure is MB/s (10^6 bytes) of payload,
the median of CHUNKS timed slices.

By default one thread alternates batches of BATCH sends and BATCH receives,
so the figure is the per-message cost of the two calls (plus whatever the
binding does to release zero-copy buffers) without thread-scheduling noise;
``--threaded`` puts the sender in a second thread instead.
"""

from __future__ import annotations

import threading
from typing import Any

from .. import harness as H
from ..case import Case

CASE = Case(
    name="zerocopy_1mib",
    unit="MB/s",
    higher_is_better=True,
    what="1 MiB numpy buffer, send/recv copy=False, inproc, one thread, batches of 100",
    full_args=["--count", "20000"],
    quick_args=["--count", "5000"],
    target=1.0,
    order=70,
)


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    p = H.base_parser(__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=20_000)
    p.add_argument("--size", type=int, default=1 << 20)
    p.add_argument("--buffer", choices=("numpy", "bytes"), default="numpy")
    p.add_argument("--transport", choices=("inproc", "tcp"), default="inproc")
    p.add_argument(
        "--threaded",
        action="store_true",
        help="sender in a second thread (default: one thread, batched send/recv)",
    )
    p.add_argument("--batch", type=int, default=100, help="messages per batch (one thread)")
    p.add_argument("--chunks", type=int, default=10, help="timed slices; the median is reported")
    args = p.parse_args(argv)
    zmq = H.load_impl(args.impl)

    if args.buffer == "numpy":
        try:
            import numpy
        except ImportError:
            raise H.BenchSkip("numpy is not installed (use --buffer bytes)") from None
        buf = numpy.arange(args.size, dtype=numpy.uint8)
    else:
        buf = bytes(range(256)) * (args.size // 256) + bytes(args.size % 256)

    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVTIMEO, 30000)
    if args.transport == "inproc":
        pull.bind("inproc://bench-zerocopy")
        endpoint = "inproc://bench-zerocopy"
    else:
        pull.bind("tcp://127.0.0.1:*")
        endpoint = pull.getsockopt(zmq.LAST_ENDPOINT).decode()
    n = args.count
    size = args.size
    errors: list[BaseException] = []

    push = ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.LINGER, 5000)
    push.setsockopt(zmq.SNDTIMEO, 30000)

    def sender() -> None:
        try:
            push.connect(endpoint)
            send = push.send
            for _ in range(n):
                send(buf, copy=False)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    recv = pull.recv
    bad: list[object] = []

    def recv_one() -> Any:  # a Frame of the binding chosen at run time
        frame = recv(copy=False)
        if memoryview(frame).nbytes != size:
            bad.append(frame)
        return frame

    try:
        if args.threaded:
            t = threading.Thread(target=sender, name="bench-zc-sender", daemon=True)
            t.start()
            recv_one()  # the clock starts after the first message
            frame, dt, rates = H.timed_calls(recv_one, n - 1, args.chunks)
            t.join(30)
            timed = n - 1
        else:
            # one thread, batches of BATCH sends then BATCH receives: no thread
            # scheduling in the figure, only the per-message cost of both calls
            push.connect(endpoint)
            send = push.send
            batch = max(1, min(args.batch, 500, n))
            send(buf, copy=False)  # connect / warm up
            recv_one()

            def one_batch() -> Any:
                for _ in range(batch):
                    send(buf, copy=False)
                for _ in range(batch):
                    frame = recv_one()
                return frame

            nb = max(1, n // batch)
            frame, dt, rates = H.timed_calls(one_batch, nb, args.chunks)
            rates = [r * batch for r in rates]
            timed = nb * batch
    except zmq.Again:
        raise RuntimeError(f"receiver timed out; sender errors: {errors!r}") from None
    # numpy's stubs declare ndarray's buffer protocol only for Python >= 3.12
    sent = memoryview(buf)  # type: ignore[arg-type,unused-ignore]
    if bytes(memoryview(frame)[:300]) != bytes(sent.cast("B")[:300]):
        raise RuntimeError("payload corrupted")
    del frame
    if errors:
        raise RuntimeError(f"sender failed: {errors[0]!r}")
    if bad:
        raise RuntimeError(f"{len(bad)} frames had the wrong size")
    mbps = H.median(rates) * size / 1e6
    H.emit(
        CASE.name,
        args.impl,
        mbps,
        "MB/s",
        overall_mbps=timed * size / dt / 1e6,
        seconds=dt,
        count=timed,
        msgs_per_s=H.median(rates),
        size=size,
        buffer=args.buffer,
        transport=args.transport,
    )
    H.exit_hard_after(20)
    push.close()
    pull.close()
    ctx.term()
