"""Contexts and the sockets they make."""

from __future__ import annotations

import zmqx as zmq


class MySocket(zmq.Socket):
    hello: str = "hello"


def contexts() -> None:
    ctx = zmq.Context()
    mine: MySocket = ctx.socket(zmq.PUSH)  # E: assignment reportAssignmentType
    assert ctx.socket(zmq.PUSH, socket_class=MySocket).hello == "hello"
    ctx.socket("PUSH")  # E: call-overload reportArgumentType
    zmq.Context(io_threads="2")  # E: arg-type reportArgumentType
    zmq.Context.instance().socket(zmq.PAIR).bind(5555)  # E: arg-type reportArgumentType
    kind: zmq.SocketType = zmq.LINGER  # E: assignment reportAssignmentType
    zmq.proxy(ctx.socket(zmq.ROUTER), None)  # E: arg-type reportArgumentType
    zmq.Poller().poll(timeout="1s")  # E: arg-type reportArgumentType
