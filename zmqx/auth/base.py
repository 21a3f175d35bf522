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

Every decision is logged (DEBUG) with its reason on the ``zmq.auth`` logger,
the name pyzmq uses, so existing logging configurations keep working.
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
        """The reply frames for request `msg`.

        Every request gets one, even a malformed one: the REP socket cannot
        receive the next request before it has replied.
        """
        if len(msg) < 6:
            self.log.error("Invalid ZAP request, %d frames instead of at least 6", len(msg))
            return self._reply(msg[1] if len(msg) > 1 else b"", False, b"Not enough frames")
        version, request_id, raw_domain, raw_address, _identity, mechanism = msg[:6]
        credentials = msg[6:]
        if version != VERSION:
            self.log.error("Invalid ZAP version %r", version)
            return self._reply(request_id, False, b"Invalid version")
        domain = raw_domain.decode(self.encoding, "replace")
        address = raw_address.decode(self.encoding, "replace")
        expected = {b"PLAIN": 2, b"CURVE": 1, b"GSSAPI": 1}.get(mechanism, len(credentials))
        if len(credentials) != expected:
            self.log.error(
                "Invalid %s credentials: %d frames", mechanism.decode("ascii", "replace"),
                len(credentials),
            )
            return self._reply(request_id, False, b"Invalid credentials")

        allowed, reason, user_id = await self._decide(domain, address, mechanism, credentials)
        self.log.debug(
            "%s %s peer from %s, domain %r, user %r: %s",
            "ALLOWED" if allowed else "DENIED",
            mechanism.decode("ascii", "replace"),
            address,
            domain,
            user_id,
            reason.decode(),
        )
        return self._reply(request_id, allowed, reason, user_id)

    async def _decide(
        self, domain: str, address: str, mechanism: bytes, credentials: list[bytes]
    ) -> tuple[bool, bytes, str]:
        """(allowed, reason, user id) for one request, per the class's policy."""
        address_ok: bool | None = None  # None: no address policy
        if self._allowed:
            address_ok = address in self._allowed
            if not address_ok:
                return False, b"Address not allowed", ""
        elif self._denied:
            if address in self._denied:
                return False, b"Address denied", ""
            address_ok = True
        if mechanism == b"NULL":
            reason = b"Address allowed" if address_ok else b"NULL mechanism"
            return True, reason, "anonymous"
        if mechanism == b"PLAIN":
            user, password = (c.decode(self.encoding, "replace") for c in credentials)
            return (*self._check_plain(domain, user, password), user)
        if mechanism == b"CURVE":
            key = credentials[0]
            allowed, reason = await self._check_curve(domain, key)
            # a refused key is logged in Z85; curve_user_id is for accepted peers only
            user = self.curve_user_id(key) if allowed else z85.encode(key).decode("ascii")
            return allowed, reason, user
        if mechanism == b"GSSAPI":
            # Kerberos has authenticated the principal before libzmq asks us
            return True, b"OK", credentials[0].decode("utf-8", "replace")
        return False, b"Unsupported mechanism", ""

    @staticmethod
    def _for_domain(configured: dict[str, Any], domain: str) -> Any:
        """The setting for `domain`, else the one for every domain ("*"), else None."""
        return configured.get(domain, configured.get(_ANY_DOMAIN))

    def _check_plain(self, domain: str, user: str, password: str) -> tuple[bool, bytes]:
        if not self.passwords:
            return False, b"No passwords defined"
        users = self._for_domain(self.passwords, domain)
        if users is None:
            return False, b"Invalid domain"
        if user not in users:
            return False, b"Invalid username"
        if users[user] != password:
            return False, b"Invalid password"
        return True, b"OK"

    async def _check_curve(self, domain: str, public_key: bytes) -> tuple[bool, bytes]:
        if self.allow_any:
            return True, b"OK (any key allowed)"
        z85_key = z85.encode(public_key)
        if self.credentials_providers:
            provider = self._for_domain(self.credentials_providers, domain)
            if provider is None:
                return False, b"Unknown domain"
            try:
                answer = provider.callback(domain, z85_key)
                if inspect.isawaitable(answer):
                    answer = await answer
            except Exception:
                # refuse the peer, but keep answering: libzmq waits for every reply
                self.log.exception("The credentials provider for domain %r failed", domain)
                return False, b"Credentials provider failed"
            return (True, b"OK") if answer else (False, b"Unknown key")
        keys = self._for_domain(self.certs, domain)
        if keys is None:
            return False, b"Unknown domain"
        return (True, b"OK") if keys.get(z85_key) else (False, b"Unknown key")

    def _reply(
        self, request_id: bytes, allowed: bool, reason: bytes, user_id: str = ""
    ) -> list[bytes]:
        if not allowed:
            return [VERSION, request_id, b"400", reason, b"", b""]
        return [VERSION, request_id, b"200", b"OK", user_id.encode(self.encoding, "replace"), b""]
