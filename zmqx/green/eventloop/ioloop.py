"""zmqx.eventloop.ioloop under zmqx.green's name (deprecated, as there)."""

from zmqx.eventloop.ioloop import *
from zmqx.eventloop.ioloop import __all__ as __all__
