"""MonitoredQueue devices: monitored_queue run as a Device."""

from __future__ import annotations

from zmqx import constants
from zmqx.devices.basedevice import Device, ProcessDevice, ThreadDevice
from zmqx.devices.monitoredqueue import monitored_queue
from zmqx.devices.proxydevice import ProxyBase

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "MonitoredQueue",
    "MonitoredQueueBase",
    "ProcessMonitoredQueue",
    "ThreadMonitoredQueue",
]

PUB = constants.SocketType.PUB


def _as_bytes(prefix: str | bytes) -> bytes:
    return prefix.encode("utf-8") if isinstance(prefix, str) else bytes(prefix)


class MonitoredQueueBase(ProxyBase):
    """Runs monitored_queue: every message is also sent on the monitor socket,
    after a frame naming its side (in_prefix or out_prefix). ROUTER on both
    sides works."""

    def __init__(
        self,
        in_type: int,
        out_type: int,
        mon_type: int = PUB,
        in_prefix: str | bytes = b"in",
        out_prefix: str | bytes = b"out",
    ) -> None:
        super().__init__(in_type, out_type, mon_type)
        self._in_prefix = _as_bytes(in_prefix)
        self._out_prefix = _as_bytes(out_prefix)

    def _run_loop(self, sockets: dict[str, Any]) -> Any:
        return monitored_queue(
            sockets["in"], sockets["out"], sockets["mon"], self._in_prefix, self._out_prefix
        )


class MonitoredQueue(MonitoredQueueBase, Device):
    """A monitored queue device. Runs in the current thread."""


class ThreadMonitoredQueue(MonitoredQueueBase, ThreadDevice):
    """A MonitoredQueue run in a background thread."""


class ProcessMonitoredQueue(MonitoredQueueBase, ProcessDevice):
    """A MonitoredQueue run in a background process."""
