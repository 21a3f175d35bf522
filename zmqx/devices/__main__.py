"""Run a device from the command line, in the foreground.

    python -m zmqx.devices queue --in-bind tcp://*:5559 --out-bind tcp://*:5560
    python -m zmqx.devices forwarder --in-bind tcp://*:5557 --out-bind tcp://*:5558
    python -m zmqx.devices monitored-queue --in-bind ... --out-bind ... --mon-bind ...

Ctrl-C (exit status 130) or SIGTERM (exit status 0) stops it with a one-line
message; a steerable proxy also stops (status 0) on TERMINATE. A socket that cannot be
set up (bad endpoint or option) ends it with one line and status 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import NamedTuple

import zmqx
from zmqx import constants
from zmqx.devices import _worker
from zmqx.devices.basedevice import Device
from zmqx.devices.monitoredqueuedevice import MonitoredQueue
from zmqx.devices.proxydevice import Proxy
from zmqx.devices.proxysteerabledevice import ProxySteerable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

PROG = "python -m zmqx.devices"


class Spec(NamedTuple):
    """A device the command line runs: its help, default socket types, extra sockets."""

    help: str
    in_type: str
    out_type: str
    extra_roles: tuple[str, ...] = ()


DEVICES = {
    "queue": Spec("ROUTER <-> DEALER queue for request/reply (QUEUE device)", "ROUTER", "DEALER"),
    "forwarder": Spec(
        (
            "SUB -> PUB forwarder for publish/subscribe (FORWARDER device); the SUB side "
            "subscribes to everything unless --subscribe is given"
        ),
        "SUB",
        "PUB",
    ),
    "streamer": Spec("PULL -> PUSH streamer for pipelines (STREAMER device)", "PULL", "PUSH"),
    "monitored-queue": Spec(
        (
            "queue that also publishes every message on a monitor socket, after a frame "
            "naming its side (--in-prefix/--out-prefix); ROUTER on both sides works"
        ),
        "ROUTER",
        "DEALER",
        ("mon",),
    ),
    "proxy": Spec(
        "proxy that copies every message to a monitor (capture) socket",
        "ROUTER",
        "DEALER",
        ("mon",),
    ),
    "steerable": Spec(
        "proxy obeying PAUSE/RESUME/TERMINATE/STATISTICS on a control socket",
        "ROUTER",
        "DEALER",
        ("mon", "ctrl"),
    ),
}

ROLE_NAMES = {"in": "in (frontend)", "out": "out (backend)", "mon": "monitor", "ctrl": "control"}
ROLE_DEFAULT_TYPES = {"mon": "PUB", "ctrl": "REP"}


class Stopped(BaseException):
    """Raised from the SIGTERM handler to leave the device loop."""


def socket_type(text: str) -> int:
    """A socket type by name (ROUTER, dealer...) or number."""
    if text.isdigit():
        return int(text)
    try:
        return int(constants.SocketType[text.upper()])
    except KeyError:
        names = ", ".join(constants.SocketType.__members__)
        raise argparse.ArgumentTypeError(f"unknown socket type {text!r} (one of {names})") from None


def add_role_options(parser: argparse.ArgumentParser, role: str, default_type: str) -> None:
    group = parser.add_argument_group(f"{ROLE_NAMES[role]} socket")
    group.add_argument(
        f"--{role}-bind",
        metavar="ADDR",
        action="append",
        default=[],
        help="bind to ADDR (repeatable; a tcp port of * picks a free one)",
    )
    group.add_argument(
        f"--{role}-connect",
        metavar="ADDR",
        action="append",
        default=[],
        help="connect to ADDR (repeatable)",
    )
    group.add_argument(
        f"--{role}-type",
        metavar="TYPE",
        type=socket_type,
        default=default_type,
        help=f"socket type (default: {default_type})",
    )


def build_parser(
    prog: str = PROG, parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser
) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = parser_class(
        prog=prog,
        description="Run a ZeroMQ device in the foreground until Ctrl-C or SIGTERM.",
        epilog=f"'{prog} DEVICE --help' lists a device's options.",
    )
    subparsers = parser.add_subparsers(dest="device", metavar="DEVICE", required=True)
    subs = {}
    for name, (text, in_type, out_type, extra) in DEVICES.items():
        sub = subs[name] = subparsers.add_parser(name, help=text, description=text)
        add_role_options(sub, "in", in_type)
        add_role_options(sub, "out", out_type)
        for role in extra:
            add_role_options(sub, role, ROLE_DEFAULT_TYPES[role])
        if name == "monitored-queue":
            sub.add_argument(
                "--in-prefix",
                metavar="PREFIX",
                default="in",
                help="monitor prefix of messages from the in side (default: in)",
            )
            sub.add_argument(
                "--out-prefix",
                metavar="PREFIX",
                default="out",
                help="monitor prefix of messages from the out side (default: out)",
            )
        sub.add_argument(
            "--subscribe",
            metavar="TOPIC",
            action="append",
            help="topic a SUB socket subscribes to (repeatable; default: all)",
        )
        sub.add_argument(
            "--linger",
            metavar="MS",
            type=int,
            default=0,
            help="LINGER of every socket: how long unsent messages are kept "
            "trying when the device stops (default: 0)",
        )
        sub.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            help="do not print the line saying where the device listens",
        )
    return parser, subs


def make_device(args: argparse.Namespace) -> Device:
    extra = DEVICES[args.device].extra_roles
    if args.device == "monitored-queue":
        dev: Device = MonitoredQueue(
            args.in_type, args.out_type, args.mon_type, args.in_prefix, args.out_prefix
        )
    elif args.device == "proxy":
        dev = Proxy(args.in_type, args.out_type, args.mon_type)
    elif args.device == "steerable":
        dev = ProxySteerable(args.in_type, args.out_type, args.mon_type, args.ctrl_type)
    else:
        device_type = {"queue": zmqx.QUEUE, "forwarder": zmqx.FORWARDER, "streamer": zmqx.STREAMER}[
            args.device
        ]
        dev = Device(device_type, args.in_type, args.out_type)
    dev.context_factory = zmqx.Context
    topics = [t.encode() for t in (args.subscribe or [""])]
    for role in ("in", "out", *extra):
        setsockopt = getattr(dev, f"setsockopt_{role}")
        setsockopt(zmqx.LINGER, args.linger)
        if getattr(args, f"{role}_type") == zmqx.SUB:
            for topic in topics:
                setsockopt(zmqx.SUBSCRIBE, topic)
        for addr in getattr(args, f"{role}_bind"):
            getattr(dev, f"bind_{role}")(addr)
        for addr in getattr(args, f"{role}_connect"):
            getattr(dev, f"connect_{role}")(addr)
    return dev


def describe(args: argparse.Namespace, sockets: _worker.DeviceSockets, prog: str = PROG) -> str:
    parts = []
    for role in ("in", "out", *DEVICES[args.device].extra_roles):
        sock = sockets.sockets[role]
        if sock is None:
            continue
        kind = constants.SocketType(getattr(args, f"{role}_type")).name
        binds = getattr(args, f"{role}_bind")
        where = [f"bind {addr}" for addr in binds[:-1]]
        if binds:
            # the endpoint bound last, with a wildcard port resolved
            where.append("bind " + sock.get(zmqx.LAST_ENDPOINT).decode())
        where += [f"connect {addr}" for addr in getattr(args, f"{role}_connect")]
        parts.append(f"{role} {kind} {', '.join(where) or '(no endpoint)'}")
    return f"{prog}: {args.device} running; " + "; ".join(parts) + " (Ctrl-C to stop)"


def on_sigterm(signum: int, frame: object) -> None:
    raise Stopped()


def main(
    argv: Sequence[str] | None = None,
    prog: str = PROG,
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
) -> int:
    """Run the device the command line ``argv`` describes; returns the exit status.

    ``prog`` names the command in help and messages and ``parser_class`` parses it
    (``zmqx device`` reuses this with its own).
    """
    parser, subs = build_parser(prog, parser_class)
    args = parser.parse_args(argv)
    for role in ("in", "out"):
        if not getattr(args, f"{role}_bind") and not getattr(args, f"{role}_connect"):
            subs[args.device].error(f"the {role} socket needs --{role}-bind or --{role}-connect")

    signal.signal(signal.SIGTERM, on_sigterm)
    sockets = None
    running = False
    status = 0
    try:
        dev = make_device(args)
        # make and bind the sockets before saying where they are
        sockets = dev._prepared_sockets()
        sockets.finish()
        if not args.quiet:
            print(describe(args, sockets, prog), file=sys.stderr, flush=True)
        running = True
        dev.run()
        print(f"{prog}: {args.device} stopped", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted, stopped", file=sys.stderr)
        status = 130
    except Stopped:
        print(f"{prog}: terminated, stopped", file=sys.stderr)
    except (zmqx.ZMQBaseError, OSError, ValueError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        # a socket that cannot be set up (bad endpoint, option) is a usage error
        status = 1 if running else 2
    finally:
        # a second Ctrl-C must not turn a clean stop into a traceback
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if sockets is not None:
            sockets.close()
            if sockets.context is not None:
                sockets.context.destroy(linger=0)
    return status


if __name__ == "__main__":
    sys.exit(main())
