"""Messages/s through ``zmq.devices.monitored_queue`` (PULL -> PUSH, PUB monitor)
running in a thread, vs libzmq's zmq_proxy with a capture PUB socket.

Same harness as proxy_throughput.py with ``--mode monitored``; see that file.
"""

import sys

import _common as C
import proxy_throughput

if __name__ == "__main__":
    C.main_guard(lambda: proxy_throughput.main(["--mode", "monitored", *sys.argv[1:]]))
