"""The ``zmqx`` command: sockets on the terminal, socket events, keys, devices, benchmarks.

    zmqx pull --bind tcp://127.0.0.1:5555          print what arrives
    seq 3 | zmqx push tcp://127.0.0.1:5555        send lines as messages
    zmqx monitor tcp://127.0.0.1:5555             print socket events
    zmqx keygen --dir certs server                CURVE certificate files
    zmqx device queue --in-bind ... --out-bind ...
    zmqx bench --quick --chart bench.png

Each subcommand lives in its own module here; ``zmqx SUBCOMMAND --help`` explains it.
Exit status: 0 done (or stopped by SIGTERM), 1 failed, 2 bad command line (endpoint,
option, socket type), 130 interrupted by Ctrl-C.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from . import bench, device, keygen, monitor, sockets
from .common import ArgumentParser


def build_parser() -> ArgumentParser:
    """The parser of the whole command line, one subparser per subcommand."""
    parser = ArgumentParser(
        prog="zmqx",
        description="ZeroMQ from the command line: talk to endpoints, watch socket events, "
        "make CURVE keys, run devices, benchmark zmqx.",
        epilog="'zmqx COMMAND --help' explains a command. Exit status: 0 done, 1 failed, "
        "2 bad command line, 130 interrupted.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sockets.register(subparsers)
    monitor.register(subparsers)
    keygen.register(subparsers)
    device.register(subparsers)
    bench.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``zmqx`` command line ``argv`` (default: sys.argv[1:]); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["device"]:
        # the device command line is zmqx.devices' own, parsed there
        return device.run(argv[1:])
    args = build_parser().parse_args(argv)
    return int(args.run(args))
