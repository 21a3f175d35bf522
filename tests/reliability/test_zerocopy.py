"""Issue 4.3: zero-copy sends and receives neither leak nor free early.

Thousands of 1 MiB buffers (bytearray and numpy, tracked and untracked) go out
with copy=False and come in with copy=False. Every received frame is checked
byte for byte. A tracked buffer is overwritten as soon as its tracker says
done, an untracked one is dropped at once and its memory offered to decoys
filled with another pattern: if zmqx let go of a buffer while libzmq still read
it, the receiver would see the overwrite. RSS must come back near its start.
"""

from __future__ import annotations

import collections
import gc
import threading
import time

import numpy as np
import pytest

import zmqx as zmq

from ._support import record, rss_mb

SIZE = 1 << 20
RSS_GROWTH_LIMIT_MB = 48
HEADER = 8


def fill_byte(i: int) -> int:
    return (i * 31 + 7) % 251


def make_buffer(i: int):
    """Message i: its number in 8 bytes, then SIZE - 8 bytes of fill_byte(i)."""
    if i % 2:
        buf = np.full(SIZE, fill_byte(i), dtype=np.uint8)
        buf[:HEADER] = np.frombuffer(i.to_bytes(HEADER, "big"), np.uint8)
    else:
        buf = bytearray(i.to_bytes(HEADER, "big")) + bytes([fill_byte(i)]) * (SIZE - HEADER)
    return buf


def check_frame(frame, expected_index: int) -> str | None:
    """None when the frame holds message expected_index exactly, else what is wrong."""
    data = np.frombuffer(frame, dtype=np.uint8)
    if len(data) != SIZE:
        return f"frame {expected_index}: {len(data)} bytes, expected {SIZE}"
    index = int.from_bytes(data[:HEADER].tobytes(), "big")
    if index != expected_index:
        return f"frame {expected_index}: carries number {index}"
    body = data[HEADER:]
    bad = np.flatnonzero(body != fill_byte(index))
    if len(bad):
        return (
            f"frame {index}: {len(bad)} bytes altered, first at {bad[0] + HEADER} "
            f"= {body[bad[0]]:#x} (buffer overwritten or freed while libzmq used it)"
        )
    return None


def decoys(count: int = 2) -> list:
    """Fresh allocations the size of a message, filled with 0xDD: they take the
    place of any buffer freed too early."""
    return [np.full(SIZE, 0xDD, dtype=np.uint8) for _ in range(count)]


def run_stream(transport: str, count: int, hold: int, figures_name: str) -> None:
    """Send count buffers zero-copy from this thread; a receiver thread keeps the
    last `hold` frames alive before checking and releasing them."""
    ctx = zmq.Context()
    pull = ctx.socket(zmq.PULL)
    push = ctx.socket(zmq.PUSH)
    for s in (pull, push):
        s.linger = 0
        s.hwm = 8  # few buffers in flight: memory stays bounded, backpressure happens
    if transport == "tcp":
        port = pull.bind_to_random_port("tcp://127.0.0.1")
        push.connect(f"tcp://127.0.0.1:{port}")
    else:
        pull.bind("inproc://zerocopy")
        push.connect("inproc://zerocopy")
    pull.rcvtimeo = 20_000
    problems: list[str] = []
    received = [0]

    def receive() -> None:
        held: collections.deque = collections.deque()
        try:
            for i in range(count):
                frame = pull.recv(copy=False)
                held.append((i, frame))
                if len(held) > hold:
                    j, old = held.popleft()
                    problem = check_frame(old, j)
                    if problem:
                        problems.append(problem)
                    del old
                received[0] += 1
            while held:
                j, old = held.popleft()
                problem = check_frame(old, j)
                if problem:
                    problems.append(problem)
                del old
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            problems.append(f"receiver: {e!r}")

    receiver = threading.Thread(target=receive, daemon=True)
    receiver.start()
    warm = min(50, count // 10)
    pending: collections.deque = collections.deque()
    rss_start = None
    overwritten = 0
    keep: list = []
    started = time.monotonic()
    for i in range(count):
        if i == warm:
            gc.collect()
            rss_start = rss_mb()
        buf = make_buffer(i)
        tracked = (i // 2) % 2 == 0  # bytearray and numpy, each tracked and not
        if tracked:
            tracker = push.send(buf, copy=False, track=True)
            assert isinstance(tracker, zmq.MessageTracker)
            pending.append((buf, tracker))
            while len(pending) > 4:
                old, old_tracker = pending.popleft()
                old_tracker.wait(20)  # NotDone would fail the test
                old[HEADER:] = (
                    b"\xee" * (SIZE - HEADER) if isinstance(old, bytearray) else np.uint8(0xEE)
                )
                overwritten += 1
        else:
            push.send(buf, copy=False)
            del buf
            keep[:] = decoys()  # occupy freed memory with another pattern
    for old, old_tracker in pending:
        old_tracker.wait(20)
        old[HEADER:] = b"\xee" * (SIZE - HEADER) if isinstance(old, bytearray) else np.uint8(0xEE)
        overwritten += 1
    pending.clear()
    receiver.join(60)
    elapsed = time.monotonic() - started
    alive = receiver.is_alive()
    push.close()
    pull.close()
    ctx.term()
    keep.clear()
    gc.collect()
    time.sleep(0.05)  # libzmq's threads drop their last references
    gc.collect()
    rss_end = rss_mb()
    record(
        figures_name,
        buffers=count,
        size_mib=SIZE >> 20,
        seconds=elapsed,
        overwritten_after_done=overwritten,
        rss_start_mb=rss_start,
        rss_end_mb=rss_end,
    )
    assert not alive, f"receiver stuck after {received[0]} of {count} frames"
    assert not problems, "\n".join(problems[:20])
    assert received[0] == count
    assert rss_end - rss_start < RSS_GROWTH_LIMIT_MB, (rss_start, rss_end)


@pytest.mark.timeout(120)
def test_zero_copy_over_tcp_no_leak_no_early_free(soak):
    run_stream("tcp", 2000 * soak, hold=4, figures_name="zerocopy-tcp")


@pytest.mark.timeout(120)
def test_zero_copy_end_to_end_inproc(soak):
    """Over inproc the receiver gets the sender's very buffer: a tracker may be
    done only once the receiver has dropped its Frame."""
    run_stream("inproc", 1000 * soak, hold=6, figures_name="zerocopy-inproc")


@pytest.mark.timeout(60)
def test_tracker_is_done_only_after_the_receiver_drops_the_frame():
    ctx = zmq.Context()
    try:
        pull = ctx.socket(zmq.PULL)
        push = ctx.socket(zmq.PUSH)
        pull.bind("inproc://tracker-order")
        push.connect("inproc://tracker-order")
        for n in range(50):
            buf = make_buffer(n)
            tracker = push.send(buf, copy=False, track=True)
            frame = pull.recv(copy=False)
            time.sleep(0.001)
            assert not tracker.done, "tracker done while the receiver still holds the frame"
            with pytest.raises(zmq.NotDone):
                tracker.wait(0.01)
            assert check_frame(frame, n) is None
            del frame
            tracker.wait(5)
            assert tracker.done
        push.close()
        pull.close()
    finally:
        ctx.term()
