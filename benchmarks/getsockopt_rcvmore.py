"""ns per ``sock.getsockopt(zmq.RCVMORE)`` call, measured timeit-style.

The statement timed is literally ``sock.getsockopt(RCVMORE)`` with ``RCVMORE``
bound to ``zmq.RCVMORE`` of the implementation (whatever type it uses) and
``sock`` a PULL socket.  The figure is raw: it includes the Python
method-lookup and call overhead and the loop itself; best of REPEAT runs.
"""

from __future__ import annotations

import sys
import timeit

import _common as C

BENCH = "getsockopt_rcvmore"


def main(argv=None) -> None:
    p = C.base_parser(__doc__.splitlines()[0])
    p.add_argument("--number", type=int, default=0, help="calls per repeat (0 = calibrate)")
    p.add_argument(
        "--min-time", type=float, default=0.2, help="seconds per repeat when calibrating"
    )
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args(argv)
    zmq = C.load_impl(args.impl)

    ctx = zmq.Context()
    sock = ctx.socket(zmq.PULL)
    sock.setsockopt(zmq.LINGER, 0)
    assert sock.getsockopt(zmq.RCVMORE) == 0
    timer = timeit.Timer("sock.getsockopt(RCVMORE)", globals={"sock": sock, "RCVMORE": zmq.RCVMORE})
    per_call, number = C.best_per_call(timer, args.repeat, args.min_time, args.number)
    C.emit(BENCH, args.impl, per_call * 1e9, "ns/call", number=number, repeat=args.repeat)
    sock.close()
    ctx.term()


if __name__ == "__main__":
    C.main_guard(main)
    sys.exit(0)
