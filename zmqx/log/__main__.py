"""Print the log records a `zmqx.log.handlers.PUBHandler` publishes.

    python -m zmqx.log tcp://127.0.0.1:5555
    python -m zmqx.log --topic app.ERROR --timestamp tcp://host:5555

Each record is printed as ``TOPIC | text``. Subscribes to every topic unless
``--topic`` gives a prefix (it must match the handler's root topic, when it has
one). Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime

import zmqx

_LEVEL_COLORS = {
    "DEBUG": "LIGHTCYAN_EX",
    "INFO": "LIGHTWHITE_EX",
    "WARNING": "YELLOW",
    "ERROR": "LIGHTRED_EX",
    "CRITICAL": "LIGHTRED_EX",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m zmqx.log", description="Print the records a PUBHandler publishes."
    )
    parser.add_argument("zmq_pub_url", help="address of the PUB socket to subscribe to")
    parser.add_argument("-t", "--topic", default="", help="only records whose topic starts so")
    parser.add_argument("--timestamp", action="store_true", help="prefix the local time")
    parser.add_argument("--separator", default=" | ", help="between topic and text")
    parser.add_argument(
        "--dateformat", default="%Y-%d-%m %H:%M", help="strftime format for --timestamp"
    )
    parser.add_argument(
        "--align", action="store_true", help="pad each part of the topics to a common width"
    )
    parser.add_argument(
        "--color", action="store_true", help="color by level (needs the colorama package)"
    )
    return parser


class _Aligner:
    """Pads each dot-separated part of a topic to the widest seen so far at its place."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def __call__(self, parts: list[str]) -> str:
        parts = parts + [""] * (len(self.widths) - len(parts))
        for i, part in enumerate(parts):
            if i == len(self.widths):
                self.widths.append(0)
            self.widths[i] = max(self.widths[i], len(part))
        return ".".join(part.ljust(width) for part, width in zip(parts, self.widths, strict=False))


def _colors(enabled: bool) -> tuple[dict[str, str], str]:
    if not enabled:
        return {}, ""
    try:
        import colorama
    except ImportError:
        sys.exit("--color needs the colorama package (pip install colorama)")
    colorama.init()
    fore = colorama.Fore
    return {level: getattr(fore, name) for level, name in _LEVEL_COLORS.items()}, fore.RESET


def main(argv: Sequence[str] | None = None) -> None:
    """Subscribe to a PUBHandler's socket and print its records until Ctrl-C."""
    args = _parser().parse_args(argv)
    colors, reset = _colors(args.color)
    align = _Aligner() if args.align else None
    with zmqx.Context() as ctx, ctx.socket(zmqx.SUB) as sub:
        sub.linger = 0
        sub.subscribe(args.topic.encode("utf-8"))
        sub.connect(args.zmq_pub_url)
        try:
            while True:
                topic_frame, *rest = sub.recv_multipart()
                topic = topic_frame.decode("utf-8", "replace").strip()
                text = b" ".join(rest).decode("utf-8", "replace").strip()
                parts = topic.split(".")
                # the level is the first part, or the second after a root topic
                level = parts[0] if parts[0] in _LEVEL_COLORS or len(parts) == 1 else parts[1]
                when = datetime.now().strftime(args.dateformat) + " " if args.timestamp else ""
                shown = align(parts) if align else topic
                color = colors.get(level, "")
                end = reset if color else ""
                print(f"{when}{color}{shown}{args.separator}{text}{end}", flush=True)
        except KeyboardInterrupt:
            pass  # Ctrl-C is how this tool is meant to stop
        except BrokenPipeError:
            # the reader left (e.g. `| head`): point stdout at /dev/null so that
            # the flush at exit does not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    main()
