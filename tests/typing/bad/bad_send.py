"""Sending what cannot be sent; trusting a tracker that may not be there."""

from __future__ import annotations

import zmqx as zmq


def send(sock: zmq.Socket) -> None:
    sock.send("text")  # E: call-overload reportCallIssue
    sock.send_multipart(["a", "b"])  # E: list-item reportArgumentType
    sock.send_string(b"bytes")  # E: arg-type reportArgumentType
    sock.send(b"x").wait()  # E: attr-defined reportAttributeAccessIssue
    tracker = sock.send(b"x", copy=False)
    tracker.wait()  # E: union-attr reportOptionalMemberAccess
    sock.send(b"x", flags="more")  # E: call-overload reportCallIssue
