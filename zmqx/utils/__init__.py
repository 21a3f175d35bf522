"""Pure-Python helper modules for zmqx (mirrors the public ``zmq.utils`` modules)."""
