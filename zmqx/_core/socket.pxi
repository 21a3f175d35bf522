# Socket: lifecycle, endpoints, options and the message methods, each entering
# through the guard (guard.pxi) and moving messages through transfer.pxi. A call
# waits only when it has to (wait.pxi), so close() from another thread can end it.

include "options.pxi"

cdef enum:
    # A deferred close keeps the socket's linger unless close() was given one.
    LINGER_UNCHANGED = -2


cdef int close_now(Socket s, int linger, int closed_by) except -1:
    """Close s's libzmq socket in this thread (linger: ms, or LINGER_UNCHANGED;
    closed_by: CLOSED_BY_SOCKET, or CLOSED_BY_CONTEXT): 0. Or, when an event loop
    running in another thread watches it, hand the close to that thread: 1."""
    cdef void *handle = s.handle
    if s._watcher is not None and (<Watcher>s._watcher).closes_in_loop_thread(
            s, linger, closed_by):
        return 1
    # The socket is this thread's to close from here on: letting go of the watcher
    # runs Python code, during which another thread must find it closed already.
    s.handle = NULL
    if s._watcher is not None:
        # while the FD is still valid: an event loop must stop watching it first
        (<Watcher>s._watcher).socket_closing(closed_by)
    if linger != LINGER_UNCHANGED:
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, sizeof(int))
    zmq_close(handle)
    note_close()  # see hwm.pxi
    forget_handle(s, handle)
    return 0


cdef int finish_deferred_close(Socket s) except -1:
    """Close a socket that another thread closed while this one waited in it;
    returns who closed it (CLOSED_BY_SOCKET or CLOSED_BY_CONTEXT)."""
    cdef int closed_by = s._closing
    if close_now(s, s._closing_linger, closed_by) == 0:
        s._closing = 0
    return closed_by


cdef object closed_while_waiting(int closed_by):
    """What a call waiting in a socket that closed meanwhile raises."""
    if closed_by == CLOSED_BY_CONTEXT:
        return ContextTerminated()
    return ZMQError(ENOTSOCK, "Socket was closed while waiting")


cdef int raise_closed_while_waiting(int closed_by) except -1:
    if closed_by == CLOSED_BY_CONTEXT and _interpreter_exiting and not in_main_thread():
        # The interpreter is exiting and closed this (daemon) thread's socket so
        # that its context can terminate. A ContextTerminated would end the
        # thread with a traceback on stderr; instead it stays blocked, as a
        # daemon thread blocked in libzmq does, until the process ends.
        park_until_exit()
    raise closed_while_waiting(closed_by)


cdef void park_until_exit() noexcept:
    with nogil:
        while True:
            poll(NULL, 0, -1)


# Every Socket object on a libzmq socket (see wrappers.pxi).
cdef Wrappers _sockets = Wrappers()


cdef Socket owner_at(size_t address):
    """The live zmqx Socket that owns the libzmq socket at address, if any."""
    for sock in _sockets.alive(address):
        if not (<Socket>sock)._shadow and (<Socket>sock).handle == <void *>address:
            return <Socket>sock
    return None


cdef int forget_handle(Socket s, void *handle) except -1:
    """s stopped wrapping handle; if handle was closed, so did every other holder."""
    for other in _sockets.forget(<size_t>handle):
        if other is not s and (<Socket>other).handle == handle:
            (<Socket>other).handle = NULL
    return 0


cdef int close_socket(Socket sock, linger, int closed_by) except -1:
    """close() and Context.destroy(): close now, or ask the waiting thread to."""
    cdef int linger_ms = LINGER_UNCHANGED if linger is None else linger
    cdef Socket s = holder_of(sock)
    if sock.handle == NULL or s.handle == NULL or s._closing:
        return 0
    if s._fork_generation != zmqx_fork_generation:
        s.handle = NULL  # the parent's socket: never touch libzmq here
        return 0
    if s._waiter != NULL:
        s._closing = closed_by
        s._closing_linger = linger_ms
        zmqx_waker_signal(s._waiter)
        return 0
    return close_now(s, linger_ms, closed_by)


