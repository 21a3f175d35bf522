"""ZAP authentication (zmqx.auth) over real tcp sockets, against zmqx and pyzmq.

Every refused peer is checked twice: nothing it sent reaches the server, and
the authenticator logged the refusal with its reason.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import stat
import warnings

import pytest

pytestmark = pytest.mark.timeout(60)

ARRIVES = 5000  # ms to wait for a message that must arrive
NEVER = 800  # ms during which a refused peer's message must not arrive


def auth_module(zmq, name=""):
    return importlib.import_module(zmq.__name__ + ".auth" + (f".{name}" if name else ""))


@pytest.fixture
def auth_log(caplog):
    """caplog capturing the authenticators' DEBUG records (the ``zmq.auth`` logger)."""
    caplog.set_level(logging.DEBUG, logger="zmq.auth")
    return caplog


@pytest.fixture
def thread_auth(zmq, ctx):
    """A started ThreadAuthenticator on `ctx`, stopped at teardown."""
    authenticator = auth_module(zmq, "thread").ThreadAuthenticator(ctx)
    authenticator.start()
    yield authenticator
    authenticator.stop()


def assert_denial_logged(caplog, *needles):
    lines = [r.getMessage() for r in caplog.records if r.name == "zmq.auth"]
    assert any("DENIED" in line and all(n in line for n in needles) for line in lines), lines


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


# ----------------------------------------------------------------- NULL + addresses


def test_null_allowed_address_gets_through(zmq, ctx, thread_auth, auth_log):
    thread_auth.allow("127.0.0.1")
    server, client = push_pull(ctx, zmq, {"zap_domain": b"global"}, {})
    frame = delivered(server, client)
    assert frame and frame.get("User-Id") == "anonymous"


def test_null_address_not_in_allow_list_is_refused(zmq, ctx, thread_auth, auth_log):
    thread_auth.allow("192.0.2.7")
    server, client = push_pull(ctx, zmq, {"zap_domain": b"global"}, {})
    assert not_delivered(server, client)
    assert_denial_logged(auth_log, "127.0.0.1")


def test_null_denied_address_is_refused(zmq, ctx, thread_auth, auth_log):
    thread_auth.deny("127.0.0.1")
    server, client = push_pull(ctx, zmq, {"zap_domain": b"global"}, {})
    assert not_delivered(server, client)
    assert_denial_logged(auth_log, "127.0.0.1")


def test_allow_and_deny_exclude_each_other(zmq, ctx):
    authenticator = auth_module(zmq).Authenticator(ctx)
    authenticator.allow("127.0.0.1")
    with pytest.raises(ValueError):
        authenticator.deny("10.0.0.1")
    other = auth_module(zmq).Authenticator(ctx)
    other.deny("10.0.0.1")
    with pytest.raises(ValueError):
        other.allow("127.0.0.1")


# ----------------------------------------------------------------------- PLAIN

PLAIN_SERVER = {"plain_server": True}


def test_plain_right_password_gets_through(zmq, ctx, thread_auth, auth_log):
    thread_auth.configure_plain("*", {"admin": "secret"})
    client_opts = {"plain_username": b"admin", "plain_password": b"secret"}
    server, client = push_pull(ctx, zmq, PLAIN_SERVER, client_opts)
    frame = delivered(server, client)
    assert frame and frame.get("User-Id") == "admin"


@pytest.mark.parametrize(
    ("user", "password", "reason"),
    [("admin", "wrong", "Invalid password"), ("mallory", "secret", "Invalid username")],
)
def test_plain_bad_credentials_are_refused(zmq, ctx, thread_auth, auth_log, user, password,
                                           reason):
    thread_auth.configure_plain("*", {"admin": "secret"})
    client_opts = {"plain_username": user.encode(), "plain_password": password.encode()}
    server, client = push_pull(ctx, zmq, PLAIN_SERVER, client_opts)
    assert not_delivered(server, client)
    assert_denial_logged(auth_log, reason)


def test_plain_allowed_address_still_needs_the_password(zmq, ctx, thread_auth, auth_log):
    thread_auth.allow("127.0.0.1")
    thread_auth.configure_plain("*", {"admin": "secret"})
    client_opts = {"plain_username": b"admin", "plain_password": b"guess"}
    server, client = push_pull(ctx, zmq, PLAIN_SERVER, client_opts)
    assert not_delivered(server, client)
    assert_denial_logged(auth_log, "Invalid password")


