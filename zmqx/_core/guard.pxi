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


cdef inline int check_open(Socket holder) except -1:
    """Raise unless holder's socket is open and this process's."""
    if holder.handle == NULL or holder._closing:
        raise_closed()
    # before any busy check: in a forked child no thread waits in the parent's
    # sockets, whatever _waiter was when the process forked
    if holder._fork_generation != zmqx_fork_generation:
        raise_forked()
    return 0


cdef inline int check_usable(Socket holder, zmqx_waker *waker) except -1:
    """Raise unless holder's socket may be used from this thread now; a thread
    that already waits through waker (a Poller re-polling its sockets) may."""
    check_open(holder)
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


cdef inline bint reads_options_only(int option) noexcept:
    """Whether libzmq answers getsockopt(option) from the socket's settings
    alone. Every option but these three: EVENTS processes the socket's commands,
    RCVMORE is written by each receive, and FD belongs to whoever drives the
    socket's readiness (libzmq's socket_base_t::getsockopt)."""
    return option != ZMQ_EVENTS and option != ZMQ_RCVMORE and option != ZMQ_FD


cdef inline Socket enter_to_read(Socket s, int option):
    """enter() for getsockopt. An option read from the settings alone may be
    read while another thread waits in the socket (as pyzmq allows): that
    thread waits outside libzmq, in poll(2), or runs a proxy loop, and neither
    writes the settings; nor can anyone else meanwhile, since setsockopt, bind
    and connect are refused. Such a read changes no readiness."""
    cdef Socket holder = s if s._primary is None else s._primary
    if not reads_options_only(option):
        return enter(s)
    if s.handle == NULL:
        raise_closed()
    check_open(holder)
    return holder
