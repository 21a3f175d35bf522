"""Wall time of ``import <impl>`` in fresh interpreter processes (best of N).

Each of N fresh ``python -c`` children times its own ``import zmq`` /
``import zmqx`` with time.perf_counter (no -X importtime), so interpreter
start-up is excluded but everything the import pulls in is included.  The
figure is the best (smallest) of the N, in ms.  The same ``sys.executable``
and environment (PYTHONPATH) as this script are used.
"""

from __future__ import annotations

import os
import subprocess
import sys

from .. import harness as H
from ..case import Case

CASE = Case(
    name="import_time",
    unit="ms",
    higher_is_better=False,
    what="in-process wall time of `import X`, fresh process, best of N",
    full_args=["--n", "15"],
    quick_args=["--n", "10"],
    target_op="<=",
    target=0.5,
    order=80,
)

CHILD = (
    "import time\n"
    "t0 = time.perf_counter()\n"
    "import {mod}\n"
    "t1 = time.perf_counter()\n"
    "assert hasattr({mod}, 'Context') and hasattr({mod}, 'Socket'), 'unusable module'\n"
    "print(repr(t1 - t0))\n"
)


def main(argv: list[str] | None = None) -> None:
    """Make one measurement as ``argv`` says and print it as one JSON line."""
    p = H.base_parser(__doc__.splitlines()[0])
    p.add_argument("-n", "--n", type=int, default=15, help="fresh processes (>= 10 advised)")
    args = p.parse_args(argv)
    H.load_impl(args.impl)  # skip cleanly if not importable; also warms .pyc caches
    code = CHILD.format(mod=args.impl)
    times = []
    for _ in range(args.n):
        r = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            cwd=H.PACKAGE_DIR,
            env=os.environ.copy(),
        )
        if r.returncode != 0:
            raise RuntimeError(f"child import failed: {r.stderr.strip()[-500:]}")
        times.append(float(r.stdout.strip().splitlines()[-1]))
    times.sort()
    H.emit(
        CASE.name, args.impl, times[0] * 1e3, "ms", n=args.n, median_ms=times[len(times) // 2] * 1e3
    )
