"""z85 and CURVE key helpers as reached through the package."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.timeout(10)


def z85_of(zmq):
    return importlib.import_module(f"{zmq.__name__}.utils.z85")


def test_z85_spec_vector(zmq):
    z85 = z85_of(zmq)
    raw = bytes([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
    assert z85.encode(raw) == b"HelloWorld"
    assert z85.decode(b"HelloWorld") == raw
    assert z85.decode("HelloWorld") == raw
    assert zmq.utils.z85 is z85


def test_z85_roundtrip_and_errors(zmq):
    z85 = z85_of(zmq)
    data = bytes(range(256))
    assert z85.decode(z85.encode(data)) == data
    with pytest.raises(ValueError):
        z85.encode(b"abc")
    with pytest.raises(ValueError):
        z85.decode(b"abcd")


def test_curve_keypair(zmq):
    if not zmq.has("curve"):
        pytest.skip("libzmq without CURVE")
    z85 = z85_of(zmq)
    public, secret = zmq.curve_keypair()
    assert isinstance(public, bytes) and isinstance(secret, bytes)
    assert len(public) == 40 and len(secret) == 40
    assert len(z85.decode(public)) == 32
    assert public != secret
    assert zmq.curve_public(secret) == public
    assert zmq.curve_public(secret.decode()) == public
    public2, secret2 = zmq.curve_keypair()
    assert (public2, secret2) != (public, secret)


def test_curve_public_rejects_bad_key(zmq):
    if not zmq.has("curve"):
        pytest.skip("libzmq without CURVE")
    with pytest.raises(ValueError):
        zmq.curve_public(b"short")


@pytest.mark.timeout(10)
def test_curve_encrypted_connection(ctx, zmq):
    if not zmq.has("curve"):
        pytest.skip("libzmq without CURVE")
    server_public, server_secret = zmq.curve_keypair()
    client_public, client_secret = zmq.curve_keypair()
    server = ctx.socket(zmq.PULL)
    server.curve_server = True
    server.curve_secretkey = server_secret
    server.curve_publickey = server_public
    assert server.curve_server == 1
    port = server.bind_to_random_port("tcp://127.0.0.1")
    client = ctx.socket(zmq.PUSH)
    client.curve_serverkey = server_public
    client.curve_publickey = client_public
    client.curve_secretkey = client_secret
    client.connect(f"tcp://127.0.0.1:{port}")
    client.send(b"secret hello")
    assert server.poll(3000)
    f = server.recv(copy=False)
    assert f.bytes == b"secret hello"
    # a client without CURVE keys cannot get a message through
    plain = ctx.socket(zmq.PUSH)
    plain.linger = 0
    plain.connect(f"tcp://127.0.0.1:{port}")
    plain.send(b"plaintext")
    assert server.poll(300) == 0
