"""What the subcommands share: usage errors, socket set-up, and the run wrapper
that turns errors, Ctrl-C and SIGTERM into one line on stderr and an exit status."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeAlias

import zmqx
from zmqx.devices.__main__ import socket_type

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C

__all__ = [
    "ArgumentParser",
    "InputError",
    "UsageError",
    "add_socket_options",
    "attach",
    "open_socket",
    "positive_int",
    "run_command",
    "socket_type",
]


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit status 2)."""

    def error(self, message: str) -> NoReturn:
        """Print one line naming the command and the problem, and exit with status 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# what add_subparsers() returns: each subcommand module's register() adds its parser to it
Subcommands: TypeAlias = "argparse._SubParsersAction[ArgumentParser]"


class UsageError(Exception):
    """A bad endpoint, option or value on the command line: exit status 2."""


class InputError(Exception):
    """Input that does not describe a message (a stdin line): exit status 1."""


class Terminated(BaseException):
    """Raised by the SIGTERM handler so that sockets are closed on the way out."""


def add_socket_options(parser: argparse.ArgumentParser) -> None:
    """ENDPOINT... with --bind/--connect, and -o NAME=VALUE socket options."""
    parser.add_argument(
        "endpoints",
        nargs="+",
        metavar="ENDPOINT",
        help="e.g. tcp://127.0.0.1:5555, ipc:///tmp/sock, inproc://x",
    )
    way = parser.add_mutually_exclusive_group()
    way.add_argument(
        "-b",
        "--bind",
        action="store_true",
        help="bind to the endpoints (a tcp port of * picks a free one)",
    )
    way.add_argument(
        "-c", "--connect", action="store_true", help="connect to the endpoints (the default)"
    )
    parser.add_argument(
        "-o",
        "--sockopt",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a socket option before connecting, e.g. -o sndhwm=100 -o routing_id=me "
        "(repeatable; integers for numeric options, text otherwise)",
    )


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def set_option(sock: zmqx.Socket, text: str) -> None:
    """Apply one ``NAME=VALUE`` option; UsageError if it is not one."""
    name, sep, value = text.partition("=")
    if not sep:
        raise UsageError(f"socket option {text!r} is not NAME=VALUE")
    try:
        option = zmqx.SocketOption[name.strip().upper()]
    except KeyError:
        raise UsageError(f"unknown socket option {name!r}") from None
    try:
        if value.strip().lstrip("-").isdigit():
            try:
                sock.setsockopt(option, int(value))
                return
            except TypeError:  # a number, but this option takes bytes (a routing id...)
                pass
        sock.setsockopt(option, value.encode())
    except (TypeError, zmqx.ZMQError) as exc:
        raise UsageError(f"socket option {option.name}={value}: {exc}") from None


def open_socket(
    ctx: zmqx.Context,
    kind: int,
    args: argparse.Namespace,
    extra_options: Sequence[tuple[int, int | bytes]] = (),
) -> zmqx.Socket:
    """A socket of ``kind`` with the command line's -o options (not yet bound or connected)."""
    sock = ctx.socket(kind)
    for option, value in extra_options:
        sock.setsockopt(option, value)
    for text in args.sockopt:
        set_option(sock, text)
    return sock


def attach(sock: zmqx.Socket, args: argparse.Namespace, prog: str) -> None:
    """Bind or connect ``sock`` to the command line's endpoints.

    Each bound endpoint is reported on stderr (a wildcard port resolved), so that a
    peer, or a script, knows where to connect.
    """
    for endpoint in args.endpoints:
        try:
            if args.bind:
                sock.bind(endpoint)
                where = sock.getsockopt(zmqx.LAST_ENDPOINT).decode()
                print(f"{prog}: bound {where}", file=sys.stderr, flush=True)
            else:
                sock.connect(endpoint)
        except zmqx.ZMQError as exc:
            verb = "bind to" if args.bind else "connect to"
            reason = zmqx.strerror(exc.errno) if exc.errno else str(exc)
            raise UsageError(f"cannot {verb} {endpoint!r}: {reason}") from None


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated()


def run_command(body: Callable[[], int], prog: str) -> int:
    """Run a subcommand's body: errors become one stderr line and an exit status
    (2 usage, 1 failure, 130 Ctrl-C; SIGTERM stops it with 0); never a traceback."""
    # Ctrl-C must work even when started with SIGINT ignored (a background job)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_term = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return body()
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        return 0  # a requested stop, as for `zmqx device`
    except InputError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly, and keep Python
        # from complaining again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except (zmqx.ZMQBaseError, OSError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
