# The one wait sequence, used by blocking calls, the Poller and the proxy:
# claim the sockets for this thread, release the GIL for the wait itself, take
# it back, give up the claims (finishing a close that another thread asked for
# meanwhile, and raising for it), and run signal handlers on EINTR.

cdef enum:
    # How long a wait in the main thread may last before it looks for signals
    # that Python's handler recorded while another thread got them (Ctrl-C latency).
    SIGNAL_SLICE_MS = 50

    # How long a wait that could get no waker (no fd left) sleeps before it
    # looks whether another thread closed its sockets meanwhile.
    NO_WAKER_SLICE_MS = 10

# What runs without the GIL during a wait: returns >= 0, or < 0 with errno set
# (EINTR: a signal arrived; anything else: the error to raise). wake_fd becomes
# readable when another thread closes a socket of the wait (-1: no waker).
ctypedef int (*released_wait)(void *arg, int wake_fd, int timeout_ms) noexcept nogil


cdef int claim(Socket holder, zmqx_waker *waker) except -1:
    """Claim holder's socket for a wait through waker, right before the GIL is
    released: a check-and-set, so that Python code run since the call's guard (a
    finalizer, a signal handler) cannot have let another thread in unnoticed."""
    check_usable(holder, waker)
    holder._waiter = waker
    return 0


cdef int release_claim(Socket holder) except -1:
    """Give up the claim; 0, or who closed the socket meanwhile (it is closed now)."""
    holder._waiter = NULL
    if holder._closing:
        return finish_deferred_close(holder)
    return 0


cdef int claim_all(object holders, zmqx_waker *waker) except -1:
    """claim() for each of holders (Sockets; None entries are skipped): all or none."""
    cdef Py_ssize_t claimed = 0
    try:
        for holder in holders:
            if holder is not None:
                claim(<Socket>holder, waker)
            claimed += 1
    except BaseException:
        for holder in holders[:claimed]:
            if holder is not None:
                (<Socket>holder)._waiter = NULL
        raise
    return 0


cdef int release_all(object holders, zmqx_waker *waker) except -1:
    """Give up the claims of claim_all; returns who closed a socket meanwhile
    (0: nobody), which the caller raises for (raise_closed_while_waiting)."""
    cdef int closed_by = 0
    for holder in holders:
        if holder is not None and (<Socket>holder)._closing:
            # a close() signalled the waker: drained, so it goes back clean
            if waker.read_fd >= 0:
                zmqx_waker_drain(waker)
            break
    for holder in holders:
        if holder is not None:
            closed_by = max(closed_by, release_claim(<Socket>holder))
    return closed_by


cdef int wait_released(object holders, released_wait wait, void *arg,
                       int timeout_ms) except -2:
    """The wait: wait(arg, wake_fd, timeout_ms) without the GIL while holders
    are claimed for this thread through a borrowed waker, which a close() from
    another thread signals. Returns wait's result; -1 after an EINTR (signal
    handlers have run and did not raise).

    With no fd left for a waker, the wait sleeps at most NO_WAKER_SLICE_MS (its
    callers loop until their deadline), so a close is still seen promptly."""
    cdef int rc, err, closed_by
    cdef zmqx_waker waker
    borrow_waker(&waker)
    if waker.read_fd < 0 and (timeout_ms < 0 or timeout_ms > NO_WAKER_SLICE_MS):
        timeout_ms = NO_WAKER_SLICE_MS
    try:
        claim_all(holders, &waker)
    except BaseException:
        return_waker(&waker)
        raise
    with nogil:
        rc = wait(arg, waker.read_fd, timeout_ms)
        err = errno_c
    try:
        closed_by = release_all(holders, &waker)
    finally:
        return_waker(&waker)
    if closed_by:
        raise_closed_while_waiting(closed_by)
    if rc < 0:
        if err != EINTR:
            raise_zmq_error(err)
        check_signals()
        return -1
    return rc


cdef inline int next_sleep_ms(int64_t deadline, bint in_main) noexcept:
    """How long the next sleep of a wait until deadline (-1: none) may last: -1
    for no limit, 0 once the deadline has passed; the main thread sleeps in slices."""
    cdef int64_t timeout = -1 if deadline < 0 else max(0, deadline - zmqx_now_ms())
    if in_main and (timeout < 0 or timeout > SIGNAL_SLICE_MS):
        timeout = SIGNAL_SLICE_MS
    return <int>timeout


cdef inline bint in_main_thread() noexcept:
    return PyThread_get_thread_ident() == _main_thread


cdef struct SocketSleep:
    pollfd fds[2]           # the socket's FD, and the wait's waker


cdef int sleep_on_fds(void *arg, int wake_fd, int timeout_ms) noexcept nogil:
    cdef SocketSleep *sleep = <SocketSleep *>arg
    sleep.fds[1].fd = wake_fd  # poll() skips a negative fd: no waker
    return poll(sleep.fds, 2, timeout_ms)


cdef int sleep_on_socket(Socket holder, int timeout_ms) except -2:
    """One sleep until the socket's FD has news (1), timeout_ms pass (0) or a
    signal arrives (-1, after its handler ran), with the socket claimed."""
    cdef SocketSleep sleep
    sleep.fds[0].fd = readiness_fd(holder)
    sleep.fds[0].events = sleep.fds[1].events = POLLIN
    sleep.fds[0].revents = 0
    if wait_released((holder,), sleep_on_fds, &sleep, timeout_ms) < 0:
        return -1
    return 1 if sleep.fds[0].revents else 0


cdef int wait_for(Socket holder, short events, int64_t deadline) except -1:
    """Wait until the socket has one of events: 1 when it has, 0 at deadline
    (-1: none). Raises if it is closed from another thread, its context is
    terminated, or a signal handler raises (Ctrl-C).

    The edge-triggered dance: read ZMQ_EVENTS (which processes libzmq's pending
    commands, unthrottled, and so re-arms the FD), and only if nothing is ready,
    sleep until the FD has news.
    """
    cdef int timeout
    cdef bint in_main = in_main_thread()
    while True:
        if fresh_readiness(holder) & events:
            return 1
        timeout = next_sleep_ms(deadline, in_main)
        if timeout == 0:
            return 0
        sleep_on_socket(holder, timeout)
        if in_main:
            check_signals()
