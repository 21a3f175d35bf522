"""device, proxy and proxy_steerable for gevent: they run in a greenlet and
block only it (the core's versions wait in libzmq and would block the hub)."""

from __future__ import annotations

import struct
from typing import Any

import zmqx
from zmqx.constants import DONTWAIT, FORWARDER, POLLIN, QUEUE, REP, STREAMER
from zmqx.error import Again, ZMQError
from zmqx.green.core import Socket
from zmqx.green.poll import Poller

__all__ = ["device", "proxy", "proxy_steerable"]

# Messages forwarded from one socket before the others get a turn.
_BATCH = 100


def _green(obj: object, role: str) -> Socket:
    """obj as a green Socket (a green shadow of a plain zmqx Socket)."""
    if isinstance(obj, Socket):
        return obj
    if isinstance(obj, zmqx.Socket):
        return Socket.shadow(obj)
    raise TypeError(f"{role} must be a zmqx Socket, not {type(obj).__name__}")


class _Proxy:
    """Forwarding between frontend and backend in this greenlet; with a control
    socket, its PAUSE, RESUME, TERMINATE and STATISTICS commands."""

    def __init__(self, frontend: object, backend: object, capture: object,
                 control: object) -> None:
        self.front = _green(frontend, "frontend")
        self.back = _green(backend, "backend")
        self.capture = None if capture is None else _green(capture, "capture")
        self.control = None if control is None else _green(control, "control")
        # frames and bytes received, then sent, by the frontend, then the backend
        self.stats = [0] * 8
        self.poller = Poller()

    def run(self) -> int:
        self._listen(True)
        if self.control is not None:
            self.poller.register(self.control, POLLIN)
        while True:
            for sock, _ in self.poller.poll():
                if sock is self.control:
                    if self._obey():
                        return 0
                elif sock is self.front:
                    self._forward(self.front, self.back, 0)
                else:
                    self._forward(self.back, self.front, 4)

    def _listen(self, on: bool) -> None:
        for sock in (self.front, self.back):
            if on:
                self.poller.register(sock, POLLIN)
            else:
                self.poller.unregister(sock)

    def _forward(self, source: Socket, dest: Socket, stat: int) -> None:
        for _ in range(_BATCH):
            try:
                parts = source.recv_multipart(DONTWAIT)
            except Again:
                return
            size = sum(len(part) for part in parts)
            self.stats[stat] += len(parts)
            self.stats[stat + 1] += size
            if self.capture is not None:
                self.capture.send_multipart(parts)
            dest.send_multipart(parts)
            sent = 6 - stat  # the other socket's "sent" counters
            self.stats[sent] += len(parts)
            self.stats[sent + 1] += size

    def _obey(self) -> bool:
        """Run the commands waiting on the control socket; True on TERMINATE."""
        assert self.control is not None
        replies = self.control.type == REP
        terminate = False
        while True:
            try:
                command = self.control.recv(DONTWAIT)
            except Again:
                return terminate
            if command == b"PAUSE":
                self._listen(False)
            elif command == b"RESUME":
                if self.front not in self.poller:
                    self._listen(True)
            elif command == b"TERMINATE":
                terminate = True
            elif command == b"STATISTICS":
                self.control.send_multipart([struct.pack("=Q", n) for n in self.stats])
                continue
            if replies:
                self.control.send(b"")


def proxy(frontend: Any, backend: Any, capture: Any = None) -> int:
    """Forward messages between frontend and backend in both directions (copying
    each to capture, if given), blocking only this greenlet; runs until a socket
    or the context is closed (raising that error) or the greenlet is killed."""
    return _Proxy(frontend, backend, capture, None).run()


def proxy_steerable(frontend: Any, backend: Any, capture: Any = None,
                    control: Any = None) -> int:
    """proxy() that obeys commands on control: PAUSE, RESUME, TERMINATE (then
    returns 0) and STATISTICS (replies with eight uint64 frames: frames and bytes
    received and sent by the frontend, then by the backend)."""
    return _Proxy(frontend, backend, capture, control).run()


def device(device_type: int, frontend: Any, backend: Any) -> int:
    """A QUEUE, FORWARDER or STREAMER device (all are proxy()), blocking only this
    greenlet. backend -1 means frontend (pyzmq's convention)."""
    if device_type not in (QUEUE, FORWARDER, STREAMER):
        raise ZMQError(zmqx.EINVAL, f"unknown device type {device_type}")
    return proxy(frontend, frontend if backend == -1 else backend)
