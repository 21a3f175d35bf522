"""``zmqx bench``: the benchmark suite of ``zmqx.benchmarks`` on this machine."""

from __future__ import annotations

import argparse

from .common import Subcommands, run_command


def register(subparsers: Subcommands) -> None:
    """Add the bench subcommand, with the suite's own options."""
    from zmqx.benchmarks.command import DESCRIPTION, add_arguments

    parser = subparsers.add_parser(
        "bench",
        help="benchmark zmqx against pyzmq and C on this machine (table, chart)",
        description=DESCRIPTION,
    )
    add_arguments(parser)
    parser.set_defaults(run=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    """Run ``zmqx bench``; returns the exit status."""
    from zmqx.benchmarks.command import run as run_suite

    return run_command(lambda: run_suite(args, args.parser), "zmqx bench")
