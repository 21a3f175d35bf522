# proxy, proxy_steerable, device and monitored_queue: one forwarding loop in C.
#
# The loop runs without the GIL. It never blocks inside libzmq: every receive and
# send is non-blocking, a part that cannot be sent yet is held until the other
# side has room, and idle time is spent in zmq_poll in slices, so that the main
# thread can take the GIL now and then to run signal handlers (Ctrl-C).

cdef extern from "string.h" nogil:
    int memcmp(const void *a, const void *b, size_t n)

cdef enum:
    BURST = 1000            # messages moved in one direction before looking around
    STAT_FRONT = 0          # offsets in ProxyLoop.stats: per socket
    STAT_BACK = 4           # msgs in, bytes in, msgs out, bytes out
    STOP_TERMINATE = 1      # TERMINATE received on the control socket
    STOP_ERROR = -1         # a libzmq call failed; errno says why
    STOP_SLICE = 2          # time for the main thread to look at signals


cdef struct Direction:
    void *source
    void *dest
    zmq_msg_t held[2]       # parts received but not yet forwarded, in send order
    int held_flags[2]
    int nheld
    bint mid_message        # some parts of the current message went out already
    bint swap_ids           # ROUTER-to-ROUTER: swap the two routing frames
    const char *prefix      # sent on the capture socket before each message
    size_t prefix_len
    bint capture_message    # the capture socket takes the current message
    int source_stat
    int dest_stat


cdef struct ProxyLoop:
    Direction forth
    Direction back
    bint forth_enabled      # frontend can receive and backend can send
    bint back_enabled
    void *capture
    void *control
    bint control_replies    # control is REP: every command gets an answer
    bint paused
    bint in_main
    int wake_fd             # readable when another thread closed one of the sockets
    uint64_t stats[8]


