"""Frames, zero-copy sends and trackers."""

from __future__ import annotations

from typing import assert_type

import zmqx as zmq


def main() -> None:
    with zmq.Context() as ctx:
        push = ctx.socket(zmq.PUSH, linger=0)
        pull = ctx.socket(zmq.PULL, linger=0, rcvtimeo=2000)
        push.bind("inproc://zero-copy")
        pull.connect("inproc://zero-copy")

        payload = bytearray(b"z" * (1 << 20))
        tracker = push.send(payload, copy=False, track=True)
        assert_type(tracker, zmq.MessageTracker)
        frame = pull.recv(copy=False)
        assert_type(frame, zmq.Frame)
        assert len(frame) == len(payload)
        view = memoryview(frame)
        assert bytes(view[:1]) == b"z"
        assert_type(frame.buffer, memoryview)
        assert_type(frame.bytes, bytes)
        assert_type(frame.more, bool)
        assert_type(frame.get(zmq.MORE), int)
        del frame, view
        tracker.wait(5)
        assert_type(tracker.done, bool)

        maybe = push.send(b"small", copy=False)
        assert_type(maybe, zmq.MessageTracker | None)
        assert pull.recv(0, False).bytes == b"small"

        out = zmq.Frame(b"framed", track=True)
        assert_type(push.send(out), zmq.MessageTracker | None)
        frames = pull.recv_multipart(copy=False)
        assert_type(frames, list[zmq.Frame])
        assert [f.bytes for f in frames] == [b"framed"]

        push.send_multipart([b"a", zmq.Frame(b"b"), memoryview(b"c")])
        either = pull.recv_multipart(copy=len(frames) > 1)
        assert_type(either, list[bytes] | list[zmq.Frame])

        many = push.send_multipart([bytearray(70_000)] * 2, copy=False, track=True)
        assert_type(many, zmq.MessageTracker)
        pull.recv_multipart()
        many.wait(5)

        buffer = bytearray(16)
        push.send(b"into")
        size = pull.recv_into(buffer)
        assert_type(size, int)
        assert buffer[:size] == b"into"
        push.close()
        pull.close()


if __name__ == "__main__":
    main()
