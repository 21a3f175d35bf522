# Socket: the hot path. Every call first tries libzmq without blocking, holding the
# GIL; only a call that has to wait releases it, and it waits in poll() on the
# socket's FD together with a waker, so close() from another thread can end the wait.

include "options.pxi"

cdef enum:
    # Who asked for a deferred close (Socket._closing), which decides what the
    # waiting thread raises: ZMQError(ENOTSOCK), or ContextTerminated.
    CLOSED_BY_SOCKET = 1
    CLOSED_BY_CONTEXT = 2
    # How long a wait in the main thread may last before it looks for signals
    # that Python's handler recorded while another thread got them (Ctrl-C latency).
    SIGNAL_SLICE_MS = 50
    # A deferred close keeps the socket's linger unless close() was given one.
    LINGER_UNCHANGED = -2
    # ZMQ_DGRAM (a draft socket type, present in libzmq built with drafts). With
    # no peer, libzmq 4.3's DGRAM send closes the caller's message and fails:
    # zmq_send then aborts the process ("Bad address (src/zmq.cpp:413)"), and a
    # caller retrying or sizing the message aborts too. Such sockets are only
    # sent to through send_consumable, and never given to a proxy.
    SOCKET_DGRAM = 18


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


cdef inline int guard_socket(Socket s) except -1:
    """Raise unless s may be used from this thread now."""
    if s.handle == NULL or s._closing:
        raise_closed()
    # before the busy check: in a forked child no thread waits in the parent's
    # sockets, whatever _waiter was when the process forked
    if s._fork_generation != zmqx_fork_generation:
        raise_forked()
    if s._waiter != NULL:
        raise_busy()
    return 0


cdef inline int check_socket(Socket s) except -1:
    """The guard at the top of every socket operation that may change readiness."""
    guard_socket(s)
    s._events_valid = False
    return 0


cdef inline Socket state_of(Socket s):
    """The object that holds s's state: s itself, or for a shadow of a socket that
    another zmqx object owns, that owner. Busy, closing and readiness belong to
    the libzmq socket, not to whichever Python object is used to reach it."""
    return s if s._primary is None else s._primary


cdef inline Socket active(Socket s):
    """check_socket() on the state holder of s, which the operation then uses."""
    cdef Socket p = s if s._primary is None else s._primary
    check_socket(p)
    return p


cdef int close_now(Socket s, int linger) except -1:
    """Close s's libzmq socket in this thread (linger: ms, or LINGER_UNCHANGED)."""
    if linger != LINGER_UNCHANGED:
        zmq_setsockopt(s.handle, ZMQ_LINGER, &linger, sizeof(int))
    zmq_close(s.handle)
    note_close()  # see hwm.pxi
    forget_handle(s, s.handle)
    s.handle = NULL
    zmqx_waker_close(&s._waker)
    return 0


cdef int finish_deferred_close(Socket s) except -1:
    """Close a socket that another thread closed while this one waited in it;
    returns who closed it (CLOSED_BY_SOCKET or CLOSED_BY_CONTEXT)."""
    cdef int closed_by = s._closing
    close_now(s, s._closing_linger)
    s._closing = 0
    return closed_by


cdef int raise_closed_while_waiting(int closed_by) except -1:
    if closed_by == CLOSED_BY_CONTEXT:
        raise ContextTerminated()
    raise ZMQError(ENOTSOCK, "Socket was closed by another thread while waiting")


# Every Socket object wrapping a libzmq socket, by address: closing one of them
# (say a shadow) must mark the others closed, or they would use freed memory.
cdef dict _sockets_at = {}


cdef Socket owner_at(size_t address):
    """The live zmqx Socket that owns the libzmq socket at address, if any."""
    for ref in _sockets_at.get(address, ()):
        holder = ref()
        if holder is not None and not (<Socket>holder)._shadow \
                and (<Socket>holder).handle == <void *>address:
            return <Socket>holder
    return None


