"""Steerable proxy devices: a Proxy that also obeys a control socket."""

from __future__ import annotations

from zmqx import constants
from zmqx._core._core import proxy_steerable
from zmqx.devices.basedevice import Device, ProcessDevice, ThreadDevice
from zmqx.devices.proxydevice import ProxyBase

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ProcessProxySteerable",
    "ProxySteerable",
    "ProxySteerableBase",
    "ThreadProxySteerable",
]

PUB = constants.SocketType.PUB


class ProxySteerableBase(ProxyBase):
    """Adds the control socket (``ctrl``) to a proxy device: ``bind_ctrl``,
    ``connect_ctrl``, ``setsockopt_ctrl``, ``bind_ctrl_to_random_port``.

    Commands received on it: PAUSE, RESUME, TERMINATE (the device stops,
    normally) and STATISTICS (answered with eight 64-bit counters). With a REP
    control socket every command is answered. With ctrl_type None there is no
    control socket, and the device is a plain Proxy.
    """

    _roles: tuple[str, ...] = ("in", "out", "mon", "ctrl")
    ctrl_type: int | None

    def __init__(
        self, in_type: int, out_type: int, mon_type: int = PUB, ctrl_type: int | None = None
    ) -> None:
        super().__init__(in_type, out_type, mon_type)
        self.ctrl_type = ctrl_type

    def bind_ctrl(self, addr: str) -> None:
        """Have the control socket bind to addr."""
        self._record("ctrl", "bind", addr)  # type: ignore[attr-defined]

    def connect_ctrl(self, addr: str) -> None:
        """Have the control socket connect to addr."""
        self._record("ctrl", "connect", addr)  # type: ignore[attr-defined]

    def setsockopt_ctrl(self, opt: int, value: Any) -> None:
        """Have the control socket set option opt to value."""
        self._record("ctrl", "setsockopt", opt, value)  # type: ignore[attr-defined]

    def bind_ctrl_to_random_port(self, addr: str, *args: Any, **kwargs: Any) -> int:
        """Bind the control socket to a random port of addr and return the port."""
        port: int = self._bind_random("ctrl", addr, args, kwargs)  # type: ignore[attr-defined]
        return port

    def _run_loop(self, sockets: dict[str, Any]) -> Any:
        return proxy_steerable(sockets["in"], sockets["out"], sockets["mon"], sockets["ctrl"])


class ProxySteerable(ProxySteerableBase, Device):
    """A Proxy steered through a control socket. Runs in the current thread."""


class ThreadProxySteerable(ProxySteerableBase, ThreadDevice):
    """A ProxySteerable run in a background thread."""


class ProcessProxySteerable(ProxySteerableBase, ProcessDevice):
    """A ProxySteerable run in a background process."""
