"""Socket and Context subclasses, shadows, the shared instance, serializers."""

from __future__ import annotations

import json
from typing import assert_type

import zmqx as zmq


class NamedSocket(zmq.Socket):
    """A socket that remembers a name."""

    name = "unnamed"

    def send_named(self, body: bytes) -> None:
        self.send_multipart([self.name.encode(), body])


class NamedContext(zmq.Context[NamedSocket]):
    """A context whose sockets are NamedSockets."""

    _socket_class = NamedSocket


def takes_any_context(ctx: zmq.Context) -> zmq.Socket:
    return ctx.socket(zmq.PAIR, linger=0)


def encode(obj: dict[str, int]) -> list[bytes]:
    return [json.dumps(obj).encode()]


def decode(frames: list[bytes]) -> dict[str, int]:
    decoded: dict[str, int] = json.loads(frames[0])
    return decoded


def main() -> None:
    ctx = NamedContext()
    assert_type(ctx, NamedContext)
    a = ctx.socket(zmq.PAIR, linger=0)
    assert_type(a, NamedSocket)
    b = ctx.socket(zmq.PAIR, socket_class=zmq.Socket, linger=0)
    assert_type(b, zmq.Socket)
    with a.bind("inproc://named"), b.connect("inproc://named"):
        a.name = "alpha"
        a.send_named(b"hi")
        assert b.recv_multipart() == [b"alpha", b"hi"]
        a.send_serialized({"n": 1}, encode)
        result = b.recv_serialized(decode)
        assert_type(result, dict[str, int])
        assert result == {"n": 1}

    shadow = zmq.Socket.shadow(a.underlying)
    assert_type(shadow, zmq.Socket)
    assert_type(NamedSocket.shadow(a), NamedSocket)
    assert_type(takes_any_context(ctx), zmq.Socket)
    assert_type(a.context, zmq.Context)
    assert_type(zmq.Context.shadow(ctx.underlying), zmq.Context)

    shared = zmq.Context.instance()
    assert_type(shared, zmq.Context)
    assert shared is zmq.Context.instance()
    assert_type(NamedContext.instance(), NamedContext)

    for sock in (a, b, shadow):
        sock.close()
    ctx.destroy(linger=0)
    shared.term()
    NamedContext.instance().term()


if __name__ == "__main__":
    main()
