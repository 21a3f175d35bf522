"""REQ/REP round-trip latency over tcp loopback, server in another process.

The echo server is a REP socket in a separate process.  By default it is the
C server from zmqx/benchmarks/c/reqrep_latency.c for *every* client (pyzmq, zmqx
and the C client), so only the client differs between runs; ``--server same``
uses a Python echo server of the implementation under test instead (also the
fallback when no C compiler is available).

The client does WARMUP untimed round trips, then COUNT timed ones
(``send(msg)`` + ``recv()``, SIZE-byte payload); the figure is mean µs per
round trip.  ``--impl c`` runs the C client (the baseline).
"""

from __future__ import annotations

import argparse
import subprocess
import time

from .. import harness as H
from ..case import Case

CASE = Case(
    name="reqrep_latency",
    unit="us/rt",
    higher_is_better=False,
    what="REQ/REP round trip, tcp loopback, C echo server process",
    full_args=["--count", "10000"],
    quick_args=["--count", "3000", "--warmup", "500"],
    with_c=True,
    baseline="c",
    target_op="<=",
    target=1.15,
    order=60,
)


def parser() -> argparse.ArgumentParser:
    """The options of this case."""
    p = H.base_parser(__doc__.splitlines()[0], impls=("zmq", "zmqx", "c"))
    p.add_argument("--role", choices=("client", "server"), default="client")
    p.add_argument("--server", choices=("c", "same"), default="c")
    p.add_argument("--endpoint", default="tcp://127.0.0.1:*")
    p.add_argument("--count", type=int, default=20_000)
    p.add_argument("--warmup", type=int, default=1_000)
    p.add_argument("--size", type=int, default=64)
    return p


def run_py_server(args: argparse.Namespace) -> None:
    """A Python REP echo server (when there is no C one); exits when idle."""
    zmq = H.load_impl(args.impl)
    ctx = zmq.Context()
    s = ctx.socket(zmq.REP)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 30000)  # exit when idle
    s.bind(args.endpoint)
    print(s.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
    recv, send = s.recv, s.send
    try:
        while True:
            send(recv())
    except zmq.Again:
        pass
    s.close()
    ctx.term()


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str, str]:
    """Returns (process, endpoint, server_kind)."""
    kind = args.server
    if kind == "c":
        try:
            cmd = [H.c_binary("reqrep_latency"), "server", args.endpoint]
        except H.BenchSkip:
            if args.impl == "c":
                raise
            kind = "same"
    if kind == "same":
        impl = "zmq" if args.impl == "c" else args.impl
        cmd = H.measure_cmd(
            "reqrep_latency", "--impl", impl, "--role", "server", "--endpoint", args.endpoint
        )
        kind = f"python-{impl}"
    proc = H.spawn(cmd)
    return proc, H.read_announce(proc), kind


def client_c(args: argparse.Namespace, endpoint: str) -> dict[str, float]:
    """Measure with the C client."""
    exe = H.c_binary("reqrep_latency")
    proc = H.spawn([exe, "client", endpoint, str(args.count), str(args.size), str(args.warmup)])
    out, err = H.reap(proc, 120)
    if proc.returncode != 0:
        raise RuntimeError(f"C client failed: {err.strip()[:500]}")
    res = H.last_json(out)
    return {"us": res["us_per_rt"], "seconds": res["seconds"]}


def client_py(args: argparse.Namespace, endpoint: str) -> dict[str, float]:
    """Measure with the binding's REQ client."""
    zmq = H.load_impl(args.impl)
    ctx = zmq.Context()
    s = ctx.socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 10000)
    s.setsockopt(zmq.SNDTIMEO, 10000)
    s.connect(endpoint)
    msg = b"x" * args.size
    send, recv = s.send, s.recv
    try:
        for _ in range(args.warmup):
            send(msg)
            recv()
        perf = time.perf_counter
        t0 = perf()
        for _ in range(args.count):
            send(msg)
            reply = recv()
        t1 = perf()
    except zmq.Again:
        raise RuntimeError("client timed out waiting for the echo server") from None
    if len(reply) != args.size:
        raise RuntimeError("wrong reply size")
    s.close()
    ctx.term()
    return {"us": (t1 - t0) * 1e6 / args.count, "seconds": t1 - t0}


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    args = parser().parse_args(argv)
    if args.role == "server":
        run_py_server(args)
        return
    if args.impl != "c":
        H.load_impl(args.impl)  # skip early (before starting a server) if unusable
    server, endpoint, kind = start_server(args)
    try:
        res = client_c(args, endpoint) if args.impl == "c" else client_py(args, endpoint)
    finally:
        H.stop(server)
    H.emit(
        CASE.name,
        args.impl,
        res["us"],
        "us/rt",
        seconds=res["seconds"],
        count=args.count,
        size=args.size,
        server=kind,
    )
