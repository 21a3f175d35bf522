"""The ZAP handler: decides which peers may connect (ZeroMQ RFC 27).

libzmq asks the socket bound at ``inproc://zeromq.zap.01`` in the same context
about every peer that connects to a socket with a security mechanism (or a
ZAP domain). `Authenticator` answers those requests; the thread, asyncio and
ioloop variants only decide where its loop runs.

Policy, checked in this order:

1. Addresses: after `allow()` only the listed IP addresses may go on; after
   `deny()` every address except the listed ones may.
2. Mechanism: NULL peers that passed (1) are accepted. PLAIN peers need a user
   name and password from `configure_plain`. CURVE peers need a public key
   found in the certificate directory given to `configure_curve` (or any key
   with `CURVE_ALLOW_ANY`), or accepted by a `configure_curve_callback`
   provider. GSSAPI peers were already checked by Kerberos and are accepted.

Every request gets an answer with a ZAP status code: 200 accepted, 400
refused or malformed (a wrong version, frame count or key length, an unknown
mechanism), 500 when the policy itself failed (a credentials provider raised,
say). Nothing a request holds can stop the handler. Every decision is logged
(DEBUG; malformed requests and failures at ERROR) with its reason on the
``zmq.auth`` logger, the name pyzmq uses, so existing logging configurations
keep working.
"""

from __future__ import annotations

import inspect
import logging
import os
from typing import Any

import zmqx
from zmqx.auth.certs import load_certificates
from zmqx.utils import z85

__all__ = ["CURVE_ALLOW_ANY", "Authenticator"]

#: Pass as `location` to `Authenticator.configure_curve` to accept every CURVE key.
CURVE_ALLOW_ANY = "*"
#: The ZAP protocol version this handler speaks.
VERSION = b"1.0"
#: Where libzmq sends its ZAP requests.
ZAP_ENDPOINT = "inproc://zeromq.zap.01"

_ANY_DOMAIN = "*"
#: ZAP status codes (RFC 27): accepted, refused (or malformed), the handler failed.
_OK, _REFUSED, _FAILED = b"200", b"400", b"500"
#: How many credential frames each mechanism's request carries.
_CREDENTIAL_FRAMES = {b"NULL": 0, b"PLAIN": 2, b"CURVE": 1, b"GSSAPI": 1}
_CURVE_KEY_BYTES = 32  # a Curve25519 public key


