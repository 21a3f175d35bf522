"""tornado integration: `zmqstream.ZMQStream` (callbacks for a socket's messages)
and `future` (sockets whose calls return futures). Needs tornado 6, which runs on
asyncio: any tornado IOLoop works, with no special set-up."""

from tornado.ioloop import IOLoop

__all__ = ["IOLoop"]
