"""µs per ``Poller.poll(0)`` over 1000 registered idle sockets.

1000 PULL sockets, each bound to its own inproc:// address and registered
with POLLIN on one Poller; nothing is ever sent, so every poll returns [].
Best of REPEAT timeit runs.  Afterwards one message is sent to one socket and
the poller must report exactly that socket (so a broken poller cannot pass).
``--impl c`` runs zmqx/benchmarks/c/poll_idle.c: plain ``zmq_poll`` on the
same sockets, the libzmq floor (for information).
"""

from __future__ import annotations

import argparse
import timeit
from types import ModuleType
from typing import Any

from .. import harness as H
from ..case import Case

CASE = Case(
    name="poll_idle_1000",
    unit="us/call",
    higher_is_better=False,
    what="Poller.poll(0), 1000 idle inproc PULL sockets",
    full_args=["--repeat", "5", "--min-time", "0.2"],
    quick_args=["--repeat", "3", "--min-time", "0.1"],
    with_c=True,
    target_kind="abs",
    target_op="<=",
    target=50.0,
    order=50,
)


def run_c(args: argparse.Namespace) -> None:
    """Measure plain zmq_poll over the same sockets (the C program)."""
    exe = H.c_binary("poll_idle")
    ms = str(max(1, int(args.min_time * 1000)))
    proc = H.spawn([exe, str(args.sockets), str(args.repeat), ms])
    out, err = H.reap(proc, 120)
    if proc.returncode != 0:
        raise RuntimeError(f"C poll_idle failed: {err.strip()[:500]}")
    res = H.last_json(out)
    H.emit(
        CASE.name,
        "c",
        res["us_per_call"],
        "us/call",
        sockets=args.sockets,
        number=res["iterations"],
        repeat=args.repeat,
        events_us_per_socket=res["events_us_per_socket"],
    )


def check_poller_still_works(zmq: ModuleType, ctx: Any, poller: Any, socks: list[Any]) -> None:
    """A fast figure only counts if the poller still sees a real event."""
    # ctx, poller and socks belong to the binding chosen at run time: no static type
    k = len(socks) // 2
    push = ctx.socket(zmq.PUSH)
    push.setsockopt(zmq.LINGER, 0)
    push.connect(f"inproc://bench-poll-idle-{k}")
    push.send(b"ping")
    events = dict(poller.poll(5000))
    if events.get(socks[k], 0) & zmq.POLLIN == 0 or len(events) != 1:
        raise RuntimeError(f"poller missed the event on socket {k}: {events!r}")
    if socks[k].recv() != b"ping":
        raise RuntimeError("wrong message")
    if poller.poll(0):
        raise RuntimeError("poller reports an event after the message was read")
    push.close()


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    p = H.base_parser(__doc__.splitlines()[0], impls=("zmq", "zmqx", "c"))
    p.add_argument("--sockets", type=int, default=1000)
    p.add_argument("--number", type=int, default=0, help="calls per repeat (0 = calibrate)")
    p.add_argument(
        "--min-time", type=float, default=0.2, help="seconds per repeat when calibrating"
    )
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    if args.impl == "c":
        run_c(args)
        return
    zmq = H.load_impl(args.impl)

    ctx = zmq.Context()
    socks = []
    poller = zmq.Poller()
    for i in range(args.sockets):
        s = ctx.socket(zmq.PULL)
        s.setsockopt(zmq.LINGER, 0)
        s.bind(f"inproc://bench-poll-idle-{i}")
        poller.register(s, zmq.POLLIN)
        socks.append(s)
    if poller.poll(0):
        raise RuntimeError("idle sockets reported events")
    timer = timeit.Timer("poller.poll(0)", globals={"poller": poller})
    per_call, number = H.best_per_call(timer, args.repeat, args.min_time, args.number)
    check_poller_still_works(zmq, ctx, poller, socks)
    H.emit(
        CASE.name,
        args.impl,
        per_call * 1e6,
        "us/call",
        sockets=args.sockets,
        number=number,
        repeat=args.repeat,
    )
    H.exit_hard_after(30)
    for s in socks:
        s.close()
    ctx.term()
