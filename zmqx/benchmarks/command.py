"""The suite's command line, shared by ``zmqx bench``, ``python -m zmqx.benchmarks``
and ``make bench`` (``benchmarks/run.py``)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Any

from . import runner
from .case import all_cases
from .chart import chart_data
from .report import column_names, cpu_model, footnotes, header_lines, reporter

DESCRIPTION = (
    "Benchmark zmqx against pyzmq (and plain C with libzmq) on this machine: every "
    "implementation measured in the same run, interleaved, each measurement in a fresh process."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The suite's options, added to ``parser``."""
    parser.add_argument("--quick", action="store_true", help="smaller counts, fewer rounds")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="CASES",
        help="case name(s), comma separated or repeated (--list shows them)",
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--json", metavar="FILE", help="also write every result as JSON")
    parser.add_argument(
        "--chart", metavar="FILE.png", help="also draw a chart of the results (needs matplotlib)"
    )
    parser.add_argument(
        "--rounds", type=int, default=0, help="rounds per case (default 4, with --quick 2)"
    )
    parser.add_argument(
        "--stat",
        choices=("best", "median"),
        default="best",
        help="figure kept from the rounds (default: best)",
    )
    parser.add_argument(
        "--candidate",
        default="zmqx",
        choices=("zmqx", "zmq"),
        help="module in the zmqx column ('zmq' self-checks the harness: ratios near 1)",
    )
    parser.add_argument(
        "--zmqx-path",
        metavar="DIR",
        help="directory put on PYTHONPATH for the candidate (default: the zmqx this suite "
        "belongs to, then the installed one)",
    )
    parser.add_argument("--no-c", action="store_true", help="skip the C baselines")
    parser.add_argument(
        "--timeout",
        type=float,
        default=0,
        metavar="S",
        help="per-measurement timeout in seconds (default: per case)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="plain text output even when rich is installed (also: ZMQX_PLAIN=1)",
    )


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the suite as ``args`` say; usage errors go through ``parser.error`` (exit 2)."""
    cases = all_cases()
    if args.list:
        for case in cases:
            print(f"{case.name:22} {case.target_text():16} {case.what}")
        return 0
    known = {case.name: case for case in cases}
    names = [n for item in args.only for n in item.split(",") if n]
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(known)}")
    if names:
        cases = [known[n] for n in dict.fromkeys(names)]
    if args.chart:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            parser.error("--chart needs matplotlib: pip install 'zmqx[cli]'")
    if args.rounds < 0:
        parser.error("--rounds must be positive")

    options = runner.Options(
        quick=args.quick,
        rounds=args.rounds,
        stat=args.stat,
        candidate=args.candidate,
        zmqx_path=args.zmqx_path,
        no_c=args.no_c,
        timeout=args.timeout,
    )
    show = reporter(args.plain)
    setup = runner.prepare(options)
    show.header(header_lines(setup, options))
    if not setup.pyzmq_ok and not setup.candidate_ok:
        print("error: neither pyzmq nor zmqx can be imported; nothing to measure", file=sys.stderr)
        return 1

    foreign = runner.ForeignLoad()
    results = []
    show.start(runner.planned_runs(cases, setup, options))
    try:
        for case in cases:
            results.append(runner.run_case(case, setup, options, foreign, show.sample))
    finally:
        show.stop()
    elapsed = time.monotonic() - setup.started
    notes = footnotes(results, setup, options, foreign.total(), elapsed)
    show.table(results, notes, column_names(options.candidate))

    meta = metadata(setup, options, elapsed)
    document: dict[str, Any] = {"meta": meta, "results": results}
    if args.chart:
        document["chart"] = chart_data(results)
    # the JSON first: a chart that cannot be drawn must not lose the figures
    if args.json:
        with open(output_path(args.json), "w") as f:
            json.dump(document, f, indent=2)
        print(f"wrote {args.json}")
    if args.chart:
        from .chart import write_chart

        title = f"zmqx benchmarks - {meta['cpu_model']}, {meta['cpus']} cpus, {meta['time']}"
        write_chart(results, output_path(args.chart), title)
        print(f"wrote {args.chart}")
    return 0


def output_path(path: str) -> str:
    """``path``, after making the directory it goes in (a long run must not fail there)."""
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    return path


def metadata(setup: runner.Setup, options: runner.Options, elapsed: float) -> dict[str, Any]:
    """Where and how the suite ran (kept with the results in the JSON)."""
    return {
        "python": sys.version,
        "executable": sys.executable,
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "loadavg_end": os.getloadavg(),
        "pyzmq": setup.pyzmq_info if setup.pyzmq_ok else None,
        "candidate": options.candidate,
        "candidate_ok": setup.candidate_ok,
        "candidate_info": setup.candidate_info,
        "c_ok": setup.c_ok,
        "c_reason": setup.c_reason,
        "quick": options.quick,
        "rounds": options.round_count(),
        "stat": options.stat,
        "elapsed_s": elapsed,
        "time": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Parse ``argv`` and run the suite; returns the exit status (130 on Ctrl-C)."""
    parser = argparse.ArgumentParser(prog=prog, description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args, parser)
    except KeyboardInterrupt:
        print("benchmarks: interrupted", file=sys.stderr)
        return 130
