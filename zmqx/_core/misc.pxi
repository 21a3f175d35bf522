# Versions, capabilities, CURVE keys, and what happens at interpreter exit.

import atexit
import os
import sys

import weakref

cdef extern from *:
    """
    #include <sys/un.h>
    #define ZMQX_IPC_PATH_MAX_LEN (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
    """
    int ZMQX_IPC_PATH_MAX_LEN

IPC_PATH_MAX_LEN = ZMQX_IPC_PATH_MAX_LEN


def zmq_version_info():
    """libzmq's version as a tuple of ints, e.g. (4, 3, 4)."""
    cdef int major, minor, patch
    zmq_version_c(&major, &minor, &patch)
    return (major, minor, patch)


def zmq_version():
    """libzmq's version as a string, e.g. "4.3.4"."""
    return "%i.%i.%i" % zmq_version_info()


cdef extern from "<dlfcn.h>" nogil:
    # dladdr: a glibc extension, declared with _GNU_SOURCE, which Python.h sets
    ctypedef struct Dl_info:
        const char *dli_fname
    int dladdr(const void *address, Dl_info *info)


def libzmq_path():
    """The real path of the libzmq file this core calls, as the dynamic loader
    found it (None where the platform cannot tell)."""
    cdef Dl_info info
    if dladdr(<const void *>zmq_version_c, &info) == 0 or info.dli_fname == NULL:
        return None
    return os.path.realpath(os.fsdecode(<bytes>info.dli_fname))


def has(capability):
    """Whether libzmq supports a capability: "ipc", "pgm", "tipc", "norm", "curve",
    "gssapi", "draft".

    :returns: True or False (also False for a name libzmq does not know).
    :raises TypeError: if capability is not a str or bytes.
    """
    if isinstance(capability, str):
        capability = capability.encode("utf-8")
    return bool(zmq_has(<const char *>capability))


def curve_keypair():
    """A new CURVE key pair as (public, secret), each 40 bytes of Z85.

    :raises ZMQError: ENOTSUP if libzmq was built without CURVE (see `has`).
    """
    cdef char public[41]
    cdef char secret[41]
    if zmq_curve_keypair(public, secret) < 0:
        raise_zmq_error()
    return public[:40], secret[:40]


def curve_public(secret_key):
    """The Z85 public key of a Z85 CURVE secret key.

    :param secret_key: 40 bytes (or ASCII str) of Z85, as `curve_keypair` makes.
    :raises ValueError: if secret_key is not 40 bytes of Z85.
    :raises ZMQError: ENOTSUP if libzmq was built without CURVE.
    """
    cdef char public[41]
    if isinstance(secret_key, str):
        secret_key = secret_key.encode("ascii")
    if not isinstance(secret_key, bytes) or len(secret_key) != 40:
        raise ValueError("secret key must be 40 bytes of Z85")
    if zmq_curve_public(public, <const char *>secret_key) < 0:
        raise_zmq_error()
    return public[:40]


# ---- interpreter exit ---------------------------------------------------------

# Seconds that interpreter exit waits for contexts the program did not terminate
# to deliver what their sockets still hold. Past it, the process exits anyway.
EXIT_TIMEOUT = 0.5


def user_setting(str name, default):
    """A module setting as the user left it on the zmqx package (zmqx.NAME = ...)."""
    return getattr(sys.modules.get("zmqx"), name, default)


# Contexts alive in this process, so exit can close what the program left open.
_live_contexts = weakref.WeakSet()


def _shutdown_at_exit():
    """atexit hook: close what the program left open, in bounded time."""
    for ctx in list(_live_contexts):
        (<Context>ctx)._abandon()
    cdef int64_t timeout_ms = <int64_t>(user_setting("EXIT_TIMEOUT", EXIT_TIMEOUT) * 1000)
    with nogil:
        zmqx_wait_background_terms(timeout_ms)
    zmqx_mark_exiting()


atexit.register(_shutdown_at_exit)