class Authenticator:
    """A ZAP handler for the sockets of one context.

    This base class runs no loop of its own: after `start()`, feed it the
    requests that arrive on `zap_socket`::

        auth = Authenticator(ctx)
        auth.start()
        while serving:
            await auth.handle_zap_message(auth.zap_socket.recv_multipart())

    `zmqx.auth.thread.ThreadAuthenticator` does that in a background thread and
    `zmqx.auth.asyncio.AsyncioAuthenticator` in an asyncio task. Until a policy
    is configured, NULL peers are accepted and PLAIN and CURVE peers refused.
    """

    context: zmqx.Context
    encoding: str
    allow_any: bool
    credentials_providers: dict[str, Any]
    zap_socket: Any
    passwords: dict[str, dict[str, str]]
    certs: dict[str, dict[bytes, Any]]
    log: Any

    def __init__(
        self,
        context: zmqx.Context | None = None,
        encoding: str = "utf-8",
        log: Any = None,
    ) -> None:
        self.context = context or zmqx.Context.instance()
        self.encoding = encoding
        self.allow_any = False
        self.credentials_providers = {}
        self.zap_socket = None
        self._allowed: set[str] = set()
        self._denied: set[str] = set()
        self.passwords = {}  # domain -> {user name: password}
        self.certs = {}  # domain -> {Z85 public key: True}
        self.log = log or logging.getLogger("zmq.auth")

    # -- life cycle ---------------------------------------------------------

    def _open_zap_socket(self) -> Any:
        """The REP socket to answer on (a plain, blocking one here)."""
        return self.context.socket(zmqx.REP, socket_class=zmqx.Socket)

    def start(self) -> None:
        """Bind the ZAP socket: from now on libzmq sends its requests here."""
        sock = self._open_zap_socket()
        try:
            sock.linger = 1
            sock.bind(ZAP_ENDPOINT)
        except BaseException:
            sock.close()
            raise
        self.zap_socket = sock
        self.log.debug("ZAP handler started")

    def stop(self) -> None:
        """Close the ZAP socket (peers connecting afterwards are not checked by it)."""
        if self.zap_socket is not None:
            try:
                # unbinding frees the endpoint now; close() alone frees it later, in
                # libzmq's reaper, and a new authenticator could not bind it yet
                self.zap_socket.unbind(ZAP_ENDPOINT)
            except zmqx.ZMQError:
                pass  # already closed, with its context
            self.zap_socket.close()
        self.zap_socket = None

    # -- policy ---------------------------------------------------------------

    def allow(self, *addresses: str) -> None:
        """Accept only peers from these IP addresses (cannot be combined with `deny`).

        NULL peers from them are accepted; PLAIN and CURVE ones still have to
        authenticate.
        """
        if self._denied:
            raise ValueError("Use either allow() or deny(), not both")
        self.log.debug("Allowing %s", ",".join(addresses))
        self._allowed.update(addresses)

    def deny(self, *addresses: str) -> None:
        """Refuse peers from these IP addresses (cannot be combined with `allow`)."""
        if self._allowed:
            raise ValueError("Use either allow() or deny(), not both")
        self.log.debug("Denying %s", ",".join(addresses))
        self._denied.update(addresses)

    def configure_plain(self, domain: str = "*", passwords: dict[str, str] | None = None) -> None:
        """Check PLAIN peers of `domain` ("*": any) against ``{user name: password}``."""
        if passwords:
            self.passwords[domain] = dict(passwords)
        self.log.debug("PLAIN configured for domain %r", domain)

    def configure_curve(
        self, domain: str = "*", location: str | os.PathLike[str] = "."
    ) -> None:
        """Check CURVE peers of `domain` ("*": any) against a directory of public certificates.

        `location` is read now: call again after adding or removing
        certificates. With `CURVE_ALLOW_ANY` every CURVE key is accepted. When
        the directory cannot be read, or holds a malformed certificate, the
        error is logged and no key of `domain` is accepted until a successful
        call.
        """
        self.log.debug("CURVE configured for domain %r from %s", domain, location)
        if location == CURVE_ALLOW_ANY:
            self.allow_any = True
            return
        self.allow_any = False
        try:
            self.certs[domain] = load_certificates(location)
        except (OSError, ValueError) as exc:
            # fail closed: a broken directory must not leave older keys accepted
            self.certs[domain] = {}
            self.log.error("Cannot load CURVE certificates from %s: %s", location, exc)

    def configure_curve_callback(
        self, domain: str = "*", credentials_provider: Any = None
    ) -> None:
        """Check CURVE peers of `domain` ("*": any) by asking `credentials_provider`.

        The provider's ``callback(domain, z85_public_key)`` returns true to
        accept the key; it may also return an awaitable of that answer.
        """
        self.allow_any = False
        if credentials_provider is None:
            self.log.error("No credentials provider given for domain %r", domain)
            return
        self.credentials_providers[domain] = credentials_provider

    def configure_gssapi(self, domain: str = "*", location: str | None = None) -> None:
        """GSSAPI needs no configuration here: Kerberos has checked the peer already."""

    def curve_user_id(self, client_public_key: bytes) -> str:
        """The user id that an accepted CURVE peer gets (its Z85 public key).

        Override to map keys to names of your own.
        """
        return z85.encode(client_public_key).decode("ascii")

    # -- requests -------------------------------------------------------------

    async def handle_zap_message(self, msg: list[bytes]) -> None:
        """Answer one ZAP request (the frames received on `zap_socket`)."""
        self.zap_socket.send_multipart(await self._zap_reply(msg))

    async def _zap_reply(self, msg: list[bytes]) -> list[bytes]:
        """The reply frames for request `msg`; raises nothing but cancellation.

        Every request gets a reply, even a malformed one (400) and one the
        policy fails on (500): the REP socket cannot receive the next request
        before it has replied, and libzmq waits for every answer.
        """
        request_id = _request_id(msg)
        try:
            problem = _malformation(msg)
            if problem:
                self.log.error(
                    "Malformed ZAP request %r (%d frames): %s",
                    request_id[:64], len(msg), problem.decode(),
                )
                return self._reply(request_id, _REFUSED, problem)
            raw_domain, raw_address, mechanism, credentials = msg[2], msg[3], msg[5], msg[6:]
            domain = raw_domain.decode(self.encoding, "replace")
            address = raw_address.decode(self.encoding, "replace")
            status, reason, user_id = await self._decide(domain, address, mechanism, credentials)
            self.log.debug(
                "%s %s peer from %s, domain %r, user %r: %s %s",
                "ALLOWED" if status == _OK else "DENIED",
                mechanism.decode("ascii"),
                address,
                domain,
                user_id,
                status.decode(),
                reason.decode(),
            )
            return self._reply(request_id, status, reason, user_id)
        except Exception:
            # a bug here or in an override must not stop the answers
            self.log.exception("The ZAP handler failed on request %r", request_id[:64])
            return self._internal_error(msg)

    def _internal_error(self, msg: list[bytes]) -> list[bytes]:
        """The reply saying the handler failed on request `msg` (ZAP's 500)."""
        return [VERSION, _request_id(msg), _FAILED, b"Internal error", b"", b""]

    async def _decide(
        self, domain: str, address: str, mechanism: bytes, credentials: list[bytes]
    ) -> tuple[bytes, bytes, str]:
        """(ZAP status code, reason, user id) for one well-formed request."""
        address_ok: bool | None = None  # None: no address policy
        if self._allowed:
            address_ok = address in self._allowed
            if not address_ok:
                return _REFUSED, b"Address not allowed", ""
        elif self._denied:
            if address in self._denied:
                return _REFUSED, b"Address denied", ""
            address_ok = True
        if mechanism == b"NULL":
            return _OK, b"Address allowed" if address_ok else b"NULL mechanism", "anonymous"
        if mechanism == b"PLAIN":
            user, password = (c.decode(self.encoding, "replace") for c in credentials)
            return (*self._check_plain(domain, user, password), user)
        if mechanism == b"CURVE":
            key = credentials[0]
            status, reason = await self._check_curve(domain, key)
            # a refused key is logged in Z85; curve_user_id is for accepted peers only
            user = self.curve_user_id(key) if status == _OK else z85.encode(key).decode("ascii")
            return status, reason, user
        # GSSAPI: Kerberos has authenticated the principal before libzmq asks us
        return _OK, b"OK", credentials[0].decode("utf-8", "replace")

    @staticmethod
    def _for_domain(configured: dict[str, Any], domain: str) -> Any:
        """The setting for `domain`, else the one for every domain ("*"), else None."""
        return configured.get(domain, configured.get(_ANY_DOMAIN))

    def _check_plain(self, domain: str, user: str, password: str) -> tuple[bytes, bytes]:
        if not self.passwords:
            return _REFUSED, b"No passwords defined"
        users = self._for_domain(self.passwords, domain)
        if users is None:
            return _REFUSED, b"Invalid domain"
        if user not in users:
            return _REFUSED, b"Invalid username"
        if users[user] != password:
            return _REFUSED, b"Invalid password"
        return _OK, b"OK"

    async def _check_curve(self, domain: str, public_key: bytes) -> tuple[bytes, bytes]:
        if self.allow_any:
            return _OK, b"OK (any key allowed)"
        z85_key = z85.encode(public_key)
        if self.credentials_providers:
            provider = self._for_domain(self.credentials_providers, domain)
            if provider is None:
                return _REFUSED, b"Unknown domain"
            try:
                answer = provider.callback(domain, z85_key)
                if inspect.isawaitable(answer):
                    answer = await answer
            except Exception:
                # an internal error (ZAP's 500), not a verdict on the key
                self.log.exception("The credentials provider for domain %r failed", domain)
                return _FAILED, b"Credentials provider failed"
            return (_OK, b"OK") if answer else (_REFUSED, b"Unknown key")
        keys = self._for_domain(self.certs, domain)
        if keys is None:
            return _REFUSED, b"Unknown domain"
        return (_OK, b"OK") if keys.get(z85_key) else (_REFUSED, b"Unknown key")

    def _reply(
        self, request_id: bytes, status: bytes, reason: bytes, user_id: str = ""
    ) -> list[bytes]:
        user = user_id.encode(self.encoding, "replace") if status == _OK else b""
        return [VERSION, request_id, status, reason, user, b""]


def _request_id(msg: list[bytes]) -> bytes:
    """The id to echo in the reply (empty when the request has none)."""
    return msg[1] if len(msg) > 1 else b""


def _malformation(msg: list[bytes]) -> bytes:
    """Why request `msg` breaks ZAP's grammar (RFC 27), or b"" if it does not."""
    if len(msg) < 6:
        return b"Not enough frames"
    if msg[0] != VERSION:
        return b"Invalid version"
    mechanism, credentials = msg[5], msg[6:]
    expected = _CREDENTIAL_FRAMES.get(mechanism)
    if expected is None:
        return b"Unsupported mechanism"
    if len(credentials) != expected:
        return b"Invalid credentials"
    if mechanism == b"CURVE" and len(credentials[0]) != _CURVE_KEY_BYTES:
        return b"Invalid CURVE key"
    return b""
