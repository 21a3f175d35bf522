"""``zmqx pub|sub|push|pull|req|rep|dealer|router|pair``: a socket on the terminal.

Lines read from stdin are sent, one message per line; messages that arrive are
printed, one per line, in the format of ``zmqx.cli.frames`` (multipart messages
and binary frames included, read back the same way).  What each type does:

* pub, push: send stdin's lines, then exit at end of input.
* sub, pull: print what arrives.
* req: send each stdin line and print its reply (a client).
* rep: print each request and answer it: echo it back, or send --reply.
* dealer, router, pair: both at once; router shows (and expects) the peer's
  routing id as the first frame.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from typing import NamedTuple

import zmqx

from .common import (
    InputError,
    Subcommands,
    UsageError,
    add_socket_options,
    attach,
    open_socket,
    positive_int,
    run_command,
)
from .frames import FormatError, MessageFormat, decode_frame, message_format


class Kind(NamedTuple):
    """A socket command: its socket type, what it does with messages, its help."""

    socket_type: int
    role: str  # "send", "recv", "request", "reply" or "duplex"
    help: str


KINDS = {
    "pub": Kind(zmqx.PUB, "send", "publish stdin's lines (--topic: as a first frame)"),
    "sub": Kind(zmqx.SUB, "recv", "print published messages (--topic: subscribe to it)"),
    "push": Kind(zmqx.PUSH, "send", "push stdin's lines down a pipeline"),
    "pull": Kind(zmqx.PULL, "recv", "print the messages pulled from a pipeline"),
    "req": Kind(zmqx.REQ, "request", "send each stdin line as a request and print the reply"),
    "rep": Kind(zmqx.REP, "reply", "print each request and reply (echo, or --reply)"),
    "dealer": Kind(zmqx.DEALER, "duplex", "send stdin's lines and print what arrives"),
    "router": Kind(
        zmqx.ROUTER,
        "duplex",
        "print messages with the sender's id first; "
        "send stdin's lines, each starting with the peer's id",
    ),
    "pair": Kind(zmqx.PAIR, "duplex", "send stdin's lines and print what arrives"),
}


def register(subparsers: Subcommands) -> None:
    """Add one subcommand per socket type."""
    for name, kind in KINDS.items():
        parser = subparsers.add_parser(
            name,
            help=kind.help,
            description=f"A {name.upper()} socket: {kind.help}.",
            epilog="Messages are one per line: frames separated by a tab (see --delimiter), "
            "non-text bytes escaped as \\xHH, a backslash as \\\\.",
        )
        add_socket_options(parser)
        if name in ("pub", "sub"):
            parser.add_argument(
                "-t",
                "--topic",
                action="append",
                metavar="TOPIC",
                help="sub: subscribe to TOPIC (repeatable; default: everything); "
                "pub: send TOPIC as the first frame of every message (escapes like \\xHH "
                "allowed)",
            )
        parser.add_argument(
            "-n",
            "--count",
            type=positive_int,
            metavar="N",
            help="exit after N messages (received, or sent for pub/push)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="messages as JSON arrays of frames instead of text lines",
        )
        parser.add_argument(
            "-d",
            "--delimiter",
            metavar="TEXT",
            help="what separates the frames of a message (default: a tab)",
        )
        if kind.role == "reply":
            parser.add_argument(
                "--reply",
                metavar="MESSAGE",
                help="answer every request with MESSAGE (default: echo)",
            )
        if kind.role in ("send", "request", "duplex"):
            parser.add_argument(
                "--delay",
                type=float,
                default=0.0,
                metavar="SECONDS",
                help="wait this long after connecting before sending "
                "(lets subscribers and peers join)",
            )
        parser.add_argument(
            "--linger",
            type=int,
            default=-1,
            metavar="MS",
            help="how long unsent messages may delay the exit "
            "(default: -1, until delivered; Ctrl-C gives up)",
        )
        parser.set_defaults(run=run, kind=name)


def run(args: argparse.Namespace) -> int:
    """Run a socket command (pub, sub, ...); returns the exit status."""
    prog = f"zmqx {args.kind}"
    return run_command(lambda: SocketCommand(args, prog).run(), prog)


class SocketCommand:
    """One socket command run: the socket, the line format, and its loop."""

    def __init__(self, args: argparse.Namespace, prog: str) -> None:
        self.args = args
        self.prog = prog
        self.kind = KINDS[args.kind]
        try:
            self.format: MessageFormat = message_format(args.json, args.delimiter)
            self.reply = None
            if getattr(args, "reply", None) is not None:
                self.reply = self.format.parse(args.reply)
        except (ValueError, FormatError) as exc:
            raise UsageError(str(exc)) from None
        try:  # topics may hold any bytes, written with the escapes of messages
            self.topics = [decode_frame(topic) for topic in getattr(args, "topic", None) or []]
        except FormatError as exc:
            raise UsageError(f"--topic: {exc}") from None
        if args.kind == "pub" and len(self.topics) > 1:
            raise UsageError("pub takes one --topic")
        self.left: int | None = args.count  # messages still to handle, or None for no limit
        self.line_number = 0

    def run(self) -> int:
        """Run a socket command (pub, sub, ...); returns the exit status."""
        ctx = zmqx.Context()
        try:
            options: list[tuple[int, int | bytes]] = [(zmqx.LINGER, self.args.linger)]
            if self.kind.socket_type == zmqx.SUB:
                for topic in self.topics or [b""]:
                    options.append((zmqx.SUBSCRIBE, topic))
            sock = open_socket(ctx, self.kind.socket_type, self.args, options)
            attach(sock, self.args, self.prog)
            if getattr(self.args, "delay", 0) > 0:
                time.sleep(self.args.delay)
            loop = getattr(self, "_" + self.kind.role)
            try:
                loop(sock)
            except InputError:
                # a closed socket keeps --linger (destroy below only cuts open ones):
                # what was sent before the bad stdin line is still delivered
                sock.close()
                raise
            sock.close()
        except BaseException:
            ctx.destroy(linger=0)  # interrupted or failed: close at once
            raise
        ctx.term()  # waits up to --linger for unsent messages
        return 0

    # -- the loops, one per role ---------------------------------------------------------

    def _send(self, sock: zmqx.Socket) -> None:
        for frames in self._stdin_messages():
            sock.send_multipart(self.topics + frames)
            if self._counted():
                return

    def _recv(self, sock: zmqx.Socket) -> None:
        while True:
            self._print(sock.recv_multipart())
            if self._counted():
                return

    def _request(self, sock: zmqx.Socket) -> None:
        for frames in self._stdin_messages():
            sock.send_multipart(frames)
            self._print(sock.recv_multipart())
            if self._counted():
                return

    def _reply(self, sock: zmqx.Socket) -> None:
        while True:
            request = sock.recv_multipart()
            self._print(request)
            sock.send_multipart(self.reply if self.reply is not None else request)
            if self._counted():
                return

    def _duplex(self, sock: zmqx.Socket) -> None:
        stdin = sys.stdin.buffer.fileno()
        poller = zmqx.Poller()
        poller.register(sock, zmqx.POLLIN)
        poller.register(stdin, zmqx.POLLIN)
        pending = b""
        while True:
            for what, _ in poller.poll():
                if what is sock:
                    self._print(sock.recv_multipart())
                    if self._counted():
                        return
                    continue
                chunk = os.read(stdin, 65536)
                if not chunk:  # end of input: keep printing what arrives
                    poller.unregister(stdin)
                    if pending:
                        sock.send_multipart(self._parse(pending))
                    continue
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    sock.send_multipart(self._parse(line))

    # -- helpers ---------------------------------------------------------------------------

    def _counted(self) -> bool:
        """Count one message; True once --count messages have been handled."""
        if self.left is None:
            return False
        self.left -= 1
        return self.left == 0

    def _stdin_messages(self) -> Iterator[list[bytes]]:
        for line in sys.stdin.buffer:
            yield self._parse(line.rstrip(b"\n"))

    def _parse(self, line: bytes) -> list[bytes]:
        self.line_number += 1
        try:
            return self.format.parse(line.decode("utf-8", "surrogateescape"))
        except FormatError as exc:
            raise InputError(f"stdin line {self.line_number}: {exc}") from None

    def _print(self, frames: list[bytes]) -> None:
        # UTF-8 whatever the locale: escaped frames are text, and a pipe wants bytes
        sys.stdout.buffer.write(self.format.format(frames).encode("utf-8") + b"\n")
        sys.stdout.buffer.flush()