@pytest.mark.zmqx_only
def test_star_domain_covers_every_domain(zmq, ctx, thread_auth, auth_log):
    """As documented, "*" covers every ZAP domain (pyzmq applies it to the empty one only)."""
    thread_auth.configure_plain("*", {"admin": "secret"})
    thread_auth.configure_plain("staff", {"bob": "pw"})
    good = {"plain_username": b"admin", "plain_password": b"secret"}
    server, client = push_pull(ctx, zmq, {**PLAIN_SERVER, "zap_domain": b"public"}, good)
    assert delivered(server, client)
    # a domain of its own replaces "*": admin is not a user of "staff"
    server, client = push_pull(ctx, zmq, {**PLAIN_SERVER, "zap_domain": b"staff"}, good)
    assert not_delivered(server, client)
    assert_denial_logged(auth_log, "Invalid username")


# ----------------------------------------------------------------------- CURVE


@pytest.fixture
def curve_dirs(zmq, tmp_path):
    """Key pairs for a server and a client; only the client's public file is trusted."""
    certs = auth_module(zmq, "certs")
    keys, trusted = tmp_path / "keys", tmp_path / "trusted"
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


def test_curve_trusted_key_gets_through(zmq, ctx, thread_auth, auth_log, curve_dirs):
    thread_auth.configure_curve("*", curve_dirs["trusted"])
    server, client = push_pull(ctx, zmq, *curve_opts(curve_dirs["server"], curve_dirs["client"]))
    frame = delivered(server, client)
    assert frame and frame.get("User-Id") == curve_dirs["client"][0].decode()


def test_curve_unknown_key_is_refused(zmq, ctx, thread_auth, auth_log, curve_dirs):
    thread_auth.configure_curve("*", curve_dirs["trusted"])
    stranger = zmq.curve_keypair()
    server, client = push_pull(ctx, zmq, *curve_opts(curve_dirs["server"], stranger))
    assert not_delivered(server, client)
    assert_denial_logged(auth_log, stranger[0].decode())


def test_curve_client_without_key_is_refused(zmq, ctx, thread_auth, curve_dirs):
    thread_auth.configure_curve("*", curve_dirs["trusted"])
    server_opts, _ = curve_opts(curve_dirs["server"], None)
    server, client = push_pull(ctx, zmq, server_opts, {})  # a NULL client
    assert not_delivered(server, client)


def test_curve_allow_any_accepts_every_key(zmq, ctx, thread_auth, auth_log, curve_dirs):
    thread_auth.configure_curve("*", auth_module(zmq).CURVE_ALLOW_ANY)
    server, client = push_pull(ctx, zmq, *curve_opts(curve_dirs["server"], zmq.curve_keypair()))
    assert delivered(server, client)


class KeySet:
    """A credentials provider accepting the Z85 keys it holds."""

    def __init__(self, *keys):
        self.keys = set(keys)
        self.asked = []

    def callback(self, domain, key):
        self.asked.append((domain, key))
        return key in self.keys


class AsyncKeySet(KeySet):
    async def callback(self, domain, key):  # the answer may be awaitable
        return KeySet.callback(self, domain, key)


@pytest.mark.parametrize("provider_class", [KeySet, AsyncKeySet])
def test_curve_callback_decides(zmq, ctx, thread_auth, auth_log, curve_dirs, provider_class):
    client_keys = curve_dirs["client"]
    provider = provider_class(client_keys[0])
    thread_auth.configure_curve_callback("*", provider)
    server, client = push_pull(ctx, zmq, *curve_opts(curve_dirs["server"], client_keys))
    assert delivered(server, client)
    stranger = zmq.curve_keypair()
    server2, client2 = push_pull(ctx, zmq, *curve_opts(curve_dirs["server"], stranger))
    assert not_delivered(server2, client2)
    assert_denial_logged(auth_log, stranger[0].decode())
    assert [key for _, key in provider.asked] == [client_keys[0], stranger[0]]


class BrokenKeySet(KeySet):
    def callback(self, domain, key):
        if key not in self.keys:
            raise LookupError("database unavailable")
        return True


