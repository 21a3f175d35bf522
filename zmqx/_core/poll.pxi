# Poller and select: many sockets and plain fds at once.
#
# A poll reads ZMQ_EVENTS (readiness.pxi) only for sockets whose FD has news or
# whose cached readiness is stale, so an idle socket costs one entry in one OS
# wait, not a libzmq call of its own; the registration (an epoll set, or a
# pollfd array) is kept between calls, and the wait is the one of wait.pxi.
# A Poller holds no fd but its epoll set, and gives that back when fds run short
# (fds.pxi): it then polls with poll(2) until its registration next changes.


cdef enum:
    EPOLL_MIN_ENTRIES = 32          # fewer registered: poll(2), and no epoll fd


cdef struct PollSet:
    pollfd *fds             # per entry, plus one slot for the wait's waker
    short *wanted           # per entry: the flags asked for
    short *revents          # per entry: what the OS reported this pass
    int epoll               # the registration as an epoll set, or -1
    Py_ssize_t count        # entries, without the waker


cdef int poll_set_wait(void *arg, int wake_fd, int timeout) noexcept nogil:
    """One OS-level wait, woken by wake_fd too (-1: none); fills revents (the
    waker's in the last slot). Returns the number ready, or -1."""
    cdef PollSet *ps = <PollSet *>arg
    cdef Py_ssize_t i
    cdef int rc
    cdef pollfd pair[2]
    memset(ps.revents, 0, (ps.count + 1) * sizeof(short))
    if ps.epoll >= 0:
        if wake_fd >= 0 and timeout != 0:
            # the waker is the wait's, not in the set: sleep on both, then harvest
            pair[0].fd = ps.epoll
            pair[1].fd = wake_fd
            pair[0].events = pair[1].events = POLLIN
            pair[0].revents = pair[1].revents = 0
            rc = poll(pair, 2, timeout)
            if rc <= 0:
                return rc
            ps.revents[ps.count] = pair[1].revents
            if not pair[0].revents:
                return 1
            timeout = 0
        rc = zmqx_epoll_wait(ps.epoll, ps.revents, <int>ps.count, timeout)
        return rc if rc < 0 else rc + (1 if ps.revents[ps.count] else 0)
    ps.fds[ps.count].fd = wake_fd  # poll() skips a negative fd
    rc = poll(ps.fds, ps.count + 1, timeout)
    if rc > 0:
        for i in range(ps.count + 1):
            ps.revents[i] = ps.fds[i].revents
    return rc


cdef inline short zmq_events_of_fd(short revents, short wanted) noexcept nogil:
    cdef short events = 0
    if revents & (POLLIN | POLLPRI | POLLHUP):
        events |= ZMQ_POLLIN
    if revents & POLLOUT:
        events |= ZMQ_POLLOUT
    if revents & (POLLERR | POLLNVAL):
        events |= ZMQ_POLLERR
    return events & (wanted | ZMQ_POLLERR)


def _fd_of(obj):
    if isinstance(obj, int):
        return obj
    if hasattr(obj, "fileno"):
        return obj.fileno()
    raise TypeError(f"cannot poll {type(obj).__name__}: not a Socket, fd or object with fileno()")


