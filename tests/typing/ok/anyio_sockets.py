"""zmqx.anyio: every blocking call is a coroutine of what the sync call returns."""

from __future__ import annotations

from typing import Any, assert_type

import anyio

import zmqx as zmq
import zmqx.anyio


async def pipeline() -> None:
    ctx = zmqx.anyio.Context()
    push = ctx.socket(zmq.PUSH, linger=0)
    pull = ctx.socket(zmq.PULL, linger=0)
    assert_type(pull, zmqx.anyio.Socket)
    port = push.bind_to_random_port("tcp://127.0.0.1")
    pull.connect(f"tcp://127.0.0.1:{port}")

    assert_type(await push.send(b"job"), zmq.MessageTracker | None)
    assert_type(await pull.recv(), bytes)
    await push.send_multipart([b"a", b"b"])
    assert_type(await pull.recv_multipart(), list[bytes])
    await push.send(b"frame")
    frame = await pull.recv(copy=False)
    assert_type(frame, zmq.Frame)
    await push.send_multipart([b"c", b"d"])
    frames = await pull.recv_multipart(copy=False)
    assert_type(frames, list[zmq.Frame])
    assert [f.bytes for f in frames] == [b"c", b"d"]

    await push.send_string("héllo")
    assert_type(await pull.recv_string(), str)
    await push.send_json({"n": 1})
    reply: dict[str, Any] = await pull.recv_json()
    assert reply["n"] == 1
    await push.send_pyobj((1, "two"))
    assert await pull.recv_pyobj() == (1, "two")
    await push.send_serialized({"k": 1}, lambda m: [repr(m).encode()])
    text = await pull.recv_serialized(lambda parts: parts[0].decode())
    assert_type(text, Any)

    buffer = bytearray(8)
    await push.send(b"into")
    size = await pull.recv_into(buffer)
    assert_type(size, int)
    assert buffer[:size] == b"into"

    assert_type(await pull.poll(10), int)
    poller = zmqx.anyio.Poller()
    poller.register(pull, zmq.POLLIN)
    assert await poller.poll(10) == []

    pull.rcvtimeo = 10
    try:
        await pull.recv()
    except zmq.Again:
        pass
    with anyio.move_on_after(0.01):
        await pull.recv_multipart()
    push.close()
    pull.close()
    ctx.term()


def main() -> None:
    anyio.run(pipeline, backend="trio")
    anyio.run(pipeline, backend="asyncio")


if __name__ == "__main__":
    main()