cdef int register_handle(Socket s) except -1:
    cdef size_t address = <size_t>s.handle
    holders = _sockets_at.get(address)
    if holders is None:
        _sockets_at[address] = [weakref.ref(s)]
    else:
        holders.append(weakref.ref(s))
    return 0


cdef int forget_handle(Socket s, void *handle) except -1:
    """s stopped wrapping handle; if handle was closed, so did every other holder."""
    holders = _sockets_at.pop(<size_t>handle, None)
    if holders is None:
        return 0
    for ref in holders:
        other = ref()
        if other is not None and other is not s and (<Socket>other).handle == handle:
            (<Socket>other).handle = NULL
    return 0


cdef int close_socket(Socket sock, linger, int closed_by) except -1:
    """close() and Context.destroy(): close now, or ask the waiting thread to."""
    cdef int linger_ms = LINGER_UNCHANGED if linger is None else linger
    cdef Socket s = state_of(sock)
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
    return close_now(s, linger_ms)


cdef inline int mark_waiting(Socket s, zmqx_waker *waker) except -1:
    """Claim s for a wait through waker, right before the GIL is released: a
    check-and-set, so that Python code run since the call's guard (a finalizer,
    a signal handler) cannot have let another thread in unnoticed."""
    if s._waiter != NULL and s._waiter != waker:
        raise_busy()
    s._waiter = waker
    return 0


cdef int mark_all_waiting(list sockets, zmqx_waker *waker) except -1:
    """mark_waiting for several sockets (None entries skipped): all or none."""
    for s in sockets:
        if s is not None and (<Socket>s)._waiter != NULL and (<Socket>s)._waiter != waker:
            raise_busy()
    for s in sockets:
        if s is not None:
            (<Socket>s)._waiter = waker
    return 0


cdef int open_waker(zmqx_waker *waker) except -1:
    if waker.read_fd < 0 and zmqx_waker_open(waker) < 0:
        PyErr_SetFromErrno(OSError)
        return -1
    return 0


cdef int sleep_on_socket(Socket s, int timeout_ms) except -2:
    """One sleep in poll() on s's FD (readable when libzmq has news for s) and
    on s's waker, with s marked as waited on: other threads are refused, and a
    close() from one of them wakes the sleep, after which the close is finished
    here and raised. 1: the FD had news; 0: timeout; -1: interrupted (EINTR)."""
    cdef pollfd fds[2]
    cdef int rc, err
    cdef size_t size = sizeof(int)
    open_waker(&s._waker)
    if s._zmq_fd < 0 and zmq_getsockopt(s.handle, ZMQ_FD, &s._zmq_fd, &size) < 0:
        raise_zmq_error()
    fds[0].fd = s._zmq_fd
    fds[1].fd = s._waker.read_fd
    fds[0].events = fds[1].events = POLLIN
    fds[0].revents = fds[1].revents = 0
    mark_waiting(s, &s._waker)
    with nogil:
        rc = poll(fds, 2, timeout_ms)
        err = errno_c
    s._waiter = NULL
    if s._closing:
        raise_closed_while_waiting(finish_deferred_close(s))
    if fds[1].revents:
        zmqx_waker_drain(&s._waker)
    if rc < 0:
        if err != EINTR:
            errno_set(err)
            PyErr_SetFromErrno(OSError)
            return -2
        return -1
    return 1 if rc > 0 and fds[0].revents else 0


