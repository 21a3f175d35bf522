"""PUSH -> PULL throughput over tcp://127.0.0.1, sender in a separate process.

The measuring process binds a PULL socket, starts a sender process (same
implementation unless --sender c) that connects a PUSH socket and sends COUNT
messages, and receives them with the default ``copy=True`` (``recv()`` /
``recv_multipart()``).  The clock starts at the first message received, so
process start-up and connection set-up are excluded; the remaining messages are
timed in CHUNKS slices and the figure is the median slice rate (msg/s), robust
to a short stall caused by another process (overall_rate is also printed).

--parts 1 (default) uses send/recv; --parts N > 1 uses send_multipart /
recv_multipart with N frames per message (COUNT counts whole messages).

--impl c runs the C peer (zmqx/benchmarks/c/throughput.c) on both ends: the
libzmq ceiling, for information.
"""

from __future__ import annotations

import argparse
import subprocess

from .. import harness as H
from ..case import Case

CASE = Case(
    name="throughput_tcp",
    unit="msg/s",
    higher_is_better=True,
    what="PUSH->PULL tcp, 64 B, sender process, recv() copy=True",
    full_args=["--count", "1000000"],
    quick_args=["--count", "200000"],
    with_c=True,
    target=3.0,
    order=10,
)


def parser() -> argparse.ArgumentParser:
    """The options of this case."""
    p = H.base_parser(__doc__.splitlines()[0], impls=("zmq", "zmqx", "c"))
    p.add_argument("--role", choices=("recv", "send"), default="recv")
    p.add_argument("--endpoint", default="tcp://127.0.0.1:*")
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--parts", type=int, default=1)
    p.add_argument("--chunks", type=int, default=10, help="timed slices; the median is reported")
    p.add_argument(
        "--sender",
        choices=("same", "c"),
        default="same",
        help="sender implementation: the one under test (default) or the C peer",
    )
    p.add_argument("--bench-name", default=None, help=argparse.SUPPRESS)
    return p


def run_sender(args: argparse.Namespace) -> None:
    """The sending side: connect a PUSH socket and send COUNT messages."""
    zmq = H.load_impl(args.impl)
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUSH)
    s.setsockopt(zmq.LINGER, 10000)
    s.setsockopt(zmq.SNDTIMEO, 30000)
    s.connect(args.endpoint)
    payload = b"x" * args.size
    n = args.count
    if args.parts == 1:
        send = s.send
        for _ in range(n):
            send(payload)
    else:
        frames = [payload] * args.parts
        send_multipart = s.send_multipart
        for _ in range(n):
            send_multipart(frames)
    s.close()
    ctx.term()


def start_sender(args: argparse.Namespace, endpoint: str) -> subprocess.Popen[str]:
    """Start the sender process (Python or C) towards ``endpoint``."""
    common = [
        "--endpoint",
        endpoint,
        "--count",
        args.count,
        "--size",
        args.size,
        "--parts",
        args.parts,
    ]
    if args.sender == "c" or args.impl == "c":
        exe = H.c_binary("throughput")
        cmd = [exe, "send", "connect", endpoint, str(args.count), str(args.size), str(args.parts)]
        return H.spawn(cmd)
    return H.spawn(H.measure_cmd("throughput_tcp", "--impl", args.impl, "--role", "send", *common))


def run_receiver_c(args: argparse.Namespace) -> dict[str, float]:
    """Measure with the C program on both ends (the libzmq ceiling)."""
    exe = H.c_binary("throughput")
    recv = H.spawn(
        [
            exe,
            "recv",
            "bind",
            args.endpoint,
            str(args.count),
            str(args.size),
            str(args.parts),
            str(args.chunks),
        ]
    )
    try:
        endpoint = H.read_announce(recv)
        sender = start_sender(args, endpoint)
        out, err = H.reap(recv, 120)
        if recv.returncode != 0:
            raise RuntimeError(f"C receiver failed: {err.strip()}")
        res = H.last_json(out)
    finally:
        H.stop(recv)
    _, serr = H.reap(sender, 30)
    if sender.returncode != 0:
        raise RuntimeError(f"sender failed: {serr.strip()}")
    return {
        "rate": H.median(res["chunk_rates"]) if res.get("chunk_rates") else res["rate"],
        "overall_rate": res["rate"],
        "seconds": res["seconds"],
        "count": res["count"],
    }


def run_receiver_py(args: argparse.Namespace) -> dict[str, float]:
    """Measure the binding's receiving side against a sender process."""
    zmq = H.load_impl(args.impl)
    ctx = zmq.Context()
    s = ctx.socket(zmq.PULL)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 30000)
    s.bind(args.endpoint)
    endpoint = s.getsockopt(zmq.LAST_ENDPOINT).decode()
    sender = start_sender(args, endpoint)
    n = args.count
    size = args.size
    parts = args.parts
    try:
        if parts == 1:
            recv = s.recv
            first = recv()  # the clock starts after the first message
            last, dt, rates = H.timed_calls(recv, n - 1, args.chunks)
            ok = len(first) == size and len(last) == size
        else:
            recv_multipart = s.recv_multipart
            first = recv_multipart()
            last, dt, rates = H.timed_calls(recv_multipart, n - 1, args.chunks)
            ok = all(len(m) == parts and all(len(f) == size for f in m) for m in (first, last))
    except zmq.Again:
        raise RuntimeError("receiver timed out waiting for the sender") from None
    finally:
        _, serr = H.reap(sender, 30)
    if sender.returncode != 0:
        raise RuntimeError(f"sender failed (rc={sender.returncode}): {serr.strip()[:500]}")
    if not ok:
        raise RuntimeError("received messages have the wrong shape")
    s.close()
    ctx.term()
    return {"rate": H.median(rates), "overall_rate": (n - 1) / dt, "seconds": dt, "count": n - 1}


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    args = parser().parse_args(argv)
    if args.role == "send":
        if args.impl == "c":
            raise SystemExit("the C sender is zmqx/benchmarks/c/throughput.c")
        run_sender(args)
        return
    res = run_receiver_c(args) if args.impl == "c" else run_receiver_py(args)
    name = args.bench_name or (CASE.name if args.parts == 1 else "throughput_multipart")
    H.emit(
        name,
        args.impl,
        res["rate"],
        "msg/s",
        overall_rate=res["overall_rate"],
        seconds=res["seconds"],
        count=res["count"],
        parts=args.parts,
        size=args.size,
        sender=args.sender,
    )
