"""zmqx.eventloop.zmqstream's ZMQStream under zmqx.green's name: a stream serves
its socket on a tornado IOLoop (the current one unless given)."""

from zmqx.eventloop.zmqstream import ZMQStream as ZMQStream

__all__ = ["ZMQStream"]