cdef int wait_for(Socket s, short events, int64_t deadline) except -1:
    """Wait until s has one of events: 1 when it has, 0 at deadline (-1: none).

    The edge-triggered dance: read ZMQ_EVENTS (which also processes libzmq's
    pending commands, unthrottled, and so drains the FD), and only if nothing
    is ready, sleep until the FD has news. Raises if the socket is closed from
    another thread, its context terminated, or a signal handler raises (Ctrl-C).
    """
    cdef int rc, ready
    cdef int64_t timeout
    cdef bint in_main = PyThread_get_thread_ident() == _main_thread
    cdef size_t size = sizeof(int)
    while True:
        if zmq_getsockopt(s.handle, ZMQ_EVENTS, &ready, &size) < 0:
            raise_zmq_error()
        if ready & events:
            return 1
        timeout = -1 if deadline < 0 else max(0, deadline - zmqx_now_ms())
        if timeout == 0:
            return 0
        if in_main and (timeout < 0 or timeout > SIGNAL_SLICE_MS):
            timeout = SIGNAL_SLICE_MS
        rc = sleep_on_socket(s, <int>timeout)
        if in_main or rc < 0:
            check_signals()


cdef int64_t deadline_from(Socket s, int timeout_option) except -2:
    cdef int timeout_ms = -1
    cdef size_t size = sizeof(int)
    if zmq_getsockopt(s.handle, timeout_option, &timeout_ms, &size) < 0:
        raise_zmq_error()
    return -1 if timeout_ms < 0 else zmqx_now_ms() + timeout_ms


cdef int wait_after_failure(Socket s, int flags, short event, int64_t *deadline) except -1:
    """A non-blocking attempt failed: raise, or wait until it is worth retrying."""
    cdef int err = zmq_errno_c()
    if err == EINTR:
        return check_signals()
    if err != EAGAIN or flags & ZMQ_DONTWAIT:
        return raise_zmq_error(err)
    if deadline[0] == -2:
        deadline[0] = deadline_from(s, ZMQ_RCVTIMEO if event == ZMQ_POLLIN else ZMQ_SNDTIMEO)
    if not wait_for(s, event, deadline[0]):
        raise Again()
    return 0


cdef int send_data(Socket s, const void *data, size_t size, int flags) except -1:
    cdef int64_t deadline = -2
    if s._type == SOCKET_DGRAM:
        return send_consumable(s, data, size, flags)
    while zmq_send(s.handle, data, size, flags | ZMQ_DONTWAIT) < 0:
        wait_after_failure(s, flags, ZMQ_POLLOUT, &deadline)
    return 0


cdef int send_consumable(Socket s, const void *data, size_t size, int flags) except -1:
    """send_data for a socket whose failed send may close the message (DGRAM):
    each attempt sends a fresh copy, and a copy that libzmq closed without
    sending (it has no peer) counts as EAGAIN: Again, or a wait for a peer."""
    cdef zmq_msg_t msg
    cdef int err
    cdef int64_t deadline = -2
    while True:
        if zmq_msg_init_size(&msg, size) < 0:
            raise_zmq_error()
        if size:
            memcpy(zmq_msg_data(&msg), data, size)
        if zmq_msg_send(&msg, s.handle, flags | ZMQ_DONTWAIT) >= 0:
            return 0
        err = zmq_errno_c()
        if zmq_msg_close(&msg) < 0:
            err = EAGAIN  # libzmq closed it already: dropped for want of a peer
        errno_set(err)
        wait_after_failure(s, flags, ZMQ_POLLOUT, &deadline)


cdef int send_msg(Socket s, zmq_msg_t *msg, int flags) except -1:
    """Send msg (libzmq takes it over on success; on failure the caller still owns it)."""
    cdef int64_t deadline = -2
    while zmq_msg_send(msg, s.handle, flags | ZMQ_DONTWAIT) < 0:
        wait_after_failure(s, flags, ZMQ_POLLOUT, &deadline)
    return 0


cdef int recv_msg(Socket s, zmq_msg_t *msg, int flags) except -1:
    cdef int64_t deadline = -2
    while zmq_msg_recv(msg, s.handle, flags | ZMQ_DONTWAIT) < 0:
        wait_after_failure(s, flags, ZMQ_POLLIN, &deadline)
    return 0


