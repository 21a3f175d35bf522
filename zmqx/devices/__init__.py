"""Devices run in the background: sockets given by type and configured by
proxy methods (``bind_in``, ``connect_out``, ``setsockopt_mon``...), made and
run in a thread (Thread*) or a process (Process*), or in the current thread.

`python -m zmqx.devices --help` runs one from the command line.
"""

from __future__ import annotations

# pyzmq's zmq.devices names these two as well (not in __all__)
from zmqx._core._core import proxy as proxy
from zmqx.constants import DeviceType as DeviceType
from zmqx.devices.basedevice import BackgroundDevice, Device, ProcessDevice, ThreadDevice
from zmqx.devices.monitoredqueue import monitored_queue
from zmqx.devices.monitoredqueuedevice import (
    MonitoredQueue,
    ProcessMonitoredQueue,
    ThreadMonitoredQueue,
)
from zmqx.devices.proxydevice import ProcessProxy, Proxy, ThreadProxy
from zmqx.devices.proxysteerabledevice import (
    ProcessProxySteerable,
    ProxySteerable,
    ThreadProxySteerable,
)

__all__ = [
    "Device",
    "MonitoredQueue",
    "ProcessDevice",
    "ProcessMonitoredQueue",
    "ProcessProxy",
    "ProcessProxySteerable",
    "Proxy",
    "ProxySteerable",
    "ThreadDevice",
    "ThreadMonitoredQueue",
    "ThreadProxy",
    "ThreadProxySteerable",
    "monitored_queue",
]
# BackgroundDevice is importable from here too (not in __all__, as in pyzmq).
_ = BackgroundDevice
