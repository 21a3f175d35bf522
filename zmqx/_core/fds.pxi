# File descriptors: what zmqx holds beyond libzmq, and the fds libzmq 4.3 would
# abort the process without.
#
# Out of fds (RLIMIT_NOFILE reached), libzmq 4.3 fails cleanly in most places
# (zmq_socket and a bind or connect that opens a socket give EMFILE; an I/O
# thread retries a connection later), but asserts, ending the process, where it
# opens one it never expects to lack:
#
# - starting a context (its first socket): the reaper's and every I/O thread's
#   epoll set, beside their mailboxes (src/epoll.cpp);
# - resolving a local address as a network-interface name: getifaddrs() opens a
#   netlink socket (src/ip_resolver.cpp). That is every tcp/ws/wss bind to a host
#   other than "*" (an IP address too: the interface name is tried first), and a
#   connect with a source address ("tcp://src;dst:port");
# - a udp endpoint (RADIO/DISH, DGRAM), whose socket an I/O thread opens after
#   the call has returned; pgm/epgm/norm likewise.
#
# Before such a call zmqx checks that the fds it needs can be opened right now
# (opening and closing them: the kernel's answer, not an estimate) and raises
# ZMQError(EMFILE) when they cannot. Two limits remain, both libzmq's: another
# thread may take the last fds between the check and the call (the check asks
# for one more than needed, so one concurrent taker is absorbed), and an I/O
# thread re-resolves a source address at each reconnection, later, out of reach.
#
# zmqx itself holds no fd per socket: a wait borrows a waker from one pool (one
# per thread waiting at the same time, not one per socket), and a Poller's epoll
# set is given back when fds run short. When an fd is refused, zmqx first lets go
# of those spares, and if a socket was closed moments ago, gives libzmq's reaper
# (which frees a closed socket's fd asynchronously) a short while to catch up.

from posix.unistd cimport pipe

cdef extern from "errno.h":
    enum: EMFILE, ENFILE

cdef enum:
    SPARE_WAKERS_MAX = 64           # idle wakers kept for the next waits
    FD_PROBE_MAX = 32               # most fds one check opens (even)
    # A close within this long may still be releasing its fd in the reaper.
    REAPER_GRACE_MS = 250
    REAPER_POLL_MS = 2


# ---- the waker pool ---------------------------------------------------------

# Idle wakers (all drained: a wait is signalled only by a close, and the waiter
# drains before it gives its waker back), usable by any thread.
cdef zmqx_waker _spare_wakers[SPARE_WAKERS_MAX]
cdef int _spare_waker_count = 0
cdef int _spare_waker_generation = 0  # fork generation of the pool's fds


cdef void borrow_waker(zmqx_waker *waker) noexcept:
    """Fill waker for one wait: a spare one, or a new one; with no fd to be had,
    both fds are -1 and the wait must sleep in slices (see wait_released)."""
    global _spare_waker_count
    if _spare_waker_generation != zmqx_fork_generation:
        forget_spare_wakers()
    if _spare_waker_count > 0:
        _spare_waker_count -= 1
        waker[0] = _spare_wakers[_spare_waker_count]
    elif zmqx_waker_open(waker) < 0:
        waker.read_fd = waker.write_fd = -1


cdef void return_waker(zmqx_waker *waker) noexcept:
    """Give back a waker of borrow_waker, drained."""
    global _spare_waker_count
    if waker.read_fd < 0:
        return
    if _spare_waker_count < SPARE_WAKERS_MAX \
            and _spare_waker_generation == zmqx_fork_generation:
        _spare_wakers[_spare_waker_count] = waker[0]
        _spare_waker_count += 1
    else:
        zmqx_waker_close(waker)
    waker.read_fd = waker.write_fd = -1


cdef int release_spare_wakers() noexcept:
    """Close the idle wakers; returns how many fds that freed."""
    global _spare_waker_count
    cdef int freed = 0
    while _spare_waker_count > 0:
        _spare_waker_count -= 1
        w = &_spare_wakers[_spare_waker_count]
        freed += 1 if w.read_fd == w.write_fd else 2
        zmqx_waker_close(w)
    return freed


