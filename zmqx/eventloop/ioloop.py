"""tornado's IOLoop, under the names older pyzmq programs import (deprecated).

zmqx needs no special IOLoop: tornado's own works with zmqx sockets, so import
it from tornado.ioloop. Importing this module warns.
"""

from __future__ import annotations

import warnings

from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.util import TimeoutError

__all__ = ["IOLoop", "PeriodicCallback", "TimeoutError", "ZMQIOLoop", "install"]


def _warn_deprecated() -> None:
    warnings.warn(
        "zmqx.eventloop.ioloop is deprecated: use tornado.ioloop, which works with"
        " zmqx sockets as it is",
        DeprecationWarning,
        stacklevel=3,
    )


_warn_deprecated()

# The old name of the IOLoop that knew zmq sockets: tornado's own is enough now.
ZMQIOLoop = IOLoop


def install() -> None:
    """Deprecated, and does nothing: tornado's IOLoop needs no set-up for zmqx."""
    _warn_deprecated()
