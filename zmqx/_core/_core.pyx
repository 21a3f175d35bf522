# cython: language_level=3, freethreading_compatible=False
"""zmqx's compiled core: everything called per message lives here.

One extension module, split by concept into the included files below. The rule
throughout: try every operation without blocking while holding the GIL, and
release the GIL only when the call must wait.
"""

cimport cython
from cpython.buffer cimport (
    PyBUF_ANY_CONTIGUOUS, PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release,
    PyObject_CheckBuffer, PyObject_GetBuffer,
)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.exc cimport PyErr_CheckSignals, PyErr_SetFromErrno
from cpython.list cimport PyList_Append, PyList_New
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset, strlen
from posix.unistd cimport close

from zmqx._core.libzmq cimport *
from zmqx._core.libzmq cimport zmq_errno as zmq_errno_c, zmq_version as zmq_version_c
from zmqx._core.runtime cimport *

import errno
from libc.errno cimport EAGAIN, EBUSY, EFAULT, EINTR, EINVAL
cdef extern from "errno.h":
    enum: ENOTSUP
import threading
import warnings

cdef extern from "Python.h":
    unsigned long PyThread_get_thread_ident()

# Python runs signal handlers only in the main thread: only it waits in slices.
cdef unsigned long _main_thread = threading.main_thread().ident

if zmqx_install_fork_handler() != 0:
    raise ImportError("zmqx: could not install its fork handler")

# poll(2) and errno, for waits that happen outside libzmq
cdef extern from "poll.h" nogil:
    struct pollfd:
        int fd
        short events
        short revents
    int poll(pollfd *fds, unsigned long nfds, int timeout)
    enum:
        POLLIN
        POLLOUT
        POLLERR
        POLLPRI
        POLLHUP
        POLLNVAL


cdef extern from "errno.h" nogil:
    int errno_c "errno"


cdef inline void errno_set(int value) noexcept nogil:
    global errno_c
    errno_c = value


include "errors.pxi"
include "misc.pxi"
include "frame.pxi"
include "context.pxi"
include "guard.pxi"
include "readiness.pxi"
include "wait.pxi"
include "transfer.pxi"
include "socket.pxi"
include "watcher.pxi"
include "poll.pxi"
include "proxy.pxi"