cdef void forget_spare_wakers() noexcept:
    """In a forked child: the parent's wakers are shared with it, never reused."""
    global _spare_waker_generation
    release_spare_wakers()
    _spare_waker_generation = zmqx_fork_generation


cdef int release_spare_fds() except -1:
    """Close what zmqx keeps open only to be faster (idle wakers, idle Pollers'
    epoll sets); returns how many fds that freed."""
    return release_spare_wakers() + release_idle_epoll_sets()


# ---- making room ------------------------------------------------------------

cdef bint fds_available(int count) noexcept:
    """Whether count fds (rounded up to even, at most FD_PROBE_MAX) can be opened
    now: opens them as pipes and closes them again."""
    cdef int fds[FD_PROBE_MAX]
    cdef int opened = 0
    cdef bint ok = True
    count = min(count + (count & 1), FD_PROBE_MAX)
    while opened < count:
        if pipe(&fds[opened]) < 0:
            # only a shortage says no; any other failure is not ours to judge
            ok = errno_c != EMFILE and errno_c != ENFILE
            break
        opened += 2
    while opened > 0:
        opened -= 1
        close(fds[opened])
    return ok


cdef bint after_fd_shortage(int64_t deadline) except -1:
    """An fd was refused: free zmqx's spares, or, if a socket was closed moments
    ago, wait a little for libzmq's reaper to free its fd. True when trying
    again may succeed (bounded by deadline and the last close)."""
    cdef int64_t now = zmqx_now_ms()
    cdef int64_t until = min(deadline, _last_close_ms + REAPER_GRACE_MS)
    if release_spare_fds() > 0:
        return True
    if now >= until:
        return False
    with nogil:
        poll(NULL, 0, <int>min(<int64_t>REAPER_POLL_MS, until - now))
    check_signals()
    return True


cdef int require_fds(int count, str purpose) except -1:
    """Raise ZMQError(EMFILE) unless count fds (plus one, for a concurrent taker)
    can be opened for purpose, a call libzmq would abort the process in without."""
    cdef int64_t deadline = zmqx_now_ms() + REAPER_GRACE_MS
    while not fds_available(count + 1):
        if not after_fd_shortage(deadline):
            raise ZMQError(EMFILE, f"{strerror(EMFILE)}: no file descriptor left to "
                                   f"{purpose} (libzmq would abort the process)")
    return 0


cdef int endpoint_fds(bytes endpoint, bint binding):
    """How many fds libzmq 4.3 opens for endpoint without handling their lack
    (see the top of this file): 0 for most, 1 where it would assert."""
    scheme, _, address = endpoint.partition(b"://")
    if scheme in (b"tcp", b"ws", b"wss"):
        if binding:
            host = address.split(b"/", 1)[0].rpartition(b":")[0]
            return 0 if host == b"*" else 1
        return 1 if b";" in address else 0
    if scheme in (b"udp", b"pgm", b"epgm", b"norm"):
        return 2  # a possible interface lookup, then the engine's own socket
    return 0


cdef int context_start_fds(Context ctx) noexcept:
    """The fds a context's first socket opens: the reaper's and each I/O thread's
    mailbox and epoll set, and the socket's own mailbox."""
    cdef int io_threads = zmq_ctx_get(ctx.handle, ZMQ_IO_THREADS)
    return 3 + 2 * max(io_threads, 1)


cdef void *open_socket(Context ctx, int socket_type) except NULL:
    """zmq_socket(), which an fd shortage cannot turn into an abort, and which a
    shortage caused by sockets closed moments ago does not fail."""
    cdef void *handle
    cdef int err
    cdef int64_t deadline = zmqx_now_ms() + REAPER_GRACE_MS
    if not ctx._started:
        require_fds(context_start_fds(ctx), "start the context's threads")
    while True:
        handle = zmq_socket(ctx.handle, socket_type)
        if handle != NULL:
            ctx._started = True
            return handle
        err = zmq_errno_c()
        if (err != EMFILE and err != ENFILE) or not after_fd_shortage(deadline):
            raise_zmq_error(err)
