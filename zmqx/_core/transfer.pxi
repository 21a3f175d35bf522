# Moving messages: every send and receive, blocking or as a non-raising attempt.
#
# Each call first tries libzmq with ZMQ_DONTWAIT while holding the GIL. When that
# finds the socket not ready, a blocking call waits (wait.pxi) and tries again; a
# call made with ATTEMPT instead returns NOT_READY at once, without building an
# Again: that is how event loops (watcher.pxi) take what is ready.

cdef enum:
    # Not a libzmq flag: "if it would block, return NOT_READY" (masked off before
    # libzmq sees the flags).
    ATTEMPT = 1 << 30
    # ZMQ_DGRAM (a draft socket type, present in libzmq built with drafts). With
    # no peer, libzmq 4.3's DGRAM send closes the caller's message and fails:
    # zmq_send then aborts the process ("Bad address (src/zmq.cpp:413)"), and a
    # caller retrying or sizing the message aborts too. Such sockets are only
    # sent to through send_consumable, and never given to a proxy.
    SOCKET_DGRAM = 18


class _NotReady:
    """What an attempt returns when the socket is not ready for it."""

    __slots__ = ()

    def __repr__(self):
        return "NOT_READY"

    def __bool__(self):
        return False


NOT_READY = _NotReady()


cdef inline int zmq_flags(int flags) noexcept:
    return (flags & ~ATTEMPT) | ZMQ_DONTWAIT


cdef int socket_timeout(Socket s, int timeout_option) except -2:
    """SNDTIMEO or RCVTIMEO: ms, or -1 for none."""
    cdef int timeout_ms = -1
    cdef size_t size = sizeof(int)
    if zmq_getsockopt(s.handle, timeout_option, &timeout_ms, &size) < 0:
        raise_zmq_error()
    return timeout_ms


cdef int64_t deadline_from(Socket s, int timeout_option) except -2:
    cdef int timeout_ms = socket_timeout(s, timeout_option)
    return -1 if timeout_ms < 0 else zmqx_now_ms() + timeout_ms


cdef int wait_after_failure(Socket s, int flags, short event, int64_t *deadline) except -1:
    """A non-blocking try failed: 1 to try again (after waiting, if it must), 0
    when the call is an ATTEMPT and the socket is not ready; otherwise raises."""
    cdef int err = zmq_errno_c()
    if err == EINTR:
        check_signals()
        return 1
    if err != EAGAIN:
        return raise_zmq_error(err)
    if flags & ATTEMPT:
        return 0
    if flags & ZMQ_DONTWAIT:
        return raise_zmq_error(err)
    if deadline[0] == -2:
        deadline[0] = deadline_from(s, ZMQ_RCVTIMEO if event == ZMQ_POLLIN else ZMQ_SNDTIMEO)
    if not wait_for(s, event, deadline[0]):
        raise Again()
    return 1


cdef int send_data(Socket s, const void *data, size_t size, int flags) except -1:
    """Send a copy of size bytes at data: 1 when sent, 0 when not ready (ATTEMPT)."""
    cdef int64_t deadline = -2
    if s._type == SOCKET_DGRAM:
        return send_consumable(s, data, size, flags)
    while zmq_send(s.handle, data, size, zmq_flags(flags)) < 0:
        if not wait_after_failure(s, flags, ZMQ_POLLOUT, &deadline):
            return 0
    return 1


cdef int send_consumable(Socket s, const void *data, size_t size, int flags) except -1:
    """send_data for a socket whose failed send may close the message (DGRAM):
    each try sends a fresh copy, and a copy that libzmq closed without sending
    (it has no peer) counts as EAGAIN: not ready."""
    cdef zmq_msg_t msg
    cdef int err
    cdef int64_t deadline = -2
    while True:
        if zmq_msg_init_size(&msg, size) < 0:
            raise_zmq_error()
        if size:
            memcpy(zmq_msg_data(&msg), data, size)
        if zmq_msg_send(&msg, s.handle, zmq_flags(flags)) >= 0:
            return 1
        err = zmq_errno_c()
        if zmq_msg_close(&msg) < 0:
            err = EAGAIN  # libzmq closed it already: dropped for want of a peer
        errno_set(err)
        if not wait_after_failure(s, flags, ZMQ_POLLOUT, &deadline):
            return 0


