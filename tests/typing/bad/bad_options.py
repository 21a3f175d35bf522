"""Options of the wrong type, and option values read as the wrong type."""

from __future__ import annotations

import zmqx as zmq


def options(sock: zmq.Socket, option: int) -> None:
    endpoint: str = sock.getsockopt(zmq.LAST_ENDPOINT)  # E: assignment reportAssignmentType
    linger: bytes = sock.get(zmq.LINGER)  # E: assignment reportAssignmentType
    anything: int = sock.getsockopt(option)  # E: assignment reportAssignmentType
    sock.setsockopt(zmq.IDENTITY, "name")  # E: call-overload reportCallIssue
    sock.subscribe(1)  # E: arg-type reportArgumentType
    sock.hwm = "many"  # E: assignment reportAttributeAccessIssue
