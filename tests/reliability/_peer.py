"""Peers for the fault tests, run as child processes (some in network namespaces).

    python _peer.py echo-router ENDPOINT     ROUTER bound to ENDPOINT, echoes every message
    python _peer.py echo-dealer ENDPOINT     DEALER connected to ENDPOINT: says hello, echoes
    python _peer.py client ENDPOINT          DEALER with heartbeats sending numbered requests

Each prints READY once set up. The client sends a request every 20 ms and prints
`REPLY seq t` for every answer and `EVENT name t` for its connection events (t is
time.time()), until its standard input closes.
"""

from __future__ import annotations

import sys
import threading
import time

import zmqx as zmq
from zmqx.utils.monitor import recv_monitor_message


def echo_router(endpoint: str) -> None:
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.linger = 0
    router.bind(endpoint)
    print("READY", flush=True)
    while True:
        router.send_multipart(router.recv_multipart())


def echo_dealer(endpoint: str) -> None:
    ctx = zmq.Context()
    dealer = ctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.connect(endpoint)
    dealer.send(b"hello")
    print("READY", flush=True)
    while True:
        dealer.send_multipart(dealer.recv_multipart())


EVENT_NAMES = {
    zmq.EVENT_CONNECTED: "CONNECTED",
    zmq.EVENT_DISCONNECTED: "DISCONNECTED",
    zmq.EVENT_CONNECT_RETRIED: "CONNECT_RETRIED",
    zmq.EVENT_CLOSED: "CLOSED",
}


def client(endpoint: str) -> None:
    ctx = zmq.Context()
    dealer = ctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.heartbeat_ivl = 100
    dealer.heartbeat_timeout = 500
    dealer.heartbeat_ttl = 1000
    dealer.reconnect_ivl = 100
    dealer.reconnect_ivl_max = 200
    monitor = dealer.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED)
    dealer.connect(endpoint)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    poller = zmq.Poller()
    poller.register(dealer, zmq.POLLIN)
    poller.register(monitor, zmq.POLLIN)
    print("READY", flush=True)
    seq = replies = 0
    next_send = time.monotonic()
    while not stop.is_set():
        now = time.monotonic()
        if now >= next_send:
            try:
                dealer.send(seq.to_bytes(8, "big"), zmq.DONTWAIT)
                print(f"SENT {seq} {time.time():.6f}", flush=True)
                seq += 1
            except zmq.Again:
                pass  # queue full during a partition: try again later
            next_send = now + 0.02
        for sock, _ in poller.poll(20):
            if sock is dealer:
                reply = dealer.recv()
                replies += 1
                print(f"REPLY {int.from_bytes(reply, 'big')} {time.time():.6f}", flush=True)
            else:
                event = recv_monitor_message(monitor)
                name = EVENT_NAMES.get(event["event"], str(event["event"]))
                print(f"EVENT {name} {time.time():.6f}", flush=True)
    print(f"SUMMARY {seq} {replies}", flush=True)
    dealer.disable_monitor()
    monitor.close()
    dealer.close()
    ctx.term()


if __name__ == "__main__":
    {"echo-router": echo_router, "echo-dealer": echo_dealer, "client": client}[sys.argv[1]](
        sys.argv[2]
    )
