"""gevent PUSH -> PULL throughput: zmqx.green against pyzmq's zmq.green.

Both ends are greenlets of one hub in one process: a sender greenlet pushes
COUNT messages of SIZE bytes and a receiver greenlet pulls them (default
copy=True). The clock starts at the first message received; the figure is
the median rate of CHUNKS timed slices (msg/s).

    python benchmarks/green_throughput.py               # both, alternating rounds
    python benchmarks/green_throughput.py --impl zmqx   # one measurement (JSON line)

Without --impl, each round measures pyzmq then zmqx (then the other order), each
in a fresh process, and the best of the rounds is compared. Self-contained: it
needs only gevent and the two bindings.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time

BENCH = "green_throughput"
IMPLS = ("zmq", "zmqx")
TARGET = 5.0  # zmqx.green / zmq.green


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", choices=IMPLS, default=None,
                   help="measure one implementation (default: both, compared)")
    p.add_argument("--transport", choices=("tcp", "ipc", "inproc"), default="tcp")
    p.add_argument("--count", type=int, default=None,
                   help="messages per measurement (default: 100k pyzmq, 500k zmqx)")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--chunks", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3)
    return p


def endpoint(transport: str) -> str:
    if transport == "tcp":
        return "tcp://127.0.0.1:*"
    if transport == "ipc":
        return f"ipc:///tmp/green-throughput-{os.getpid()}"
    return f"inproc://green-throughput-{os.getpid()}"


def measure(impl: str, transport: str, count: int, size: int, chunks: int) -> dict:
    """One run in this process: the median slice rate of the receiving greenlet."""
    import gevent

    zmq = importlib.import_module(f"{impl}.green")
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    for s in (pull, push):
        s.linger = 0
    pull.bind(endpoint(transport))
    push.connect(pull.getsockopt(zmq.LAST_ENDPOINT).decode())
    payload = b"x" * size

    def send() -> None:
        for _ in range(count):
            push.send(payload)

    def receive() -> tuple[float, list[float]]:
        recv = pull.recv
        recv()  # the clock starts after the first message
        per_chunk = (count - 1) // chunks
        rates = []
        start = last = time.perf_counter()
        for _ in range(chunks):
            for _ in range(per_chunk):
                recv()
            now = time.perf_counter()
            rates.append(per_chunk / (now - last))
            last = now
        for _ in range(count - 1 - per_chunk * chunks):
            recv()
        return time.perf_counter() - start, rates

    sender = gevent.spawn(send)
    receiver = gevent.spawn(receive)
    seconds, rates = receiver.get(timeout=300)
    sender.get(timeout=10)
    pull.close()
    push.close()
    ctx.term()
    return {"bench": BENCH, "impl": impl, "value": statistics.median(rates), "unit": "msg/s",
            "overall_rate": (count - 1) / seconds, "count": count, "size": size,
            "transport": transport}


def run_child(impl: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--impl", impl,
           "--transport", args.transport, "--size", str(args.size), "--chunks", str(args.chunks)]
    if args.count:
        cmd += ["--count", str(args.count)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{impl}: {out.stderr.strip()[-500:]}")
    result: dict = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    args = parser().parse_args()
    if args.impl:
        count = args.count or (500_000 if args.impl == "zmqx" else 100_000)
        print(json.dumps(measure(args.impl, args.transport, count, args.size, args.chunks)))
        return
    best: dict[str, float] = {}
    for round_ in range(args.rounds):
        order = IMPLS if round_ % 2 == 0 else IMPLS[::-1]
        for impl in order:
            result = run_child(impl, args)
            print(json.dumps(result), flush=True)
            best[impl] = max(best.get(impl, 0.0), result["value"])
    ratio = best["zmqx"] / best["zmq"]
    verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
    print(f"{BENCH} ({args.transport}, {args.size} B): zmq.green {best['zmq']:,.0f} msg/s, "
          f"zmqx.green {best['zmqx']:,.0f} msg/s, ratio {ratio:.1f}x "
          f"(target >= {TARGET:g}x: {verdict})")


if __name__ == "__main__":
    main()
