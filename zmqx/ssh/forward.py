"""Local port forwarding over a paramiko transport (what ``ssh -L`` does).

`forward_tunnel` listens on a local port; each connection accepted there gets
a ``direct-tcpip`` channel to ``remote_host:remote_port`` as seen from the SSH
server, and a thread copies bytes both ways until either side closes.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
import time
from typing import Any

__all__ = ["forward_tunnel"]

log = logging.getLogger("zmqx.ssh")

_CHUNK = 65536
_ACCEPT_POLL = 0.2  # seconds between checks of the transport and the idle deadline


def _pump(conn: socket.socket, channel: Any, on_close: Any) -> None:
    """Copy bytes between a local connection and an SSH channel until one side closes."""
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(conn, selectors.EVENT_READ, channel)
            selector.register(channel, selectors.EVENT_READ, conn)
            while True:
                for key, _ in selector.select():
                    source: Any = key.fileobj  # the connection or the channel
                    data = source.recv(_CHUNK)
                    if not data:
                        return
                    key.data.sendall(data)
    except OSError as exc:
        log.debug("forwarded connection ended: %s", exc)
    finally:
        channel.close()
        conn.close()
        on_close()


def forward_tunnel(
    local_port: int,
    remote_host: str,
    remote_port: int,
    transport: Any,
    idle_timeout: float | None = None,
) -> None:
    """Forward ``127.0.0.1:local_port`` to ``remote_host:remote_port`` through `transport`.

    Blocks until the transport closes or, when `idle_timeout` is given, until
    no forwarded connection has been open for that many seconds.
    """
    lock = threading.Lock()
    open_connections = 0
    last_active = time.monotonic()

    def closed() -> None:
        nonlocal open_connections, last_active
        with lock:
            open_connections -= 1
            last_active = time.monotonic()

    with socket.create_server(("127.0.0.1", local_port)) as server:
        server.settimeout(_ACCEPT_POLL)
        while transport.is_active():
            with lock:
                idle_for = time.monotonic() - last_active if open_connections == 0 else 0.0
            if idle_timeout is not None and idle_for > idle_timeout:
                return
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            try:
                channel = transport.open_channel("direct-tcpip", (remote_host, remote_port), peer)
            except Exception as exc:  # noqa: BLE001 - paramiko raises its own kinds
                log.warning("cannot open a channel to %s:%d: %s", remote_host, remote_port, exc)
                conn.close()
                continue
            with lock:
                open_connections += 1
            threading.Thread(target=_pump, args=(conn, channel, closed), daemon=True).start()
