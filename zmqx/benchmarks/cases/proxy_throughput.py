"""Messages/s through ``zmq.proxy(frontend, backend)`` running in a thread.

Topology (all tcp://127.0.0.1, 64-byte messages):

    C producer PUSH --> frontend PULL [proxy] backend PUSH --> C consumer PULL

The producer and consumer are the C peer (zmqx/benchmarks/c/throughput.c) in
separate processes for every run, so only the proxy differs:

* ``--impl zmq`` / ``--impl zmqx``: this process binds frontend/backend and
  runs ``zmq.proxy(frontend, backend)`` in a thread (the main thread only
  waits for the consumer's result);
* ``--impl c``: zmqx/benchmarks/c/proxy.c, i.e. libzmq's own ``zmq_proxy`` with
  the same sockets, in its own process.

``--mode monitored`` runs ``zmq.devices.monitored_queue(frontend, backend,
mon)`` with a PUB monitor socket (bound on inproc, no subscribers) instead;
its C counterpart is proxy.c with a capture PUB socket.  The consumer starts
its clock at the first message and times 10 slices; the figure is the median
slice rate (msg/s).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import harness as H
from ..case import Case

CASE = Case(
    name="proxy_throughput",
    unit="msg/s",
    higher_is_better=True,
    what="zmq.proxy(PULL, PUSH) in a thread vs C zmq_proxy; C peers, 64 B",
    full_args=["--count", "2000000"],
    quick_args=["--count", "500000"],
    with_c=True,
    baseline="c",
    extra_rounds=2,
    target=0.90,
    order=90,
)


def parser() -> argparse.ArgumentParser:
    """The options of this case."""
    p = H.base_parser(__doc__.splitlines()[0], impls=("zmq", "zmqx", "c"))
    p.add_argument("--mode", choices=("proxy", "monitored"), default="proxy")
    p.add_argument("--count", type=int, default=2_000_000)
    p.add_argument("--size", type=int, default=64)
    return p


def run_peers(
    args: argparse.Namespace,
    frontend: str,
    backend: str,
    proxy_problem: Callable[[], str | None],
) -> dict[str, Any]:
    """Run the C producer and consumer around the proxy; ``proxy_problem()``
    returns a message as soon as the proxy under test has died (fail fast
    instead of waiting for the consumer's receive timeout)."""
    exe = H.c_binary("throughput")
    n, size = str(args.count), str(args.size)
    consumer = H.spawn([exe, "recv", "connect", backend, n, size, "1"])
    producer = H.spawn([exe, "send", "connect", frontend, n, size, "1"])
    deadline = time.monotonic() + 120
    while consumer.poll() is None:
        problem = proxy_problem()
        if problem is None and time.monotonic() > deadline:
            problem = "consumer did not finish in 120 s"
        if problem is not None:
            for peer in (consumer, producer):
                peer.kill()
                H.reap(peer, 5)
            raise RuntimeError(problem)
        time.sleep(0.05)
    out, err = H.reap(consumer, 10)
    _, perr = H.reap(producer, 30)
    if consumer.returncode != 0:
        raise RuntimeError(f"consumer failed: {err.strip()[:500]}")
    if producer.returncode != 0:
        raise RuntimeError(f"producer failed: {perr.strip()[:500]}")
    res = H.last_json(out)
    res["overall_rate"] = res["rate"]
    if res.get("chunk_rates"):
        res["rate"] = H.median(res["chunk_rates"])
    return res


def run_c(args: argparse.Namespace) -> dict[str, Any]:
    """Measure libzmq's own zmq_proxy (the C program) between the C peers."""
    cmd = [H.c_binary("proxy"), "tcp://127.0.0.1:*", "tcp://127.0.0.1:*"]
    if args.mode == "monitored":
        cmd.append("inproc://bench-capture")
    proxy = H.spawn(cmd)
    try:
        frontend, backend = H.read_announce(proxy).split()

        def problem() -> str | None:
            if proxy.poll() is None:
                return None
            err = proxy.stderr.read() if proxy.stderr else ""
            return f"C proxy exited early (rc={proxy.returncode}): {err[:300]}"

        return run_peers(args, frontend, backend, problem)
    finally:
        H.stop(proxy)


def run_py(args: argparse.Namespace) -> dict[str, Any]:
    """Measure the binding's proxy, run in a thread of this process, between the C peers."""
    zmq = H.load_impl(args.impl)
    if args.mode == "monitored":
        try:
            from importlib import import_module

            monitored_queue = import_module(args.impl + ".devices").monitored_queue
        except (ImportError, AttributeError) as e:
            raise H.BenchSkip(f"{args.impl}.devices.monitored_queue unavailable: {e}") from None
    H.c_binary("throughput")  # skip before binding anything if there is no compiler
    ctx = zmq.Context()
    front = ctx.socket(zmq.PULL)
    back = ctx.socket(zmq.PUSH)
    socks = [front, back]
    for s in socks:
        s.setsockopt(zmq.LINGER, 0)
    front.bind("tcp://127.0.0.1:*")
    back.bind("tcp://127.0.0.1:*")
    if args.mode == "monitored":
        mon = ctx.socket(zmq.PUB)
        mon.setsockopt(zmq.LINGER, 0)
        mon.bind("inproc://bench-monitor")
        socks.append(mon)
    frontend = front.getsockopt(zmq.LAST_ENDPOINT).decode()
    backend = back.getsockopt(zmq.LAST_ENDPOINT).decode()
    outcome: list[BaseException] = []

    def device() -> None:
        try:
            if args.mode == "monitored":
                monitored_queue(front, back, mon)
            else:
                zmq.proxy(front, back)
        except zmq.ZMQError as e:  # ContextTerminated when we stop it
            if e.errno != zmq.ETERM:
                outcome.append(e)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            outcome.append(e)
        finally:
            for s in socks:
                s.close(linger=0)

    t = threading.Thread(target=device, name="bench-proxy", daemon=True)
    t.start()

    def problem() -> str | None:
        if outcome:
            return f"proxy thread failed: {outcome[0]!r}"
        if not t.is_alive():
            return "proxy thread returned early"
        return None

    res = run_peers(args, frontend, backend, problem)
    H.exit_hard_after(20)  # if stopping the proxy hangs, still exit
    res["_stop"] = (ctx, t, outcome)
    return res


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    args = parser().parse_args(argv)
    res = run_c(args) if args.impl == "c" else run_py(args)
    name = "proxy_throughput" if args.mode == "proxy" else "monitored_queue"
    H.emit(
        name,
        args.impl,
        res["rate"],
        "msg/s",
        overall_rate=res["overall_rate"],
        seconds=res["seconds"],
        count=res["count"],
        size=args.size,
        mode=args.mode,
    )
    if "_stop" in res:
        ctx, t, outcome = res["_stop"]
        ctx.term()  # makes the proxy return with ETERM; the thread closes the sockets
        t.join(10)
        if outcome:
            sys.stderr.write(f"warning: proxy thread ended with {outcome[0]!r}\n")