cdef int capture_part(ProxyLoop *loop, Direction *d, zmq_msg_t *copy, int flags,
                      bint first) noexcept nogil:
    """Send a forwarded part's copy to the capture socket (prefixed, for a
    monitored queue). A tap must not stall the proxy: a capture socket with no
    room gets none of the rest of this message."""
    if first and d.prefix != NULL and d.capture_message:
        if zmq_send(loop.capture, d.prefix, d.prefix_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0:
            d.capture_message = False
    if d.capture_message and zmq_msg_send(copy, loop.capture, flags | ZMQ_DONTWAIT) < 0:
        d.capture_message = False
    zmq_msg_close(copy)
    return 0


cdef int receive_parts(ProxyLoop *loop, Direction *d) noexcept nogil:
    """Receive the next part(s) of d into d.held. 1: got some, 0: none, -1: error."""
    cdef int more
    if zmq_msg_recv(&d.held[0], d.source, ZMQ_DONTWAIT) < 0:
        return 0 if zmq_errno_c() == EAGAIN else -1
    more = zmq_msg_more(&d.held[0])
    d.held_flags[0] = ZMQ_SNDMORE if more else 0
    d.nheld = 1
    if not d.mid_message:
        d.capture_message = loop.capture != NULL
        if d.swap_ids and more:
            # the second routing frame arrived with the first: it never waits
            if zmq_msg_recv(&d.held[1], d.source, ZMQ_DONTWAIT) < 0:
                return -1
            d.held_flags[1] = ZMQ_SNDMORE if zmq_msg_more(&d.held[1]) else 0
            swap_held(d)  # send order: destination id first, then the sender's id
            d.nheld = 2
    # STATISTICS counts frames, as libzmq's own proxy does
    loop.stats[d.source_stat] += d.nheld
    loop.stats[d.source_stat + 1] += zmq_msg_size(&d.held[0])
    if d.nheld == 2:
        loop.stats[d.source_stat + 1] += zmq_msg_size(&d.held[1])
    return 1


cdef void swap_held(Direction *d) noexcept nogil:
    cdef zmq_msg_t tmp
    zmq_msg_init(&tmp)
    zmq_msg_move(&tmp, &d.held[0])
    zmq_msg_move(&d.held[0], &d.held[1])
    zmq_msg_move(&d.held[1], &tmp)
    zmq_msg_close(&tmp)
    # the sender id now follows the destination id, and is followed by what
    # followed the destination id before
    d.held_flags[0] = ZMQ_SNDMORE


cdef int forward(ProxyLoop *loop, Direction *d) noexcept nogil:
    """Move up to BURST messages. >0: progress, 0: nothing to do or blocked, -1: error."""
    cdef int moved = 0
    cdef int flags, rc
    cdef size_t size
    cdef zmq_msg_t copy
    cdef bint first
    while moved < BURST:
        if d.nheld == 0:
            rc = receive_parts(loop, d)
            if rc <= 0:
                return rc if rc < 0 else moved
        while d.nheld > 0:
            flags = d.held_flags[0]
            size = zmq_msg_size(&d.held[0])
            first = not d.mid_message
            if d.capture_message:
                zmq_msg_init(&copy)
                zmq_msg_copy(&copy, &d.held[0])
            if zmq_msg_send(&d.held[0], d.dest, flags | ZMQ_DONTWAIT) < 0:
                if d.capture_message:
                    zmq_msg_close(&copy)
                if zmq_errno_c() == EAGAIN:
                    return moved  # held until dest has room
                return -1
            # captured only once forwarded, so a retried part is captured once
            if d.capture_message:
                capture_part(loop, d, &copy, flags, first)
            loop.stats[d.dest_stat + 2] += 1
            loop.stats[d.dest_stat + 3] += size
            d.mid_message = flags & ZMQ_SNDMORE
            if d.nheld == 2:
                zmq_msg_move(&d.held[0], &d.held[1])
                d.held_flags[0] = d.held_flags[1]
            d.nheld -= 1
        if not d.mid_message:
            moved += 1
    return moved


cdef int handle_control(ProxyLoop *loop) noexcept nogil:
    """Run the commands waiting on the control socket. 1: TERMINATE, 0, -1: error."""
    cdef char command[16]
    cdef int n, i
    cdef int stop = 0
    while True:
        n = zmq_recv(loop.control, command, sizeof(command), ZMQ_DONTWAIT)
        if n < 0:
            return stop if zmq_errno_c() == EAGAIN else -1
        if n == 5 and memcmp(command, b"PAUSE", 5) == 0:
            loop.paused = True
        elif n == 6 and memcmp(command, b"RESUME", 6) == 0:
            loop.paused = False
        elif n == 9 and memcmp(command, b"TERMINATE", 9) == 0:
            stop = 1
        elif n == 10 and memcmp(command, b"STATISTICS", 10) == 0:
            for i in range(8):
                zmq_send(loop.control, &loop.stats[i], sizeof(uint64_t),
                         ZMQ_SNDMORE if i < 7 else 0)
            continue
        # unknown commands are ignored (libzmq would abort the process)
        if loop.control_replies:
            zmq_send(loop.control, NULL, 0, 0)


cdef inline int add_item(zmq_pollitem_t *item, void *socket, short events) noexcept nogil:
    item.socket = socket
    item.fd = 0
    item.events = events
    item.revents = 0
    return 1


cdef inline int add_direction(zmq_pollitem_t *item, Direction *d) noexcept nogil:
    # a direction holding a part waits for room at its destination, else for input
    if d.nheld:
        return add_item(item, d.dest, ZMQ_POLLOUT)
    return add_item(item, d.source, ZMQ_POLLIN)


cdef int wait_idle(ProxyLoop *loop, int timeout) noexcept nogil:
    """Wait for something to do. 1: woken by the waker, 0: otherwise, -1: error."""
    cdef zmq_pollitem_t items[4]
    cdef int n = 0
    cdef int rc
    if not loop.paused:
        if loop.forth_enabled:
            n += add_direction(&items[n], &loop.forth)
        if loop.back_enabled:
            n += add_direction(&items[n], &loop.back)
    if loop.control != NULL:
        n += add_item(&items[n], loop.control, ZMQ_POLLIN)
    items[n].socket = NULL
    items[n].fd = loop.wake_fd
    items[n].events = ZMQ_POLLIN
    items[n].revents = 0
    rc = zmq_poll(items, n + 1, timeout)
    if rc < 0:
        return -1
    return 1 if items[n].revents else 0


cdef int run_loop(ProxyLoop *loop) noexcept nogil:
    """Forward until TERMINATE, an error, or (main thread) a signal-check slice ends."""
    cdef int moved, rc
    cdef int64_t slice_end = zmqx_now_ms() + SIGNAL_SLICE_MS
    while True:
        moved = 0
        if not loop.paused:
            if loop.forth_enabled:
                rc = forward(loop, &loop.forth)
                if rc < 0:
                    return STOP_ERROR
                moved += rc
            # a direction stuck inside a message goes first: the capture socket
            # must not get the other direction's parts in the middle of it
            if loop.back_enabled and not (loop.forth.mid_message and loop.forth.nheld):
                rc = forward(loop, &loop.back)
                if rc < 0:
                    return STOP_ERROR
                moved += rc
        if loop.control != NULL:
            rc = handle_control(loop)
            if rc != 0:
                return STOP_ERROR if rc < 0 else STOP_TERMINATE
        if loop.in_main and zmqx_now_ms() >= slice_end:
            return STOP_SLICE
        if moved:
            continue
        rc = wait_idle(loop, SIGNAL_SLICE_MS if loop.in_main else 1000)
        if rc < 0:
            return STOP_SLICE if zmq_errno_c() == EINTR else STOP_ERROR
        if rc > 0:
            return STOP_SLICE  # the caller looks at why it was woken


cdef inline bint can_receive(int socket_type) noexcept:
    # PUB, PUSH, RADIO, SCATTER only send
    return socket_type not in (1, 8, 14, 17)


cdef inline bint can_send(int socket_type) noexcept:
    # SUB, PULL, DISH, GATHER only receive
    return socket_type not in (2, 7, 15, 16)


cdef int setup_direction(Direction *d, void *source, void *dest, int source_stat,
                         int dest_stat, prefix) except -1:
    d.source = source
    d.dest = dest
    zmq_msg_init(&d.held[0])
    zmq_msg_init(&d.held[1])
    d.nheld = 0
    d.mid_message = False
    d.swap_ids = False
    d.capture_message = False
    d.prefix = NULL if prefix is None else PyBytes_AS_STRING(prefix)
    d.prefix_len = 0 if prefix is None else PyBytes_GET_SIZE(prefix)
    d.source_stat = source_stat
    d.dest_stat = dest_stat
    return 0


cdef object run_proxy(Socket frontend, Socket backend, Socket capture, Socket control,
                      in_prefix=None, out_prefix=None, bint swap_ids=False):
    """The common body of every proxy function. Returns 0 after TERMINATE."""
    cdef ProxyLoop loop
    cdef int stop, err, i
    sockets = [s for s in (frontend, backend, capture, control) if s is not None]
    for s in sockets:
        enter(<Socket>s)
        if (<Socket>s)._type == SOCKET_DGRAM:
            # the loop would hand libzmq messages that its DGRAM send may close
            # (see SOCKET_DGRAM), then size or resend them: an abort
            raise ZMQError(ENOTSUP, "a DGRAM socket cannot take part in a proxy")
    loop.forth_enabled = can_receive(frontend._type) and can_send(backend._type)
    loop.back_enabled = (frontend is not backend and can_receive(backend._type)
                         and can_send(frontend._type))
    loop.capture = capture.handle if capture is not None else NULL
    loop.control = control.handle if control is not None else NULL
    loop.control_replies = control is not None and control._type == 4  # ZMQ_REP
    loop.paused = False
    loop.in_main = in_main_thread()
    for i in range(8):
        loop.stats[i] = 0
    setup_direction(&loop.forth, frontend.handle, backend.handle, STAT_FRONT, STAT_BACK,
                    in_prefix)
    setup_direction(&loop.back, backend.handle, frontend.handle, STAT_BACK, STAT_FRONT,
                    out_prefix)
    loop.forth.swap_ids = loop.back.swap_ids = swap_ids
    # The sockets belong to this loop until it ends (claimed across its slices):
    # other threads get a clear error, and a close() from another thread wakes
    # the loop through the waker. Without an fd for one, the loop runs in slices
    # as the main thread's does, and looks for a close after each.
    cdef zmqx_waker waker
    cdef int closed_by = 0
    borrow_waker(&waker)
    loop.wake_fd = waker.read_fd
    if waker.read_fd < 0:
        loop.in_main = True
    try:
        claim_all(sockets, &waker)
        try:
            while True:
                with nogil:
                    stop = run_loop(&loop)
                    err = zmq_errno_c()
                if stop != STOP_SLICE or any((<Socket>s)._closing for s in sockets):
                    break
                if waker.read_fd >= 0:
                    zmqx_waker_drain(&waker)
                check_signals()
        finally:
            for s in sockets:
                readiness_changed(<Socket>s)
            closed_by = release_all(sockets, &waker)
    finally:
        return_waker(&waker)
        zmq_msg_close(&loop.forth.held[0])
        zmq_msg_close(&loop.forth.held[1])
        zmq_msg_close(&loop.back.held[0])
        zmq_msg_close(&loop.back.held[1])
    if closed_by:
        raise_closed_while_waiting(closed_by)
    if stop == STOP_TERMINATE:
        return 0
    raise_zmq_error(err)


cdef Socket as_socket(obj, str role, bint required=False):
    if obj is None:
        if required:
            raise TypeError(f"{role} must be a zmqx Socket, not None")
        return None
    if not isinstance(obj, Socket):
        raise TypeError(f"{role} must be a zmqx Socket, not {type(obj).__name__}")
    return holder_of(<Socket>obj)


def proxy(frontend, backend, capture=None):
    """Forward messages between frontend and backend in both directions, copying
    each to capture if given. Runs until the context is terminated (raising
    ContextTerminated) or a signal handler raises (e.g. KeyboardInterrupt).

    The loop runs in compiled code without the GIL; Ctrl-C still stops it.

    :param frontend: a zmqx Socket, e.g. ROUTER, XSUB or PULL.
    :param backend: a zmqx Socket, e.g. DEALER, XPUB or PUSH.
    :param capture: a socket (PUB, PUSH, PAIR...) that gets a copy of every
        message, or None.
    :raises ContextTerminated: when the sockets' context is terminated.
    :raises TypeError: if an argument is not a zmqx Socket.
    :raises ZMQError: ENOTSOCK if a socket is closed.
    """
    return run_proxy(as_socket(frontend, "frontend", True),
                     as_socket(backend, "backend", True),
                     as_socket(capture, "capture"), None)


def proxy_steerable(frontend, backend, capture=None, control=None):
    """proxy() that obeys commands on control: PAUSE, RESUME, TERMINATE (returns 0)
    and STATISTICS (replies with eight uint64 frames: messages and bytes received
    and sent by frontend, then by backend).

    The counts are of frames, as libzmq's own proxy counts them. With a REP
    control socket every command is answered.

    :param control: the socket the commands arrive on (REP, PAIR, SUB...), or
        None for a plain proxy.
    :returns: 0, after TERMINATE.
    :raises ContextTerminated: when the sockets' context is terminated first.
    """
    return run_proxy(as_socket(frontend, "frontend", True),
                     as_socket(backend, "backend", True),
                     as_socket(capture, "capture"), as_socket(control, "control"))


def device(device_type, frontend, backend):
    """proxy(frontend, backend) under its old name: since libzmq 3.2 every device
    type (QUEUE, FORWARDER, STREAMER) is a proxy, so device_type is not used.

    :raises ContextTerminated: when the sockets' context is terminated.
    """
    return proxy(frontend, backend)


def monitored_queue(in_socket, out_socket, mon_socket, in_prefix=b"in", out_prefix=b"out"):
    """A queue between in_socket and out_socket that also sends every message, in
    either direction, to mon_socket, prefixed with in_prefix or out_prefix by the
    side it came in on. ROUTER on both sides works: the routing frames are swapped.

    :param in_prefix: the first frame of a monitored message that came in on
        in_socket (str or bytes).
    :param out_prefix: the same for out_socket.
    :raises ContextTerminated: when the sockets' context is terminated.
    """
    cdef Socket ins = as_socket(in_socket, "in_socket", True)
    cdef Socket outs = as_socket(out_socket, "out_socket", True)
    cdef Socket mons = as_socket(mon_socket, "mon_socket")
    if mons is None:
        raise TypeError("mon_socket is required")
    in_prefix = in_prefix.encode("utf-8") if isinstance(in_prefix, str) else bytes(in_prefix)
    out_prefix = out_prefix.encode("utf-8") if isinstance(out_prefix, str) else bytes(out_prefix)
    swap = ins._type == 6 and outs._type == 6  # ZMQ_ROUTER on both sides
    return run_proxy(ins, outs, mons, None, in_prefix, out_prefix, swap)
