"""Proxy devices: a QUEUE that also copies every message to a monitor socket."""

from __future__ import annotations

from zmqx import constants
from zmqx._core._core import proxy
from zmqx.devices.basedevice import Device, ProcessDevice, ThreadDevice

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ProcessProxy", "Proxy", "ProxyBase", "ThreadProxy"]

PUB = constants.SocketType.PUB
QUEUE = constants.DeviceType.QUEUE


class ProxyBase:
    """Adds the monitor socket (``mon``) to a device: ``bind_mon``,
    ``connect_mon``, ``setsockopt_mon`` and ``bind_mon_to_random_port``."""

    _roles: tuple[str, ...] = ("in", "out", "mon")
    mon_type: int

    def __init__(self, in_type: int, out_type: int, mon_type: int = PUB) -> None:
        super().__init__(QUEUE, in_type, out_type)  # type: ignore[call-arg]
        self.mon_type = mon_type

    def bind_mon(self, addr: str) -> None:
        """Have the monitor socket bind to addr."""
        self._record("mon", "bind", addr)  # type: ignore[attr-defined]

    def connect_mon(self, addr: str) -> None:
        """Have the monitor socket connect to addr."""
        self._record("mon", "connect", addr)  # type: ignore[attr-defined]

    def setsockopt_mon(self, opt: int, value: Any) -> None:
        """Have the monitor socket set option opt to value."""
        self._record("mon", "setsockopt", opt, value)  # type: ignore[attr-defined]

    def bind_mon_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Bind the monitor socket to a random port of addr and return the port."""
        port: int = self._bind_random("mon", addr, args, kwargs)  # type: ignore[attr-defined]
        return port

    def _run_loop(self, sockets: dict[str, Any]) -> Any:
        return proxy(sockets["in"], sockets["out"], sockets["mon"])


class Proxy(ProxyBase, Device):
    """A proxy between in and out sockets that copies every message, in either
    direction, to the monitor socket (a PUB by default). Runs in the current
    thread; see Device for configuring it."""


class ThreadProxy(ProxyBase, ThreadDevice):
    """A Proxy run in a background thread."""


class ProcessProxy(ProxyBase, ProcessDevice):
    """A Proxy run in a background process."""