cdef object recv_one(Socket s, int flags, bint copy, bint track=False):
    """Receive one part: bytes when copy, else a Frame."""
    cdef zmq_msg_t msg
    cdef Frame frame
    zmq_msg_init(&msg)
    try:
        recv_msg(s, &msg, flags)
        if copy:
            return PyBytes_FromStringAndSize(<char *>zmq_msg_data(&msg),
                                             <Py_ssize_t>zmq_msg_size(&msg))
        frame = frame_from_msg(&msg)
        if track:
            frame.tracker = MessageTracker()  # a received frame has nothing in flight
        return frame
    finally:
        zmq_msg_close(&msg)


cdef object send_one(Socket s, object data, int flags, bint copy, bint track):
    """Send one part; returns what pyzmq's send returns for it (None or a tracker)."""
    cdef zmq_msg_t msg
    cdef _ReleaseSignal signal = None
    cdef Py_buffer view
    cdef bint must_copy = copy or s._type == SOCKET_DGRAM  # see SOCKET_DGRAM
    if isinstance(data, Frame):
        if track and (<Frame>data).tracker is None:
            raise ValueError("Not a tracked message")
        if s._type == SOCKET_DGRAM:
            send_data(s, zmq_msg_data(&(<Frame>data).msg), zmq_msg_size(&(<Frame>data).msg),
                      flags)
            return (<Frame>data).tracker
        return send_frame(s, <Frame>data, flags)
    # Below copy_threshold a copy=False send copies anyway; what it returns then
    # is a tracker that is already done.
    if isinstance(data, bytes) and (must_copy or PyBytes_GET_SIZE(data) < s.copy_threshold):
        send_data(s, PyBytes_AS_STRING(data), <size_t>PyBytes_GET_SIZE(data), flags)
        return None if copy else _FINISHED_TRACKER
    reject_non_buffer(data)
    if must_copy or buffer_length(data) < s.copy_threshold:
        PyObject_GetBuffer(data, &view, PyBUF_ANY_CONTIGUOUS)
        try:
            send_data(s, view.buf, <size_t>view.len, flags)
        finally:
            PyBuffer_Release(&view)
        return None if copy else _FINISHED_TRACKER
    if track:
        signal = new_release_signal()
    init_zero_copy(&msg, data, signal)
    try:
        send_msg(s, &msg, flags)
    except BaseException:
        zmq_msg_close(&msg)
        raise
    return MessageTracker(signal) if track else None


cdef object send_frame(Socket s, Frame frame, int flags):
    """Send a copy of frame's message, so that the Frame stays usable."""
    cdef zmq_msg_t msg
    zmq_msg_init(&msg)
    if zmq_msg_copy(&msg, &frame.msg) < 0:
        zmq_msg_close(&msg)
        raise_zmq_error()
    try:
        send_msg(s, &msg, flags)
    except BaseException:
        zmq_msg_close(&msg)
        raise
    return frame.tracker


cdef int endpoint_call(Socket self, int (*call)(void *, const char *) noexcept nogil,
                       addr) except -1:
    cdef int err
    check_socket(self)
    if isinstance(addr, str):
        encoded = addr.encode("utf-8")
    elif isinstance(addr, bytes):
        encoded = addr
    else:
        raise TypeError(f"endpoint must be str, not {type(addr).__name__}")
    if b"\0" in encoded:
        raise ValueError("endpoint must not contain NUL characters")
    while call(self.handle, <const char *>encoded) < 0:
        err = zmq_errno_c()
        if err == EINTR:
            check_signals()
            continue
        raise endpoint_error(err, addr)
    return 0


