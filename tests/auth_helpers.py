"""What the authentication tests share: peers over tcp with security options,
and whether a message gets through; used by test_auth.py and its fuzz child."""

from __future__ import annotations

import errno
import importlib
import os

ARRIVES = 5000  # ms to wait for a message that must arrive
NEVER = 800  # ms during which a refused peer's message must not arrive


def auth_module(zmq, name=""):
    return importlib.import_module(zmq.__name__ + ".auth" + (f".{name}" if name else ""))


def push_pull(ctx, zmq, server_opts, client_opts):
    """A PULL server on tcp and a PUSH client connected to it, with the given options."""
    server = ctx.socket(zmq.PULL)
    client = ctx.socket(zmq.PUSH)
    for sock, opts in ((server, server_opts), (client, client_opts)):
        sock.linger = 0
        for name, value in opts.items():
            setattr(sock, name, value)
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client.connect(f"tcp://127.0.0.1:{port}")
    return server, client


def delivered(server, client, payload=b"hello"):
    """Send `payload`; True if the server receives it (False if nothing arrives)."""
    client.send(payload)
    if not server.poll(ARRIVES):
        return False
    frame = server.recv(copy=False)
    assert frame.bytes == payload
    return frame


def not_delivered(server, client):
    """Try to send; True if nothing arrives. A refused client may have no peer
    left to queue the message for (libzmq 4.3.5 drops the pipe), so the send
    does not wait."""
    try:
        client.send(b"must not arrive", 1)  # NOBLOCK
    except Exception as e:
        if getattr(e, "errno", None) != errno.EAGAIN:
            raise
    return server.poll(NEVER) == 0


def make_curve_dirs(zmq, folder):
    """Key pairs for a server and a client; only the client's public file is trusted."""
    certs = auth_module(zmq, "certs")
    keys, trusted = folder / "keys", folder / "trusted"
    keys.mkdir()
    trusted.mkdir()
    _, server_secret = certs.create_certificates(keys, "server")
    client_public, client_secret = certs.create_certificates(keys, "client")
    os.replace(client_public, trusted / "client.key")
    return {
        "server": certs.load_certificate(server_secret),
        "client": certs.load_certificate(client_secret),
        "trusted": str(trusted),
    }


def curve_opts(server_keys, client_keys):
    server_opts = {"curve_server": True, "curve_publickey": server_keys[0],
                   "curve_secretkey": server_keys[1]}
    client_opts = {"curve_serverkey": server_keys[0]}
    if client_keys is not None:
        client_opts.update(curve_publickey=client_keys[0], curve_secretkey=client_keys[1])
    return server_opts, client_opts
