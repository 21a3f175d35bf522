"""Put on a child process's PYTHONPATH by tests/test_apps.py: the whole program, and
every process it starts (they inherit PYTHONPATH), imports zmqx as `zmq`."""

import zmqx

zmqx.install_as_zmq()
