"""tornado integration under zmqx.green, as pyzmq's zmq.green.eventloop: the same
as zmqx.eventloop (tornado runs on asyncio; gevent plays no part in it)."""

from tornado.ioloop import IOLoop

__all__ = ["IOLoop"]
