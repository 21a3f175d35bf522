"""Logging over zmq: `handlers.PUBHandler` publishes records, ``python -m zmqx.log`` shows them."""
