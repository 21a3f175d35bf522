# cython: language_level=3, freethreading_compatible=False
"""zmqx's compiled core: everything called per message lives here.

One extension module, split by concept into the included files below. The rule
throughout: try every operation without blocking while holding the GIL, and
release the GIL only when the call must wait.
"""

from cpython.buffer cimport (
    PyBUF_ANY_CONTIGUOUS, PyBUF_WRITABLE, PyBuffer_Release, PyObject_CheckBuffer,
    PyObject_GetBuffer,
)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.exc cimport PyErr_CheckSignals, PyErr_SetFromErrno
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy, memset
from posix.unistd cimport close

# Explicit names: zmq_errno and zmq_version are also Python functions of this module.
from zmqx._core.libzmq cimport (
    ENOTSOCK, ETERM, ZMQ_DONTWAIT, ZMQ_EVENTS, ZMQ_EVENT_ALL, ZMQ_FD, ZMQ_IO_THREADS,
    ZMQ_LAST_ENDPOINT, ZMQ_LINGER, ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_RCVHWM, ZMQ_RCVMORE,
    ZMQ_RCVTIMEO,
    ZMQ_SNDHWM, ZMQ_SNDMORE, ZMQ_SNDTIMEO, ZMQ_TYPE, zmq_bind, zmq_close, zmq_connect,
    zmq_ctx_get, zmq_ctx_new, zmq_ctx_set, zmq_ctx_term, zmq_curve_keypair, zmq_curve_public,
    zmq_disconnect, zmq_getsockopt, zmq_has, zmq_msg_close, zmq_msg_copy, zmq_msg_data,
    zmq_msg_get, zmq_msg_gets, zmq_msg_init, zmq_msg_init_data, zmq_msg_init_size, zmq_msg_more,
    zmq_msg_move, zmq_msg_recv, zmq_msg_send, zmq_msg_set, zmq_msg_size, zmq_msg_t, zmq_poll,
    zmq_pollitem_t, zmq_recv, zmq_send, zmq_setsockopt, zmq_socket, zmq_socket_monitor,
    zmq_strerror, zmq_unbind,
)
from zmqx._core.libzmq cimport zmq_errno as zmq_errno_c, zmq_version as zmq_version_c
from zmqx._core.runtime cimport *

import errno
from libc.errno cimport EAGAIN, EBUSY, EFAULT, EINTR
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
include "groups.pxi"
include "socket.pxi"
include "running_loop.pxi"
include "done.pxi"
include "handover.pxi"
include "watcher.pxi"
include "loop_socket.pxi"
include "hwm.pxi"
include "poll.pxi"
include "proxy.pxi"