cdef enum EndpointUse:
    ENDPOINT_BINDS
    ENDPOINT_CONNECTS
    ENDPOINT_LEAVES             # unbind, disconnect


cdef int endpoint_call(Socket self, int (*call)(void *, const char *) noexcept nogil,
                       addr, EndpointUse use) except -1:
    cdef int err
    cdef Socket s = enter(self)
    if isinstance(addr, str):
        encoded = addr.encode("utf-8")
    elif isinstance(addr, bytes):
        encoded = addr
    else:
        raise TypeError(f"endpoint must be str, not {type(addr).__name__}")
    if b"\0" in encoded:
        raise ValueError("endpoint must not contain NUL characters")
    if use != ENDPOINT_LEAVES:
        fds = endpoint_fds(encoded, use == ENDPOINT_BINDS)
        if fds:
            require_fds(fds, f"{'bind' if use == ENDPOINT_BINDS else 'connect'} {addr!r}")
    while call(s.handle, <const char *>encoded) < 0:
        err = zmq_errno_c()
        if err == EINTR:
            check_signals()
            continue
        raise endpoint_error(err, addr)
    return 0


cdef Frame addressed(Socket s, object data, bint copy, bint track, routing_id, group):
    """data as a Frame carrying a routing id (SERVER) or group (RADIO): draft API."""
    cdef Frame frame = data if isinstance(data, Frame) else Frame(
        data, track=track, copy=copy, copy_threshold=s.copy_threshold)
    if routing_id is not None:
        frame.routing_id = routing_id
    if group is not None:
        frame.group = group
    return frame