cdef int send_msg(Socket s, zmq_msg_t *msg, int flags) except -1:
    """Send msg: 1 when libzmq took it over, 0 when not ready (ATTEMPT); the
    caller still owns msg unless it was sent."""
    cdef int64_t deadline = -2
    while zmq_msg_send(msg, s.handle, zmq_flags(flags)) < 0:
        if not wait_after_failure(s, flags, ZMQ_POLLOUT, &deadline):
            return 0
    return 1


cdef int send_owned(Socket s, zmq_msg_t *msg, int flags) except -1:
    """send_msg for a message this call owns: closed unless libzmq took it (sent,
    1), so a later attempt makes its own; 0 when not ready (ATTEMPT)."""
    cdef int sent
    try:
        sent = send_msg(s, msg, flags)
    except BaseException:
        zmq_msg_close(msg)
        raise
    if not sent:
        zmq_msg_close(msg)
    return sent


cdef int recv_msg(Socket s, zmq_msg_t *msg, int flags) except -1:
    """Receive into msg: 1, or 0 when nothing is there (ATTEMPT)."""
    cdef int64_t deadline = -2
    while zmq_msg_recv(msg, s.handle, zmq_flags(flags)) < 0:
        if not wait_after_failure(s, flags, ZMQ_POLLIN, &deadline):
            return 0
    return 1


cdef object part_of(zmq_msg_t *msg, bint copy, bint track):
    """A received part as bytes (copy) or as a Frame that takes msg over."""
    cdef Frame frame
    if copy:
        return PyBytes_FromStringAndSize(<char *>zmq_msg_data(msg), <Py_ssize_t>zmq_msg_size(msg))
    frame = frame_from_msg(msg)
    if track:
        frame.tracker = MessageTracker()  # a received frame has nothing in flight
    return frame


cdef object recv_one(Socket s, int flags, bint copy, bint track):
    """Receive one part: bytes when copy, else a Frame; NOT_READY (ATTEMPT)."""
    cdef zmq_msg_t msg
    zmq_msg_init(&msg)
    try:
        if not recv_msg(s, &msg, flags):
            return NOT_READY
        return part_of(&msg, copy, track)
    finally:
        zmq_msg_close(&msg)


cdef object recv_parts(Socket s, int flags, bint copy, bint track):
    """Receive every part of one message as a list, in one call; NOT_READY
    (ATTEMPT) when no message is there. The parts after the first arrived with
    it, so once the first is taken the message is taken whole."""
    cdef zmq_msg_t msg
    cdef list parts = []
    cdef bint more = True
    zmq_msg_init(&msg)
    try:
        if not recv_msg(s, &msg, flags):
            return NOT_READY
        while True:
            more = zmq_msg_more(&msg)
            parts.append(part_of(&msg, copy, track))
            if not more:
                return parts
            recv_msg(s, &msg, flags & ~(ATTEMPT | ZMQ_DONTWAIT))
    finally:
        zmq_msg_close(&msg)


cdef object recv_into_buffer(Socket s, object buffer, Py_ssize_t nbytes, int flags):
    """Receive one part into buffer: the part's full size (more than nbytes if it
    was truncated), or NOT_READY (ATTEMPT)."""
    cdef Py_buffer view
    cdef int rc
    cdef int64_t deadline = -2
    if nbytes < 0:
        raise ValueError(f"nbytes must be non-negative, not {nbytes}")
    PyObject_GetBuffer(buffer, &view, PyBUF_WRITABLE | PyBUF_ANY_CONTIGUOUS)
    try:
        if nbytes == 0:
            nbytes = view.len
        elif nbytes > view.len:
            raise ValueError(f"nbytes={nbytes} is larger than the buffer ({view.len})")
        while True:
            rc = zmq_recv(s.handle, view.buf, <size_t>nbytes, zmq_flags(flags))
            if rc >= 0:
                return rc
            if not wait_after_failure(s, flags, ZMQ_POLLIN, &deadline):
                return NOT_READY
    finally:
        PyBuffer_Release(&view)


