# The guard: who may enter a socket, and the one place that decides it.
#
# Busy, closing and readiness belong to the libzmq socket, not to whichever Python
# object reaches it: a shadow of a socket that another zmqx object owns keeps its
# state in that owner (`_primary`). Every method goes through enter() (or, for a
# wait, claim() in wait.pxi), which works on that state holder.

cdef enum:
    # Who asked for a deferred close (Socket._closing), which decides what the
    # waiting thread raises: ZMQError(ENOTSOCK), or ContextTerminated.
    CLOSED_BY_SOCKET = 1
    CLOSED_BY_CONTEXT = 2


cdef int raise_closed() except -1:
    raise ZMQError(ENOTSOCK)


cdef int raise_busy() except -1:
    raise ZMQError(
        EBUSY,
        "Socket is in use by another thread: zmq sockets are not thread-safe "
        "(use one socket per thread, or hand it over when the other thread is done)")


cdef int raise_forked() except -1:
    raise ZMQError(
        ENOTSUP,
        "Socket was created before fork(): a child process must make its own "
        "sockets from a new Context")


cdef inline Socket holder_of(Socket s):
    """The object that holds s's state: s itself, or the zmqx owner it shadows."""
    return s if s._primary is None else s._primary


cdef inline int check_usable(Socket holder, zmqx_waker *waker) except -1:
    """Raise unless holder's socket may be used from this thread now; a thread
    that already waits through waker (a Poller re-polling its sockets) may."""
    if holder.handle == NULL or holder._closing:
        raise_closed()
    # before the busy check: in a forked child no thread waits in the parent's
    # sockets, whatever _waiter was when the process forked
    if holder._fork_generation != zmqx_fork_generation:
        raise_forked()
    if holder._waiter != NULL and holder._waiter != waker:
        raise_busy()
    return 0


cdef inline Socket enter(Socket s):
    """The guard at the top of every socket method: raises unless s may be used
    now, and returns the state holder the method then works on. Whatever the
    method does may change readiness, so the readiness cache is dropped here."""
    cdef Socket holder = s if s._primary is None else s._primary
    if s.handle == NULL:
        raise_closed()  # this object was closed, even if its holder lives on
    check_usable(holder, NULL)
    readiness_changed(holder)
    return holder
