"""Misreading what a receive returns."""

from __future__ import annotations

import zmqx as zmq


def receive(sock: zmq.Socket) -> None:
    data: bytes = sock.recv(copy=False)  # E: assignment reportAssignmentType
    frame: zmq.Frame = sock.recv()  # E: assignment reportAssignmentType
    parts: list[bytes] = sock.recv_multipart(copy=False)  # E: assignment reportAssignmentType
    sock.recv().bytes  # E: attr-defined reportAttributeAccessIssue
    text: str = sock.recv_string()
    text.decode()  # E: attr-defined reportAttributeAccessIssue
    sock.recv(copy=False).decode()  # E: attr-defined reportAttributeAccessIssue
    first = sock.recv_multipart(0, True)[0]
    first.buffer  # E: attr-defined reportAttributeAccessIssue