cdef class Poller:
    """Wait for events on several sockets and file descriptors.

    register(obj, flags) accepts zmqx Sockets, ints (fds) and objects with
    fileno(); poll(timeout_ms) returns [(obj, events), ...] for those ready.
    """

    cdef public list sockets        # [(obj, flags)], in registration order
    cdef public dict _map           # obj -> index in sockets
    cdef list _socket_of            # per entry: the Socket's state holder, or None for an fd
    cdef list _objects              # per entry: the registered object, as polled
    cdef PollSet _set
    cdef bint _stale                # registration changed since _set was built
    cdef bint _polling              # a thread is inside poll(): the arrays are in use
    cdef object __weakref__

    def __cinit__(self):
        self.sockets = []
        self._map = {}
        self._socket_of = []
        self._stale = True
        self._set.epoll = -1

    def __dealloc__(self):
        free(self._set.fds)
        free(self._set.wanted)
        free(self._set.revents)
        if self._set.epoll >= 0:
            close(self._set.epoll)

    def __contains__(self, obj):
        return obj in self._map

    def register(self, socket, int flags=ZMQ_POLLIN | ZMQ_POLLOUT):
        """Watch socket for flags (POLLIN, POLLOUT, POLLERR); flags=0 unregisters.

        :param socket: a zmqx Socket, an int file descriptor, or an object with
            ``fileno()`` (anything else makes the next `poll` raise TypeError,
            as in pyzmq). Registering it again changes its flags.
        """
        if not flags:
            if socket in self._map:
                self.unregister(socket)
            return
        index = self._map.get(socket)
        if index is None:
            self._map[socket] = len(self.sockets)
            self.sockets.append((socket, flags))
        else:
            self.sockets[index] = (socket, flags)
        self._stale = True

    modify = register

    def unregister(self, socket):
        """Stop watching socket (KeyError if it was not registered)."""
        index = self._map.pop(socket)
        del self.sockets[index]
        for obj, _ in self.sockets[index:]:
            self._map[obj] -= 1
        self._stale = True

    cdef int _rebuild(self) except -1:
        # A snapshot: another thread may register and unregister while this one
        # polls (or while fileno() below runs Python code), and the arrays built
        # here are indexed by the entries as they were now.
        cdef list entries = list(self.sockets)
        cdef Py_ssize_t i, n = len(entries)
        cdef Socket holder
        cdef PollSet *ps = &self._set
        cdef pollfd *fds = <pollfd *>realloc(ps.fds, (n + 1) * sizeof(pollfd))
        if fds == NULL:
            raise MemoryError()
        ps.fds = fds
        cdef short *wanted = <short *>realloc(ps.wanted, (n + 1) * sizeof(short))
        if wanted == NULL:
            raise MemoryError()
        ps.wanted = wanted
        cdef short *revents = <short *>realloc(ps.revents, (n + 1) * sizeof(short))
        if revents == NULL:
            raise MemoryError()
        ps.revents = revents
        self._socket_of = []
        self._objects = []
        for i in range(n):
            obj, flags = entries[i]
            self._objects.append(obj)
            ps.wanted[i] = flags
            if isinstance(obj, Socket):
                holder = enter(<Socket>obj)
                ps.fds[i].fd = readiness_fd(holder)
                ps.fds[i].events = POLLIN  # the FD only ever signals "news"
                self._socket_of.append(holder)
            else:
                ps.fds[i].fd = _fd_of(obj)
                ps.fds[i].events = ((POLLIN if flags & ZMQ_POLLIN else 0)
                                    | (POLLOUT if flags & ZMQ_POLLOUT else 0))
                self._socket_of.append(None)
        ps.count = n
        self._stale = False
        ps.fds[n].fd = -1  # the waker's slot, filled by each wait
        ps.fds[n].events = POLLIN
        self._open_epoll()
        return 0

    cdef int _open_epoll(self) except -1:
        """Mirror a large registration in an epoll set: then a pass costs
        O(ready), not O(registered). Without epoll (or with a duplicate fd, or
        for a few entries, where poll(2) costs as little and no fd) poll() serves."""
        cdef Py_ssize_t i
        cdef PollSet *ps = &self._set
        self._close_epoll()
        if ps.count < EPOLL_MIN_ENTRIES:
            return 0
        ps.epoll = zmqx_epoll_open()
        if ps.epoll < 0:
            return 0
        for i in range(ps.count):
            if zmqx_epoll_add(ps.epoll, ps.fds[i].fd, ps.fds[i].events,
                              <unsigned int>i) < 0:
                self._close_epoll()
                return 0
        _pollers_with_epoll.add(self)
        return 0

    cdef int _close_epoll(self) noexcept:
        """Back to poll(2): returns 1 if an epoll set was closed."""
        if self._set.epoll < 0:
            return 0
        close(self._set.epoll)
        self._set.epoll = -1
        return 1

    cdef list _collect(self):
        """Ready entries, refreshing readiness where the FDs had news."""
        cdef Py_ssize_t i
        cdef int events
        cdef Socket s
        cdef list ready = []
        cdef PollSet *ps = &self._set
        for i in range(ps.count):
            holder = self._socket_of[i]
            if holder is not None:
                s = <Socket>holder
                if ps.revents[i]:
                    readiness_changed(s)
                events = readiness(s) & ps.wanted[i]
            else:
                events = zmq_events_of_fd(ps.revents[i], ps.wanted[i])
            if events:
                # as pyzmq: sockets come back as themselves, anything else as its fd
                ready.append((self._objects[i] if holder is not None else ps.fds[i].fd,
                              events))
        return ready

    def poll(self, timeout=None):
        """Wait up to timeout ms (None or negative: forever) for registered events;
        returns [(obj, events), ...], empty on timeout.

        One thread at a time: while a thread waits in poll(), another thread's
        poll() of the same Poller raises ZMQError(EBUSY) (register and unregister
        are fine; they take effect at the next poll)."""
        if self._polling:
            raise ZMQError(EBUSY, "Poller is being polled by another thread")
        self._polling = True
        try:
            return self._poll(timeout)
        finally:
            self._polling = False

    cdef object _poll(self, timeout):
        cdef Py_ssize_t i
        cdef int rc, wait_ms
        cdef int64_t deadline
        cdef bint in_main = in_main_thread()
        cdef PollSet *ps = &self._set
        if self._stale:
            self._rebuild()
        if ps.count == 0:
            return []  # nothing can ever become ready
        for holder in self._socket_of:
            if holder is not None:
                check_usable(<Socket>holder, NULL)
        if timeout is None or timeout < 0:
            deadline = -1
        else:
            deadline = zmqx_now_ms() + <int64_t>int(timeout)
        # First pass: no waiting, GIL held.
        rc = poll_set_wait(ps, -1, 0)
        if rc < 0:
            if errno_c != EINTR:
                raise_zmq_error(errno_c)
            for i in range(ps.count):
                ps.revents[i] = POLLIN  # re-read everything
        ready = self._collect()
        while not ready:
            wait_ms = next_sleep_ms(deadline, in_main)
            if wait_ms == 0:
                break
            if wait_released(self._socket_of, poll_set_wait, ps, wait_ms) > 0:
                ready = self._collect()
            if in_main:
                check_signals()
        return ready


