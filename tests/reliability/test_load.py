"""Issue 4.2: a million messages under backpressure, none lost, memory flat.

A PUSH in a child process sends sequenced multipart messages (1 to 4 parts)
over tcp to a PULL here, both with a high-water mark of 100, so the sender
spends the run blocked on backpressure. Every message must arrive exactly once,
in order and whole; RSS after warm-up and at the end must stay close.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import time

import pytest

import zmqx as zmq

from ._support import HERE, child_env, describe_exit, json_lines, record, rss_mb

HWM = 100
RSS_GROWTH_LIMIT_MB = 20


@pytest.mark.timeout(180)
def test_million_messages_in_order_whole_and_flat_memory(soak, soaking):
    count = 10_000_000 if soaking else 1_000_000
    warm = min(count // 10, 100_000)
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    pull.rcvhwm = HWM
    pull.linger = 0
    pull.rcvtimeo = 10_000  # a stalled stream fails the test instead of hanging it
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    sender = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "_load_sender.py"),
            f"tcp://127.0.0.1:{port}",
            str(count),
            str(HWM),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    unpack_seq = struct.Struct("!Q").unpack
    part = struct.Struct("!QB").pack
    recv_multipart = pull.recv_multipart
    rss_warm = None
    started = time.monotonic()
    try:
        for i in range(count):
            try:
                msg = recv_multipart()
            except zmq.Again:
                raise AssertionError(
                    f"stream stalled after {i} of {count} messages: sender {sender.poll()!r}"
                ) from None
            if unpack_seq(msg[0])[0] != i:
                raise AssertionError(
                    f"message {i} arrived as {unpack_seq(msg[0])[0]} "
                    "(lost, duplicated or reordered)"
                )
            n = (i * 7) % 4 + 1
            if len(msg) != n:
                raise AssertionError(f"message {i} has {len(msg)} parts, sent {n}")
            for j in range(1, n):
                if msg[j] != part(i, j):
                    raise AssertionError(f"message {i} part {j} altered: {msg[j]!r}")
            if i == warm:
                rss_warm = rss_mb()
        elapsed = time.monotonic() - started
        rss_end = rss_mb()
        out, err = sender.communicate(timeout=30)
        assert sender.returncode == 0, f"sender {describe_exit(sender.returncode)}: {err}"
        # nothing beyond the last message (no duplicates at the end)
        assert pull.poll(200) == 0, "an extra message arrived after the last one"
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()
        pull.close()
        ctx.term()
    sent = json_lines(out)[-1]
    sender_warm = sent["rss_warm"] / 2**20
    sender_end = sent["rss_end"] / 2**20
    record(
        "load",
        messages=count,
        hwm=HWM,
        seconds=elapsed,
        msgs_per_s=int(count / elapsed),
        receiver_rss_warm_mb=rss_warm,
        receiver_rss_end_mb=rss_end,
        sender_rss_warm_mb=sender_warm,
        sender_rss_end_mb=sender_end,
    )
    assert rss_end - rss_warm < RSS_GROWTH_LIMIT_MB, (rss_warm, rss_end)
    assert sender_end - sender_warm < RSS_GROWTH_LIMIT_MB, (sender_warm, sender_end)
