"""ns per ``sock.getsockopt(zmq.RCVMORE)`` call, measured timeit-style.

The statement timed is literally ``sock.getsockopt(RCVMORE)`` with ``RCVMORE``
bound to ``zmq.RCVMORE`` of the implementation (whatever type it uses) and
``sock`` a PULL socket.  The figure is raw: it includes the Python
method-lookup and call overhead and the loop itself; best of REPEAT runs.
"""

from __future__ import annotations

import timeit

from .. import harness as H
from ..case import Case

CASE = Case(
    name="getsockopt_rcvmore",
    unit="ns/call",
    higher_is_better=False,
    what="sock.getsockopt(zmq.RCVMORE), raw ns incl. call overhead",
    full_args=["--repeat", "5", "--min-time", "0.2"],
    quick_args=["--repeat", "3", "--min-time", "0.1"],
    target_kind="abs",
    target_op="<=",
    target=150.0,
    order=40,
)


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    p = H.base_parser(__doc__.splitlines()[0])
    p.add_argument("--number", type=int, default=0, help="calls per repeat (0 = calibrate)")
    p.add_argument(
        "--min-time", type=float, default=0.2, help="seconds per repeat when calibrating"
    )
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    zmq = H.load_impl(args.impl)

    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.setsockopt(zmq.LINGER, 0)
    assert sock.getsockopt(zmq.RCVMORE) == 0
    timer = timeit.Timer("sock.getsockopt(RCVMORE)", globals={"sock": sock, "RCVMORE": zmq.RCVMORE})
    per_call, number = H.best_per_call(timer, args.repeat, args.min_time, args.number)
    H.emit(CASE.name, args.impl, per_call * 1e9, "ns/call", number=number, repeat=args.repeat)
    sock.close()
    ctx.term()