@pytest.mark.zmqx_only
def test_failing_credentials_provider_refuses_and_keeps_serving(zmq, ctx, thread_auth,
                                                                auth_log, curve_dirs):
    """A provider that raises refuses that peer; the authenticator goes on answering."""
    client_keys = curve_dirs["client"]
    thread_auth.configure_curve_callback("*", BrokenKeySet(client_keys[0]))
    stranger = zmq.curve_keypair()
    server, client = push_pull(ctx, zmq, *curve_opts(curve_dirs["server"], stranger))
    assert not_delivered(server, client)
    assert_denial_logged(auth_log, "Credentials provider failed")
    assert any("database unavailable" in (r.exc_text or "") for r in auth_log.records)
    server2, client2 = push_pull(ctx, zmq, *curve_opts(curve_dirs["server"], client_keys))
    assert delivered(server2, client2)


# ------------------------------------------------------------- ZAP protocol errors


def zap_request(*frames):
    return [b"1.0", b"id-1", b"", b"127.0.0.1", b"", *frames]


@pytest.mark.parametrize(
    ("request_frames", "status"),
    [
        (zap_request(b"NULL"), b"200"),
        ([b"2.0", b"id-1", b"", b"127.0.0.1", b"", b"NULL"], b"400"),  # unknown version
        ([b"1.0", b"id-1", b""], b"400"),  # too few frames
        # no request id even: still answered (pyzmq leaves its REP socket stuck)
        pytest.param([b"1.0"], b"400", marks=pytest.mark.zmqx_only),
        (zap_request(b"PLAIN", b"only-a-user"), b"400"),  # malformed credentials
        (zap_request(b"CURVE"), b"400"),
    ],
)
def test_zap_requests_answered_by_hand(zmq, ctx, request_frames, status):
    """The plain Authenticator, driven by hand, answers well- and ill-formed requests."""
    import asyncio

    authenticator = auth_module(zmq).Authenticator(ctx)
    authenticator.start()
    try:
        req = ctx.socket(zmq.REQ)
        req.linger = 0
        req.rcvtimeo = ARRIVES
        req.connect("inproc://zeromq.zap.01")
        req.send_multipart(request_frames)
        assert authenticator.zap_socket.poll(ARRIVES)
        msg = authenticator.zap_socket.recv_multipart()
        asyncio.run(authenticator.handle_zap_message(msg))
        reply = req.recv_multipart()
        assert reply[:3] == [b"1.0", request_frames[1] if len(request_frames) > 1 else b"", status]
        assert len(reply) == 6
        req.close()
    finally:
        authenticator.stop()


# ------------------------------------------------------------------ life cycle


@pytest.mark.zmqx_only
def test_thread_authenticator_stops_and_restarts(zmq, ctx):
    """stop() frees the ZAP endpoint at once (pyzmq leaves it to libzmq's reaper: EADDRINUSE)."""
    thread_mod = auth_module(zmq, "thread")
    first = thread_mod.ThreadAuthenticator(ctx)
    first.start()
    assert first.is_alive()
    first.stop()
    assert not first.is_alive()
    second = thread_mod.ThreadAuthenticator(ctx)  # the ZAP endpoint is free again
    second.start()
    second.deny("127.0.0.1")
    server, client = push_pull(ctx, zmq, {"zap_domain": b"x"}, {})
    assert not_delivered(server, client)
    second.stop()


@pytest.mark.zmqx_only
def test_context_destroyed_under_running_authenticator(zmq):
    """Destroying the context first stops the thread; stop() afterwards is harmless."""
    ctx = zmq.Context()
    authenticator = auth_module(zmq, "thread").ThreadAuthenticator(ctx)
    authenticator.start()
    thread = authenticator.thread
    ctx.destroy(linger=0)
    thread.join(10)
    assert not thread.is_alive()
    authenticator.stop()
    assert authenticator.zap_socket is None


# ------------------------------------------------------------- asyncio variants


