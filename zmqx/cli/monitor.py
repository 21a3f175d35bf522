"""``zmqx monitor``: open a socket and print its socket events as they happen.

Each event is one line: the time, the event's name, the endpoint, and what its
value means for that event (a file descriptor, a retry interval, an error, the
protocol error of a failed handshake...).  ``--json`` prints JSON objects instead.
"""

from __future__ import annotations

import argparse
import errno
import json
import sys
import time
from typing import TYPE_CHECKING, TypedDict

import zmqx
from zmqx.constants import Event
from zmqx.utils.monitor import recv_monitor_message

if TYPE_CHECKING:
    from zmqx.utils.monitor import _MonitorMessage

from .common import (
    Subcommands,
    UsageError,
    add_socket_options,
    attach,
    open_socket,
    positive_int,
    run_command,
    socket_type,
)

# what an event's value is, by event
_FD_EVENTS = Event.CONNECTED | Event.ACCEPTED | Event.LISTENING | Event.CLOSED | Event.DISCONNECTED
_ERRNO_EVENTS = (
    Event.CONNECT_DELAYED
    | Event.BIND_FAILED
    | Event.ACCEPT_FAILED
    | Event.CLOSE_FAILED
    | Event.HANDSHAKE_FAILED_NO_DETAIL
)
_EVENT_NAMES = [
    name
    for name, member in Event.__members__.items()
    if member and member <= Event.HANDSHAKE_FAILED_AUTH and member & (member - 1) == 0
]


def register(subparsers: Subcommands) -> None:
    """Add the monitor subcommand."""
    parser = subparsers.add_parser(
        "monitor",
        help="print a socket's events (connected, disconnected, handshake failed...)",
        description="Open a socket, bind or connect it, and print its socket events as they "
        "happen, one per line, until Ctrl-C (or --count events).",
    )
    add_socket_options(parser)
    parser.add_argument(
        "-T",
        "--type",
        type=socket_type,
        default="DEALER",
        metavar="TYPE",
        help="socket type, which must suit the peer (default: DEALER)",
    )
    parser.add_argument(
        "-e",
        "--events",
        metavar="NAMES",
        help="comma-separated events to show (default: all); "
        f"known: {', '.join(n.lower() for n in _EVENT_NAMES)}",
    )
    parser.add_argument("-n", "--count", type=positive_int, metavar="N", help="exit after N events")
    parser.add_argument("--json", action="store_true", help="print JSON objects")
    parser.set_defaults(run=run)


def event_mask(text: str | None) -> int:
    """The event bits named in ``text`` (all when None); UsageError on an unknown name."""
    if text is None:
        return int(Event.ALL)
    mask = 0
    for name in filter(None, (part.strip().upper() for part in text.split(","))):
        if name not in _EVENT_NAMES:
            raise UsageError(f"unknown event {name.lower()!r}")
        mask |= int(Event[name])
    if not mask:
        raise UsageError("--events names no event")
    return mask


def describe_value(event: int, value: int) -> str:
    """What an event's value means, in words ('' when it means nothing)."""
    if event & _FD_EVENTS:
        return f"fd {value}"
    if event == Event.CONNECT_RETRIED:
        return f"retry in {value} ms"
    if event & _ERRNO_EVENTS:
        return f"{errno.errorcode.get(value, value)}: {zmqx.strerror(value)}"
    if event == Event.HANDSHAKE_FAILED_PROTOCOL:
        try:
            return Event(value).name or hex(value)
        except ValueError:
            return f"protocol error {value:#x}"
    if event == Event.HANDSHAKE_FAILED_AUTH:
        return f"ZAP status {value}"
    return ""


class EventRecord(TypedDict):
    """One monitor event as ``zmqx monitor`` prints it (a JSON object with --json)."""

    time: float
    event: str
    endpoint: str
    value: int
    detail: str


def event_record(message: _MonitorMessage) -> EventRecord:
    """A parsed monitor message as a dict: time, event name, endpoint, value, detail."""
    event, value = int(message["event"]), int(message["value"])
    try:
        name = Event(event).name or str(event)
    except ValueError:
        name = str(event)
    return {
        "time": time.time(),
        "event": name,
        "endpoint": message["endpoint"].decode("utf-8", "replace"),
        "value": value,
        "detail": describe_value(event, value),
    }


def format_line(record: EventRecord) -> str:
    """An event record as one readable line."""
    stamp = time.strftime("%H:%M:%S", time.localtime(record["time"]))
    millis = int(record["time"] * 1000) % 1000
    text = f"{stamp}.{millis:03d} {record['event']:<26} {record['endpoint']}"
    return f"{text}  {record['detail']}" if record["detail"] else text


def run(args: argparse.Namespace) -> int:
    """Run ``zmqx monitor``; returns the exit status."""
    prog = "zmqx monitor"

    def body() -> int:
        mask = event_mask(args.events)
        left = args.count
        ctx = zmqx.Context()
        try:
            sock = open_socket(ctx, args.type, args, [(zmqx.LINGER, 0)])
            # watch the socket before it binds or connects, so no event is missed
            monitor = sock.get_monitor_socket(mask)
            attach(sock, args, prog)
            while left is None or left > 0:
                record = event_record(recv_monitor_message(monitor))
                line = json.dumps(record) if args.json else format_line(record)
                sys.stdout.write(line + "\n")
                sys.stdout.flush()
                if left is not None:
                    left -= 1
        finally:
            ctx.destroy(linger=0)
        return 0

    return run_command(body, prog)
