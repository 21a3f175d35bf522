"""zmqx for gevent: `import zmqx.green as zmq` and a blocking call blocks only
its greenlet.

The whole namespace of zmqx is here; Context, Socket, Poller, select, device,
proxy and proxy_steerable are the cooperative ones. Sockets wait on the core's
readiness machine (see zmqx.green.core): no missed events and no polling on a
timer; RCVTIMEO/SNDTIMEO apply; a greenlet killed or timed out while waiting
loses no message.
"""

from __future__ import annotations

import zmqx as _zmqx
from zmqx import *
from zmqx.green.core import Context, Socket
from zmqx.green.device import device, proxy, proxy_steerable
from zmqx.green.poll import Poller, select

__all__ = list(_zmqx.__all__)