def async_module(zmq, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return auth_module(zmq, name)


async def _async_curve_round(zmq, authenticator_class, curve_dirs, auth_log):
    import asyncio

    actx = importlib.import_module(zmq.__name__ + ".asyncio").Context()
    authenticator = authenticator_class(actx)
    authenticator.start()
    authenticator.configure_curve("*", curve_dirs["trusted"])
    try:
        results = []
        for client_keys in (curve_dirs["client"], zmq.curve_keypair()):
            server, client = push_pull(actx, zmq, *curve_opts(curve_dirs["server"], client_keys))
            await client.send(b"hello")
            try:
                results.append(await _recv_within(server, ARRIVES / 1000))
            except asyncio.TimeoutError:  # not the builtin TimeoutError before 3.11
                results.append(None)
            server.close()
            client.close()
        return results
    finally:
        authenticator.stop()
        actx.destroy(linger=0)


async def _recv_within(sock, seconds):
    import asyncio

    return await asyncio.wait_for(sock.recv(), seconds)


@pytest.mark.parametrize("variant", ["asyncio", "ioloop"])
def test_async_authenticators(zmq, curve_dirs, auth_log, variant):
    import asyncio

    module = async_module(zmq, variant)
    cls = module.AsyncioAuthenticator if variant == "asyncio" else module.IOLoopAuthenticator
    trusted, stranger = asyncio.run(_async_curve_round(zmq, cls, curve_dirs, auth_log))
    assert trusted == b"hello"
    assert stranger is None
    assert_denial_logged(auth_log)


def test_ioloop_module_is_deprecated(zmq):
    import sys

    sys.modules.pop(zmq.__name__ + ".auth.ioloop", None)
    with pytest.warns(DeprecationWarning):
        auth_module(zmq, "ioloop")


# ----------------------------------------------------------------- certificates


def test_certificate_files(zmq, tmp_path):
    certs = auth_module(zmq, "certs")
    public_file, secret_file = certs.create_certificates(tmp_path, "node", {"role": "worker"})
    assert public_file.endswith("node.key") and secret_file.endswith("node.key_secret")
    public, none = certs.load_certificate(public_file)
    assert none is None
    public2, secret = certs.load_certificate(secret_file)
    assert public2 == public and zmq.curve_public(secret) == public
    assert certs.load_certificates(tmp_path) == {public: True}
    with pytest.raises(OSError):
        certs.load_certificate(tmp_path / "missing.key")
    with pytest.raises(OSError):
        certs.load_certificates(tmp_path / "missing-dir")


@pytest.mark.zmqx_only
def test_secret_certificate_is_owner_only(zmq, tmp_path):
    public_file, secret_file = auth_module(zmq, "certs").create_certificates(tmp_path, "n")
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(public_file).st_mode) & 0o044  # public: readable by others


def test_certificates_interoperate_with_pyzmq(tmp_path):
    import zmq.auth as py_auth

    import zmqx.auth as zx_auth

    for writer, reader in ((zx_auth, py_auth), (py_auth, zx_auth)):
        folder = tmp_path / writer.__name__
        folder.mkdir()
        public_file, secret_file = writer.create_certificates(folder, "peer")
        assert reader.load_certificate(secret_file) == writer.load_certificate(secret_file)
        assert reader.load_certificate(public_file) == writer.load_certificate(public_file)
        assert reader.load_certificates(folder) == writer.load_certificates(folder)


@pytest.mark.zmqx_only
@pytest.mark.parametrize(
    ("which", "replace", "message"),
    [
        # a character in the middle: the last ones partly encode bits that Curve25519
        # clamps away, so changing them can leave the same public key
        ("secret-key", lambda key: key[:20] + (b"0" if key[20:21] != b"0" else b"1") + key[21:],
         "belong"),
        ("public-key", lambda key: key[:-1] + (b"0" if key[-1:] != b"0" else b"1"), "belong"),
        ("public-key", lambda key: key[:-3], "40"),
        ("public-key", lambda key: key[:-1] + b"~", "Z85"),
    ],
)
def test_tampered_certificate_is_an_error(zmq, tmp_path, which, replace, message):
    certs = auth_module(zmq, "certs")
    _, secret_file = certs.create_certificates(tmp_path, "node")
    public, secret = certs.load_certificate(secret_file)
    key = public if which == "public-key" else secret
    with open(secret_file, "rb") as f:
        text = f.read()
    with open(secret_file, "wb") as f:
        f.write(text.replace(key, replace(key)))
    with pytest.raises(ValueError, match=message):
        certs.load_certificate(secret_file)


@pytest.mark.zmqx_only
def test_tampered_certificate_directory_refuses_everyone(zmq, ctx, thread_auth, auth_log,
                                                         curve_dirs):
    """A malformed certificate makes configure_curve log an error and accept no key."""
    thread_auth.configure_curve("*", curve_dirs["trusted"])
    with open(os.path.join(curve_dirs["trusted"], "client.key"), "a") as f:
        f.write('    public-key = "too-short"\n')
    thread_auth.configure_curve("*", curve_dirs["trusted"])
    assert any(r.levelno == logging.ERROR for r in auth_log.records if r.name == "zmq.auth")
    server, client = push_pull(ctx, zmq, *curve_opts(curve_dirs["server"], curve_dirs["client"]))
    assert not_delivered(server, client)
    assert_denial_logged(auth_log, curve_dirs["client"][0].decode())
