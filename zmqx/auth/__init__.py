"""ZAP authentication (NULL address filters, PLAIN passwords, CURVE keys) and certificates.

`Authenticator` holds the policy; `zmqx.auth.thread.ThreadAuthenticator` serves
it from a background thread and `zmqx.auth.asyncio.AsyncioAuthenticator` from
an asyncio task.
"""

from zmqx.auth.base import CURVE_ALLOW_ANY, Authenticator
from zmqx.auth.certs import create_certificates, load_certificate, load_certificates

__all__ = [
    "CURVE_ALLOW_ANY",
    "Authenticator",
    "create_certificates",
    "load_certificate",
    "load_certificates",
]
