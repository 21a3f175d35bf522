"""The sending side of test_load: PUSH N sequenced multipart messages.

    python _load_sender.py ENDPOINT COUNT HWM

Message i has (i * 7) % 4 + 1 parts; part 0 is i as 8 bytes, part j > 0 is
i and j packed together, so the receiver can check every part of every message.
Prints `RESULT {json}` with its RSS after warm-up and at the end.
"""

from __future__ import annotations

import json
import struct
import sys
import time

import psutil

import zmqx as zmq


def main() -> None:
    endpoint, count, hwm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seq = struct.Struct("!Q").pack
    part = struct.Struct("!QB").pack
    ctx = zmq.Context()
    push = ctx.socket(zmq.PUSH)
    push.sndhwm = hwm
    push.connect(endpoint)
    proc = psutil.Process()
    warm = max(1, min(count // 10, 100_000))
    rss_warm = None
    started = time.monotonic()
    send_multipart = push.send_multipart
    for i in range(count):
        n = (i * 7) % 4 + 1
        if n == 1:
            send_multipart((seq(i),))
        elif n == 2:
            send_multipart((seq(i), part(i, 1)))
        elif n == 3:
            send_multipart((seq(i), part(i, 1), part(i, 2)))
        else:
            send_multipart((seq(i), part(i, 1), part(i, 2), part(i, 3)))
        if i == warm:
            rss_warm = proc.memory_info().rss
    rss_end = proc.memory_info().rss
    push.close()  # default linger: term() delivers everything queued
    ctx.term()
    print(
        "RESULT "
        + json.dumps(
            {
                "sent": count,
                "seconds": time.monotonic() - started,
                "rss_warm": rss_warm,
                "rss_end": rss_end,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