# Pollers that hold an epoll set: what release_spare_fds can take back.
_pollers_with_epoll = weakref.WeakSet()


cdef int release_idle_epoll_sets() except -1:
    """Close the epoll sets of the Pollers not being polled; returns how many."""
    cdef int freed = 0
    for poller in list(_pollers_with_epoll):
        if not (<Poller>poller)._polling:
            freed += (<Poller>poller)._close_epoll()
            _pollers_with_epoll.discard(poller)
    return freed


def select(rlist, wlist, xlist, timeout=None):
    """select() for sockets and fds: wait up to timeout seconds (None: forever);
    returns the (readable, writable, errored) lists."""
    return select_with(Poller(), rlist, wlist, xlist, timeout)


def select_with(poller, rlist, wlist, xlist, timeout=None):
    """select() done with poller (an empty Poller, or one of a subclass whose
    poll() waits differently, as zmqx.green's does)."""
    for objects, flag in ((rlist, ZMQ_POLLIN), (wlist, ZMQ_POLLOUT), (xlist, ZMQ_POLLERR)):
        for obj in objects:
            flags = poller._map.get(obj)
            current = 0 if flags is None else poller.sockets[flags][1]
            poller.register(obj, current | flag)
    ready = dict(poller.poll(None if timeout is None or timeout < 0 else timeout * 1000))

    def events(obj):
        return ready.get(obj if isinstance(obj, Socket) else _fd_of(obj), 0)

    return ([s for s in rlist if events(s) & ZMQ_POLLIN],
            [s for s in wlist if events(s) & ZMQ_POLLOUT],
            [s for s in xlist if events(s) & ZMQ_POLLERR])
