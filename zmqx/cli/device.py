"""``zmqx device``: run a device in the foreground, exactly as ``python -m zmqx.devices``."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .common import Subcommands

PROG = "zmqx device"


def register(subparsers: Subcommands) -> None:
    """List the device subcommand in ``zmqx --help``."""
    # listed only: main() hands `zmqx device ...` to run() unparsed
    subparsers.add_parser(
        "device",
        help="run a device: queue, forwarder, streamer, monitored-queue, proxy, steerable",
        add_help=False,
    )


def run(argv: Sequence[str]) -> int:
    """Run the device command line ``argv`` (what follows ``zmqx device``)."""
    from zmqx.devices.__main__ import main

    from .common import ArgumentParser

    # Ctrl-C must work even when started with SIGINT ignored (a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return main(argv, prog=PROG, parser_class=ArgumentParser)