cdef object send_one(Socket s, object data, int flags, bint copy, bint track):
    """Send one part; returns what pyzmq's send returns for it (None or a
    tracker), or NOT_READY (ATTEMPT)."""
    cdef zmq_msg_t msg
    cdef _ReleaseSignal signal = None
    cdef Py_buffer view
    cdef int sent
    cdef bint must_copy = copy or s._type == SOCKET_DGRAM  # see SOCKET_DGRAM
    if isinstance(data, Frame):
        if track and (<Frame>data).tracker is None:
            raise ValueError("Not a tracked message")
        if s._type == SOCKET_DGRAM:
            sent = send_data(s, zmq_msg_data(&(<Frame>data).msg),
                             zmq_msg_size(&(<Frame>data).msg), flags)
            return (<Frame>data).tracker if sent else NOT_READY
        return send_frame(s, <Frame>data, flags)
    # Below copy_threshold a copy=False send copies anyway; what it returns then
    # is a tracker that is already done.
    if isinstance(data, bytes) and (must_copy or PyBytes_GET_SIZE(data) < s.copy_threshold):
        if not send_data(s, PyBytes_AS_STRING(data), <size_t>PyBytes_GET_SIZE(data), flags):
            return NOT_READY
        return None if copy else _FINISHED_TRACKER
    reject_non_buffer(data)
    if must_copy or buffer_length(data) < s.copy_threshold:
        PyObject_GetBuffer(data, &view, PyBUF_ANY_CONTIGUOUS)
        try:
            sent = send_data(s, view.buf, <size_t>view.len, flags)
        finally:
            PyBuffer_Release(&view)
        if not sent:
            return NOT_READY
        return None if copy else _FINISHED_TRACKER
    if track:
        signal = new_release_signal()
    init_zero_copy(&msg, data, signal)
    if not send_owned(s, &msg, flags):
        return NOT_READY
    return MessageTracker(signal) if track else None


cdef object send_frame(Socket s, Frame frame, int flags):
    """Send a copy of frame's message, so that the Frame stays usable."""
    cdef zmq_msg_t msg
    zmq_msg_init(&msg)
    if zmq_msg_copy(&msg, &frame.msg) < 0:
        zmq_msg_close(&msg)
        raise_zmq_error()
    if not send_owned(s, &msg, flags):
        return NOT_READY
    return frame.tracker


class EmptyMessageError(IndexError, ValueError):
    """send_multipart was given no parts. An IndexError, as pyzmq raises, and a
    ValueError, as the bad value it is."""


cdef list checked_parts(object msg_parts):
    """The parts of a multipart message, each checked before any is sent, so bad
    input never leaves half a message queued in the socket."""
    parts = msg_parts if isinstance(msg_parts, list) else list(msg_parts)
    for i, part in enumerate(parts):
        if not (isinstance(part, (bytes, Frame)) or PyObject_CheckBuffer(part)):
            raise TypeError(f"Frame {i} ({part!r:.32}) does not support the buffer interface.")
    if not parts:
        raise EmptyMessageError("send_multipart needs at least one part")
    return parts


def checked_message(msg_parts):
    """msg_parts as a list of parts that can be sent, checked now (TypeError,
    ValueError): for callers that queue a message and send it later."""
    return checked_parts(msg_parts)


cdef object send_parts(Socket s, list parts, int flags, bint copy, bint track):
    """Send checked parts as one message; returns what the last part's send
    returns (as pyzmq), or NOT_READY (ATTEMPT) when not even the first part
    could go. HWMs count whole messages, so once the first part is taken the
    rest are too: a message is never split."""
    cdef Py_ssize_t i, n = len(parts)
    cdef int part_flags
    result = None
    for i in range(n):
        part = parts[i]
        if i == 1:
            flags &= ~ATTEMPT  # the message is under way: the rest goes with it
        part_flags = flags | ZMQ_SNDMORE if i < n - 1 else flags
        if copy and type(part) is bytes:
            # the common case, without the generality of send_one
            if not send_data(s, PyBytes_AS_STRING(part), <size_t>PyBytes_GET_SIZE(part),
                             part_flags):
                return NOT_READY
            result = None
        else:
            result = send_one(s, part, part_flags, copy, track)
            if result is NOT_READY:
                return NOT_READY
    return result