cdef class Socket:
    """A libzmq socket. Not thread-safe (as libzmq's are not): use it from one
    thread at a time; zmqx raises ZMQError instead of crashing when two collide.

    Socket(context, socket_type, *, shadow=0, copy_threshold=None). With shadow
    (an address from another library's `underlying`), wrap an existing libzmq
    socket without owning it.
    """

    def __cinit__(self, *args, **kwargs):
        self._waker.read_fd = -1
        self._waker.write_fd = -1
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
            self.handle = zmq_socket(ctx.handle, socket_type)
            if self.handle == NULL:
                raise_zmq_error()
            self.context = ctx
            ctx._sockets.add(self)
        if zmq_getsockopt(self.handle, ZMQ_TYPE, &self._type, &size) < 0:
            self.handle = NULL
            raise_zmq_error()
        register_handle(self)

    def __del__(self):
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
        zmqx_waker_close(&self._waker)

    # ---- state ---------------------------------------------------------------

    @property
    def closed(self):
        """True once the socket was closed (or its close was requested)."""
        return self.handle == NULL or state_of(self)._closing != 0

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
        """Bind to an endpoint, e.g. "tcp://*:5555", "ipc:///tmp/x", "inproc://x"."""
        endpoint_call(self, zmq_bind, addr)

    def connect(self, addr):
        """Connect to an endpoint."""
        endpoint_call(self, zmq_connect, addr)

    def unbind(self, addr):
        """Stop listening on an endpoint given to bind()."""
        endpoint_call(self, zmq_unbind, addr)
        note_departure(self)

    def disconnect(self, addr):
        """Disconnect from an endpoint given to connect()."""
        endpoint_call(self, zmq_disconnect, addr)
        note_departure(self)

    # ---- options -------------------------------------------------------------

    def setsockopt(self, int option, optval):
        """Set a socket option: an int, or bytes for binary and text options."""
        cdef int int_value
        cdef int64_t int64_value
        cdef const void *data
        cdef size_t size
        cdef Socket s = active(self)
        cdef OptionKind kind = option_kind(option)
        if kind == OPTION_INT:
            if not isinstance(optval, int):
                raise TypeError(f"option {option} takes an int, not {type(optval).__name__}")
            int_value = optval
            data = &int_value
            size = sizeof(int)
        elif kind == OPTION_INT64:
            if not isinstance(optval, int):
                raise TypeError(f"option {option} takes an int, not {type(optval).__name__}")
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
        cdef Socket s = active(self)
        cdef OptionKind kind = option_kind(option)
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
        return self.getsockopt(ZMQ_FD)

    # ---- messages ------------------------------------------------------------

    def send(self, data, int flags=0, bint copy=True, bint track=False,
             routing_id=None, group=None):
        """Send one message part (flags: DONTWAIT, SNDMORE).

        copy=False sends data's buffer without copying (small buffers are copied
        anyway, see copy_threshold); track=True then returns a MessageTracker that
        tells when the buffer may be changed again.
        """
        cdef Socket s = active(self)
        if routing_id is not None or group is not None:
            if not isinstance(data, Frame):
                data = Frame(data, track=track, copy=copy,
                             copy_threshold=s.copy_threshold)
            if routing_id is not None:
                data.routing_id = routing_id
            if group is not None:
                data.group = group
        return send_one(s, data, flags, copy, track)

    def recv(self, int flags=0, bint copy=True, bint track=False):
        """Receive one message part: bytes, or a Frame when copy=False."""
        cdef Socket s = active(self)
        return recv_one(s, flags, copy, track)

    def send_multipart(self, msg_parts, int flags=0, bint copy=True, bint track=False,
                       **kwargs):
        """Send a sequence of parts as one message (delivered whole or not at all)."""
        cdef Py_ssize_t i, n
        cdef int part_flags
        cdef Socket s = active(self)
        parts = msg_parts if isinstance(msg_parts, (list, tuple)) else list(msg_parts)
        n = len(parts)
        # Validate every part before sending any, so bad input never leaves half a
        # message queued in the socket.
        for i in range(n):
            part = parts[i]
            if not (isinstance(part, (bytes, Frame)) or PyObject_CheckBuffer(part)):
                raise TypeError(
                    f"Frame {i} ({part!r:.32}) does not support the buffer interface.")
        if n == 0:
            raise ValueError("send_multipart needs at least one part")
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {', '.join(kwargs)}")
        for i in range(n):
            part = parts[i]
            part_flags = flags | ZMQ_SNDMORE if i < n - 1 else flags
            if copy and type(part) is bytes:
                # the common case, without the generality of send_one
                send_data(s, PyBytes_AS_STRING(part), <size_t>PyBytes_GET_SIZE(part),
                          part_flags)
                result = None
            else:
                result = send_one(s, part, part_flags, copy, track)
        # as pyzmq: what the last part's send returns
        return result

    def recv_multipart(self, int flags=0, bint copy=True, bint track=False):
        """Receive every part of one message as a list (bytes, or Frames if copy=False)."""
        cdef zmq_msg_t msg
        cdef list parts = []
        cdef Socket s = active(self)
        zmq_msg_init(&msg)
        try:
            recv_msg(s, &msg, flags)
            while True:
                if copy:
                    parts.append(PyBytes_FromStringAndSize(<char *>zmq_msg_data(&msg),
                                                           <Py_ssize_t>zmq_msg_size(&msg)))
                    if not zmq_msg_more(&msg):
                        break
                else:
                    frame = frame_from_msg(&msg)
                    if track:
                        (<Frame>frame).tracker = MessageTracker()
                    parts.append(frame)
                    if not (<Frame>frame).more:
                        break
                # the rest of a message arrives with its first part: never waits
                recv_msg(s, &msg, flags & ~ZMQ_DONTWAIT)
        finally:
            zmq_msg_close(&msg)
        return parts

    def recv_into(self, buffer, /, *, nbytes=0, int flags=0):
        """Receive one part into a writable buffer; returns the part's full size
        (larger than nbytes when the part was truncated)."""
        cdef Py_buffer view
        cdef int rc
        cdef int64_t deadline = -2
        cdef Socket s = active(self)
        if nbytes < 0:
            raise ValueError(f"nbytes must be non-negative, not {nbytes}")
        PyObject_GetBuffer(buffer, &view, PyBUF_WRITABLE | PyBUF_ANY_CONTIGUOUS)
        try:
            if nbytes == 0:
                nbytes = view.len
            elif nbytes > view.len:
                raise ValueError(f"nbytes={nbytes} is larger than the buffer ({view.len})")
            while True:
                rc = zmq_recv(s.handle, view.buf, <size_t>nbytes, flags | ZMQ_DONTWAIT)
                if rc >= 0:
                    return rc
                wait_after_failure(s, flags, ZMQ_POLLIN, &deadline)
        finally:
            PyBuffer_Release(&view)

    def poll(self, timeout=None, int flags=ZMQ_POLLIN):
        """Wait up to timeout ms (None or negative: forever) for flags (POLLIN,
        POLLOUT); returns the events that are ready (0 on timeout)."""
        cdef int events
        cdef size_t size = sizeof(int)
        cdef int64_t deadline
        if self.closed:
            raise ZMQError(ENOTSUP)  # pyzmq's errno for poll() on a closed socket
        cdef Socket s = active(self)
        if flags == 0:
            raise ValueError("poll needs flags (POLLIN and/or POLLOUT)")
        deadline = -1 if timeout is None or timeout < 0 else zmqx_now_ms() + <int64_t>int(timeout)
        while True:
            if zmq_getsockopt(s.handle, ZMQ_EVENTS, &events, &size) < 0:
                raise_zmq_error()
            if events & flags or (deadline >= 0 and zmqx_now_ms() >= deadline):
                return events & flags
            if not wait_for(s, <short>flags, deadline):
                return 0

    def monitor(self, addr, int events=ZMQ_EVENT_ALL):
        """Publish this socket's events (EVENT_*) on a PAIR socket at inproc addr;
        addr=None stops monitoring."""
        cdef Socket s = active(self)
        if addr is None:
            rc = zmq_socket_monitor(s.handle, NULL, 0)
        else:
            encoded = addr.encode("utf-8") if isinstance(addr, str) else addr
            rc = zmq_socket_monitor(s.handle, <const char *>encoded, events)
        if rc < 0:
            raise_zmq_error()