cdef class Socket:
    """A libzmq socket. Not thread-safe (as libzmq's are not): use it from one
    thread at a time; zmqx raises ZMQError instead of crashing when two collide.

    ``Socket(context, socket_type, *, shadow=0, copy_threshold=None)``. With shadow
    (an address from another library's `underlying`), wrap an existing libzmq
    socket without owning it.
    """

    def __cinit__(self, *args, **kwargs):
        self._closing_linger = LINGER_UNCHANGED
        self._zmq_fd = -1
        self.copy_threshold = COPY_THRESHOLD
        self._fork_generation = zmqx_fork_generation

    def __init__(self, ctx_or_socket=None, int socket_type=0, *, shadow=0, copy_threshold=None):
        cdef Context ctx
        cdef size_t size = sizeof(int)
        if self.handle != NULL:
            return
        if copy_threshold is not None:
            self.copy_threshold = copy_threshold
        if isinstance(ctx_or_socket, Socket):
            shadow = ctx_or_socket
        if shadow:
            if isinstance(shadow, Socket):
                self.handle = (<Socket>shadow).handle
                ctx_or_socket = (<Socket>shadow).context
            else:
                self.handle = <void *><size_t>shadow
            if self.handle == NULL:
                raise ZMQError(EFAULT, "cannot shadow a closed or NULL socket")
            self._shadow = True
            self.context = ctx_or_socket
            self._primary = owner_at(<size_t>self.handle)
        else:
            if not isinstance(ctx_or_socket, Context):
                raise TypeError(f"Socket needs a Context, not {type(ctx_or_socket).__name__}")
            ctx = <Context>ctx_or_socket
            check_context(ctx)
            self.handle = open_socket(ctx, socket_type)
            self.context = ctx
            ctx._sockets.add(self)
        if zmq_getsockopt(self.handle, ZMQ_TYPE, &self._type, &size) < 0:
            self.handle = NULL
            raise_zmq_error()
        _sockets.add(<size_t>self.handle, self)

    def __del__(self):
        if self._watcher is not None and self._shadow:
            # a shadow of a socket no zmqx object owns keeps its own watcher: it
            # stops watching the FD that outlives it (an owner's close() does this)
            (<Watcher>self._watcher).detach()
        if self.handle != NULL and not self._shadow and not self._closing \
                and self._fork_generation == zmqx_fork_generation:
            try:
                warnings.warn(f"Unclosed socket {self!r}", ResourceWarning,
                              stacklevel=2, source=self)
            except Exception:
                pass  # the warnings machinery is gone at interpreter exit
            self.close()

    def __dealloc__(self):
        if self.handle != NULL and not self._shadow \
                and self._fork_generation == zmqx_fork_generation:
            zmq_close(self.handle)
            try:
                forget_handle(self, self.handle)
            except BaseException:
                pass  # at interpreter exit the registry may be gone
        self.handle = NULL

    # ---- state ---------------------------------------------------------------

    @property
    def closed(self):
        """True once the socket was closed (or its close was requested)."""
        return self.handle == NULL or holder_of(self)._closing != 0

    @property
    def underlying(self):
        """The address of the libzmq socket, to shadow it from another library."""
        return <size_t>self.handle

    def close(self, linger=None):
        """Close the socket. linger (ms) bounds how long unsent messages are kept
        trying after close; None keeps the socket's LINGER option.

        From another thread while a call waits in this socket: that call wakes,
        closes the socket in its own thread and raises ZMQError(ENOTSOCK).
        """
        close_socket(self, linger, CLOSED_BY_SOCKET)

    # ---- endpoints -----------------------------------------------------------

    def bind(self, addr):
        """Bind to an endpoint, e.g. ``"tcp://*:5555"``, ``"ipc:///tmp/x"``, ``"inproc://x"``."""
        endpoint_call(self, zmq_bind, addr, ENDPOINT_BINDS)

    def connect(self, addr):
        """Connect to an endpoint."""
        endpoint_call(self, zmq_connect, addr, ENDPOINT_CONNECTS)

    def unbind(self, addr):
        """Stop listening on an endpoint given to bind()."""
        endpoint_call(self, zmq_unbind, addr, ENDPOINT_LEAVES)
        note_departure(self)

    def disconnect(self, addr):
        """Disconnect from an endpoint given to connect()."""
        endpoint_call(self, zmq_disconnect, addr, ENDPOINT_LEAVES)
        note_departure(self)

    # ---- options -------------------------------------------------------------

    def setsockopt(self, int option, optval):
        """Set a socket option: an int, or bytes for binary and text options."""
        cdef int int_value
        cdef int64_t int64_value
        cdef const void *data
        cdef size_t size
        cdef Socket s = enter(self)
        cdef OptionKind kind = option_kind(option)
        if (kind == OPTION_INT or kind == OPTION_INT64) and not isinstance(optval, int):
            raise TypeError(f"option {option} takes an int, not {type(optval).__name__}")
        if kind == OPTION_INT:
            int_value = optval
            data = &int_value
            size = sizeof(int)
        elif kind == OPTION_INT64:
            int64_value = optval
            data = &int64_value
            size = sizeof(int64_t)
        else:
            if isinstance(optval, str):
                raise TypeError("unicode not allowed, use setsockopt_string")
            if not isinstance(optval, bytes):
                reject_non_buffer(optval)
                optval = bytes(optval)
            data = PyBytes_AS_STRING(optval)
            size = <size_t>PyBytes_GET_SIZE(optval)
        if option == ZMQ_SNDHWM or option == ZMQ_RCVHWM:
            settle_pipes(s)  # see hwm.pxi
        if zmq_setsockopt(s.handle, option, data, size) < 0:
            raise_zmq_error()

    def getsockopt(self, int option):
        """Get a socket option: an int, or bytes for binary and text options."""
        cdef int int_value
        cdef int64_t int64_value
        cdef char buffer[4096]
        cdef size_t size
        cdef Socket s = enter_to_read(self, option)
        cdef OptionKind kind = option_kind(option)
        if option == ZMQ_RCVMORE and s._watcher is not None:
            # an event loop's watcher may hold parts given back by cancelled receives
            return (<Watcher>s._watcher).rcvmore()
        if kind == OPTION_INT:
            size = sizeof(int)
            if zmq_getsockopt(s.handle, option, &int_value, &size) < 0:
                raise_zmq_error()
            return int_value
        if kind == OPTION_INT64:
            size = sizeof(int64_t)
            if zmq_getsockopt(s.handle, option, &int64_value, &size) < 0:
                raise_zmq_error()
            return int64_value
        size = 41 if kind == OPTION_CURVE_KEY else sizeof(buffer)
        if zmq_getsockopt(s.handle, option, buffer, &size) < 0:
            raise_zmq_error()
        if kind != OPTION_BYTES and size > 0 and buffer[size - 1] == 0:
            size -= 1  # text comes NUL-terminated
        return PyBytes_FromStringAndSize(buffer, <Py_ssize_t>size)

    set = setsockopt
    get = getsockopt

    def fileno(self):
        """The socket's event fd (edge-triggered: re-read EVENTS after every call)."""
        return readiness_fd(enter(self))

    # ---- messages ------------------------------------------------------------

    def send(self, data, int flags=0, bint copy=True, bint track=False,
             routing_id=None, group=None):
        """Send one message part (flags: DONTWAIT, SNDMORE).

        copy=False sends data's buffer without copying (small buffers are copied
        anyway, see copy_threshold); track=True then returns a MessageTracker that
        tells when the buffer may be changed again.
        """
        cdef Socket s = enter(self)
        if routing_id is not None or group is not None:
            data = addressed(s, data, copy, track, routing_id, group)
        return send_one(s, data, flags, copy, track)

    def recv(self, int flags=0, bint copy=True, bint track=False):
        """Receive one message part: bytes, or a Frame when copy=False."""
        cdef Socket s = enter(self)
        return recv_one(s, flags, copy, track)

    def send_multipart(self, msg_parts, int flags=0, bint copy=True, bint track=False,
                       **kwargs):
        """Send a sequence of parts as one message (delivered whole or not at all)."""
        cdef Socket s = enter(self)
        cdef list parts = checked_parts(msg_parts)
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {', '.join(kwargs)}")
        return send_parts(s, parts, flags, copy, track)

    def recv_multipart(self, int flags=0, bint copy=True, bint track=False):
        """Receive every part of one message as a list (bytes, or Frames if copy=False)."""
        return recv_parts(enter(self), flags, copy, track)

    def recv_into(self, buffer, /, *, nbytes=0, int flags=0):
        """Receive one part into a writable buffer; returns the part's full size
        (larger than nbytes when the part was truncated)."""
        return recv_into_buffer(enter(self), buffer, nbytes, flags)

    def poll(self, timeout=None, int flags=ZMQ_POLLIN):
        """Wait up to timeout ms (None or negative: forever) for flags (POLLIN,
        POLLOUT); returns the events that are ready (0 on timeout)."""
        cdef int64_t deadline
        if self.closed:
            raise ZMQError(ENOTSUP)  # pyzmq's errno for poll() on a closed socket
        cdef Socket s = enter(self)
        if flags == 0:
            raise ValueError("poll needs flags (POLLIN and/or POLLOUT)")
        deadline = -1 if timeout is None or timeout < 0 else zmqx_now_ms() + <int64_t>int(timeout)
        wait_for(s, <short>flags, deadline)
        return readiness(s) & flags

    def monitor(self, addr, int events=ZMQ_EVENT_ALL):
        """Publish this socket's events (EVENT_*) on a PAIR socket at inproc addr;
        addr=None stops monitoring."""
        cdef Socket s = enter(self)
        if addr is None:
            rc = zmq_socket_monitor(s.handle, NULL, 0)
        else:
            encoded = addr.encode("utf-8") if isinstance(addr, str) else addr
            rc = zmq_socket_monitor(s.handle, <const char *>encoded, events)
        if rc < 0:
            raise_zmq_error()

    def join(self, group):
        """DISH: receive the messages a RADIO sends to group (draft API)."""
        group_call(_zmq_join, "join", self, group)

    def leave(self, group):
        """DISH: stop receiving group (draft API)."""
        group_call(_zmq_leave, "leave", self, group)
