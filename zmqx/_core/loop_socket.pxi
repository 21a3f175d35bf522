# The sockets of event loops, compiled: LoopSocket holds the message methods once,
# and starts each operation through _start(), which FutureSocket (a future of the
# running loop: asyncio, anyio) and WaitingSocket (blocking the green thread:
# gevent) define over the socket's Watcher (watcher.pxi).

# ---- sockets whose methods return futures -----------------------------------

cdef class LoopSocket(Socket):
    """The message methods of a Socket in an event loop, compiled: each starts its
    operation through _start(), which FutureSocket (a future of the running
    asyncio loop) and WaitingSocket (blocking the green thread) define."""

    cdef object _start(self, int op, object payload, int flags, bint copy, bint track,
                       Py_ssize_t nbytes, int timeout_ms):
        raise TypeError(f"{type(self).__name__} derives from LoopSocket, not from "
                        f"FutureSocket or WaitingSocket")

    def send(self, data, int flags=0, bint copy=True, bint track=False, routing_id=None,
             group=None):
        """Send one message part (as Socket.send does, in this socket's loop)."""
        if routing_id is not None or group is not None:
            data = addressed(holder_of(self), data, copy, track, routing_id, group)
        return self._start(OP_SEND, data, flags, copy, track, 0, TIMEOUT_OF_SOCKET)

    def recv(self, int flags=0, bint copy=True, bint track=False):
        """Receive one message part: bytes (a Frame if copy=False)."""
        return self._start(OP_RECV, None, flags, copy, track, 0, TIMEOUT_OF_SOCKET)

    def send_multipart(self, msg_parts, int flags=0, bint copy=True, bint track=False,
                       **kwargs):
        """Send a multipart message, whole."""
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {', '.join(kwargs)}")
        return self._start(OP_SEND_MULTIPART, msg_parts, flags, copy, track, 0,
                           TIMEOUT_OF_SOCKET)

    def recv_multipart(self, int flags=0, bint copy=True, bint track=False):
        """Receive every part of one message as a list."""
        return self._start(OP_RECV_MULTIPART, None, flags, copy, track, 0, TIMEOUT_OF_SOCKET)

    def recv_into(self, buffer, /, *, nbytes=0, int flags=0):
        """Receive one part into buffer; its full size."""
        return self._start(OP_RECV_INTO, buffer, flags, True, False, nbytes,
                           TIMEOUT_OF_SOCKET)


cdef class FutureSocket(LoopSocket):
    """A LoopSocket whose operations return futures of the running loop: asyncio's,
    or another whose driver has current() (trio's). A subclass provides
    _serving(): the socket's Watcher in the current loop, made when the running
    one has none."""

    cdef object _start(self, int op, object payload, int flags, bint copy, bint track,
                       Py_ssize_t nbytes, int timeout_ms):
        cdef object watcher = holder_of(self)._watcher
        cdef object mark = loop_mark()
        if watcher is None or mark is None or (<Watcher>watcher)._loop_mark is not mark:
            # not the loop this watcher was last used in, or no way to tell
            loop = None if mark is NO_LOOP else _get_running_loop()
            if loop is None and watcher is not None and (<Watcher>watcher)._relays_here():
                # no loop runs here, and the socket's runs in another thread: the
                # operation goes there (a future of that loop, for fire-and-forget)
                return (<Watcher>watcher).relay(op, payload, flags, copy, track, nbytes,
                                                timeout_ms)
            if watcher is None or not ((<Watcher>watcher).loop is loop if loop is not None
                                       else (<Watcher>watcher)._runs_here()):
                watcher = self._serving()
            if loop is not None and (<Watcher?>watcher).loop is loop:
                (<Watcher>watcher)._loop_mark = mark
        return (<Watcher?>watcher)._submit(op, payload, flags, copy, track, nbytes, timeout_ms)


# ---- sockets whose blocking methods wait in a green thread -------------------

cdef class WaitingSocket(LoopSocket):
    """A LoopSocket whose blocking methods block only the calling green thread
    (gevent and the like): an operation that can complete does so at once; one
    that must wait is queued on the socket's Watcher, and the driver's pending
    future blocks the caller in wait() (its result, or its exception raised). A
    subclass provides _current_loop(): the current thread's loop (as its driver's
    `loop` attribute names it), and _serving(): the socket's Watcher in that loop,
    made when there is none."""

    cdef object _start(self, int op, object payload, int flags, bint copy, bint track,
                       Py_ssize_t nbytes, int timeout_ms):
        cdef object found = holder_of(self)._watcher
        if found is None or (<Watcher>found).loop is not self._current_loop():
            found = self._serving()
        cdef Watcher watcher = <Watcher?>found
        result = watcher._attempt(op, payload, flags, copy, track, nbytes)
        if result is not NOT_READY:
            return result
        if op == OP_POLL:  # flags are the events wanted, not send/recv flags
            if timeout_ms == 0:
                return 0
        elif flags & ZMQ_DONTWAIT:
            raise Again()
        return watcher._enqueue(op, payload, flags, copy, track, nbytes, timeout_ms).wait()

    def poll(self, timeout=None, int flags=ZMQ_POLLIN):
        """Wait (this green thread only) up to timeout ms (None or negative:
        forever) for flags; the events that are ready (0 on timeout)."""
        if self.closed:
            raise ZMQError(ENOTSUP)  # pyzmq's errno for poll() on a closed socket
        if flags == 0:
            raise ValueError("poll needs flags (POLLIN and/or POLLOUT)")
        timeout_ms = -1 if timeout is None or timeout < 0 else int(timeout)
        return self._start(OP_POLL, None, flags, True, False, 0, timeout_ms)
