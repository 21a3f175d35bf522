"""Decoding of socket monitor events (see ``man zmq_socket_monitor``).

A monitor socket delivers each event as two frames: the first is 6 bytes,
a 16-bit event id followed by a 32-bit event value, both in native byte
order; the second is the endpoint the event refers to.
"""

from __future__ import annotations

import struct
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, overload

if TYPE_CHECKING:
    import zmqx
    import zmqx.asyncio

__all__ = ["parse_monitor_message", "recv_monitor_message"]

_EVENT_HEADER = struct.Struct("=hi")


class _MonitorMessage(TypedDict):
    event: int
    value: int
    endpoint: bytes


_event_type: Any = None


def _as_event(n: int) -> int:
    """Wrap ``n`` in ``zmqx.constants.Event`` when available, else leave it an int."""
    global _event_type
    event_type = _event_type
    if event_type is None:
        try:
            from zmqx.constants import Event as event_type
        except Exception:  # noqa: BLE001 - zmqx core not built/importable: plain ints
            return n
        _event_type = event_type
    try:
        event: int = event_type(n)
    except ValueError:
        return n
    return event


def parse_monitor_message(msg: list[bytes]) -> _MonitorMessage:
    """Turn the frames of one monitor event into a dict.

    Returns ``{'event': Event, 'value': int, 'endpoint': bytes}``.
    Raises RuntimeError unless ``msg`` is exactly two frames with a
    6-byte first frame.
    """
    if len(msg) != 2 or len(msg[0]) != _EVENT_HEADER.size:
        raise RuntimeError(f"Invalid event message format: {msg}")
    event, value = _EVENT_HEADER.unpack(msg[0])
    return {
        "event": _as_event(event),
        "value": _as_event(value),
        "endpoint": msg[1],
    }


class _AwaitingSocket(Protocol):
    """A socket whose recv_multipart returns an awaitable (zmqx.asyncio's)."""

    def recv_multipart(self, flags: int = 0) -> Awaitable[list[bytes]]: ...

    def _deserialize(self, received: Any, load: Any) -> Any: ...


@overload
def recv_monitor_message(
    socket: _AwaitingSocket, flags: int = 0
) -> Awaitable[_MonitorMessage]: ...


@overload
def recv_monitor_message(socket: zmqx.Socket, flags: int = 0) -> _MonitorMessage: ...


def recv_monitor_message(
    socket: zmqx.Socket | _AwaitingSocket, flags: int = 0
) -> _MonitorMessage | Awaitable[_MonitorMessage]:
    """Receive one event from a monitor socket and parse it.

    ``flags`` is passed to ``socket.recv_multipart`` (e.g. ``NOBLOCK``).
    For an asyncio socket, where ``recv_multipart`` returns an awaitable,
    an awaitable resolving to the parsed dict is returned instead.
    """
    received: Any = socket.recv_multipart(flags)
    parsed: _MonitorMessage | Awaitable[_MonitorMessage] = socket._deserialize(
        received, parse_monitor_message)
    return parsed
