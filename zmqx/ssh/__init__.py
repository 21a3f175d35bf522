"""SSH tunnels for zmq connections (see `zmqx.ssh.tunnel`)."""

from zmqx.ssh.tunnel import *
from zmqx.ssh.tunnel import __all__ as __all__
