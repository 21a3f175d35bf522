# The C-level API of zmqx's compiled core, for other Cython extensions:
#
#     from zmqx._core._core cimport Socket, Context
#     from zmqx._core.libzmq cimport zmq_send
#     zmq_send((<Socket>sock).handle, buf, n, 0)
#
# `handle` is the raw libzmq pointer (NULL once closed). Code that uses it directly
# takes over zmqx's duties: do not use it from two threads at once.

from zmqx._core.libzmq cimport zmq_msg_t
from zmqx._core.runtime cimport zmqx_tracker, zmqx_waker


cdef class Context:
    cdef void *handle
    cdef readonly bint _shadow
    cdef int _fork_generation
    cdef bint _started           # made a socket: libzmq started its threads
    cdef object _shadowed        # keeps a shadowed Context object alive
    cdef public object _sockets  # WeakSet of the sockets made by this context
    cdef object __weakref__


cdef class Socket:
    cdef void *handle
    cdef readonly bint _shadow
    cdef readonly object context
    cdef public Py_ssize_t copy_threshold
    cdef int _fork_generation
    cdef readonly int _type
    # Set while a thread waits on this socket with the GIL released: the waker
    # that thread polls (borrowed for that wait, see fds.pxi), so that close()
    # from another thread can wake it.
    cdef zmqx_waker *_waiter
    cdef int _closing           # close requested while another thread waited: by whom
    cdef int _closing_linger    # linger for that deferred close (-2: unchanged)
    # Readiness (readiness.pxi): ZMQ_EVENTS as last read, valid until the socket
    # is used again. Its FD only signals news, so unchanged FD + valid cache = same.
    cdef int _events
    cdef bint _events_valid
    cdef int _zmq_fd            # ZMQ_FD, read once (-1 until then)
    cdef object _watcher        # the event loop's Watcher of this socket, or None
    # For a shadow of a socket another zmqx object owns: that owner, which holds
    # the state above for both (see holder_of). None otherwise.
    cdef Socket _primary
    cdef object __weakref__


cdef class Frame:
    cdef zmq_msg_t msg
    cdef object _bytes          # cached bytes copy
    cdef object _buffer         # weak reference to the memoryview of the data
    cdef readonly object tracker
    cdef public bint more
    cdef bint _readonly         # the data is a caller's read-only buffer
    cdef object __weakref__
