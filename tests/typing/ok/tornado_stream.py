"""tornado's ZMQStream: what its callbacks are given, to a type checker."""

from __future__ import annotations

import asyncio

import zmqx as zmq
from zmqx.eventloop.zmqstream import ZMQStream


async def echo() -> None:
    ctx = zmq.Context()
    rep = ctx.socket(zmq.REP, linger=0)
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    req = ctx.socket(zmq.REQ, linger=0)
    req.connect(f"tcp://127.0.0.1:{port}")

    server = ZMQStream(rep)

    def answer(msg: list[bytes]) -> None:
        server.send_multipart([part.upper() for part in msg])

    server.on_recv(answer)

    client = ZMQStream(req)
    replies: asyncio.Queue[list[zmq.Frame]] = asyncio.Queue()
    client.on_recv(replies.put_nowait, copy=False)
    statuses: list[zmq.MessageTracker | None] = []
    client.on_send(lambda msg, status: statuses.append(status))
    client.send(b"ping")
    reply = await asyncio.wait_for(replies.get(), 10)
    assert [frame.bytes for frame in reply] == [b"PING"]
    assert statuses == [None]

    def either(msg: list[bytes] | list[zmq.Frame]) -> None:
        pass

    copy = bool(port)
    client.on_recv(either, copy=copy)
    client.stop_on_recv()
    server.close()
    client.close()
    ctx.term()


if __name__ == "__main__":
    asyncio.run(echo())
