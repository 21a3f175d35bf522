"""ZMQStream callbacks that do not take what the stream gives them."""

from __future__ import annotations

import zmqx as zmq
from zmqx.eventloop.zmqstream import ZMQStream


def frames_only(msg: list[zmq.Frame]) -> None:
    pass


def bytes_only(msg: list[bytes]) -> None:
    pass


def streams(stream: ZMQStream) -> None:
    stream.on_recv(frames_only)  # E: arg-type reportArgumentType
    stream.on_send(bytes_only)  # E: arg-type reportArgumentType
    stream.send_string(b"bytes")  # E: arg-type reportArgumentType
