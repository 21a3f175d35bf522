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

# (zmqx's Context is generic in its sockets; this one is Context[green Socket])
from zmqx.green.core import Context as Context  # type: ignore[assignment]
from zmqx.green.core import Socket as Socket
from zmqx.green.device import device as device
from zmqx.green.device import proxy as proxy
from zmqx.green.device import proxy_steerable as proxy_steerable
from zmqx.green.poll import Poller as Poller
from zmqx.green.poll import select as select

__all__ = list(_zmqx.__all__)
