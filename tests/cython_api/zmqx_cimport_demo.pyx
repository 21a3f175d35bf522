# cython: language_level=3
"""A third-party extension that uses zmqx's C-level API.

It cimports zmqx's compiled Socket and Context and calls libzmq directly on
their raw handles. The test suite builds it against zmqx.get_includes() to
prove that the shipped .pxd files are enough for that.
"""

from libc.stdint cimport uintptr_t
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE

from zmqx._core._core cimport Context, Socket
from zmqx._core.libzmq cimport zmq_errno, zmq_recv, zmq_send

from zmqx import ZMQError


def send_raw(Socket s, bytes data, int flags=0):
    """zmq_send() data on s's handle; returns the byte count libzmq reports."""
    cdef void *handle = s.handle
    cdef const char *buf = PyBytes_AS_STRING(data)
    cdef size_t n = <size_t>PyBytes_GET_SIZE(data)
    cdef int rc
    if handle == NULL:
        raise ValueError("socket is closed: its handle is NULL")
    with nogil:
        rc = zmq_send(handle, buf, n, flags)
    if rc < 0:
        raise ZMQError(zmq_errno())
    return rc


def recv_raw(Socket s, int maxlen, int flags=0):
    """zmq_recv() at most maxlen bytes from s's handle (longer messages are truncated)."""
    cdef void *handle = s.handle
    cdef bytes out
    cdef char *buf
    cdef int rc
    if handle == NULL:
        raise ValueError("socket is closed: its handle is NULL")
    if maxlen < 0:
        raise ValueError("maxlen must be >= 0")
    out = PyBytes_FromStringAndSize(NULL, maxlen)
    buf = PyBytes_AS_STRING(out)
    with nogil:
        rc = zmq_recv(handle, buf, <size_t>maxlen, flags)
    if rc < 0:
        raise ZMQError(zmq_errno())
    return out[:min(rc, maxlen)]


def socket_handle(Socket s):
    """The address of s's libzmq socket as an int (0 once closed)."""
    return <uintptr_t>s.handle


def context_handle(Context c):
    """The address of c's libzmq context as an int (0 once terminated)."""
    return <uintptr_t>c.handle
