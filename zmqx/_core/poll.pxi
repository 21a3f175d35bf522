# Poller and select: many sockets and plain fds at once.
#
# The readiness machine: a libzmq socket's FD is readable only when commands are
# waiting for the socket, and ZMQ_EVENTS (which processes them) is the truth.
# Each Socket caches the EVENTS it last read, invalidated by any call on it; a
# poll reads EVENTS only for sockets whose FD has news or whose cache is stale.
# So an idle socket costs one pollfd in one poll() syscall, not a syscall of its
# own, and the registration (the pollfd array) is kept between calls.

cdef inline int socket_events(Socket s) except -1:
    """ZMQ_EVENTS of s, from the cache when nothing can have changed."""
    cdef size_t size = sizeof(int)
    if not s._events_valid:
        if zmq_getsockopt(s.handle, ZMQ_EVENTS, &s._events, &size) < 0:
            raise_zmq_error()
        s._events_valid = True
    return s._events


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
    cdef list _socket_of            # per entry: the Socket, or None for a plain fd
    cdef list _objects              # per entry: the registered object, as polled
    cdef pollfd *_fds               # per entry, plus one slot for the waker
    cdef short *_wanted             # per entry: the flags asked for
    cdef short *_revents            # per entry: what the OS reported this pass
    cdef int _epoll                 # the registration as an epoll set, or -1
    cdef Py_ssize_t _count
    cdef bint _stale                # registration changed since _fds was built
    cdef bint _polling              # a thread is inside poll(): the arrays are in use
    cdef zmqx_waker _waker

    def __cinit__(self):
        self.sockets = []
        self._map = {}
        self._socket_of = []
        self._stale = True
        self._epoll = -1
        self._waker.read_fd = self._waker.write_fd = -1

    def __dealloc__(self):
        free(self._fds)
        free(self._wanted)
        free(self._revents)
        if self._epoll >= 0:
            close(self._epoll)
        zmqx_waker_close(&self._waker)

    def __contains__(self, obj):
        return obj in self._map

    def register(self, socket, int flags=ZMQ_POLLIN | ZMQ_POLLOUT):
        """Watch socket for flags (POLLIN, POLLOUT, POLLERR); flags=0 unregisters."""
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
        cdef pollfd *fds = <pollfd *>realloc(self._fds, (n + 1) * sizeof(pollfd))
        if fds == NULL:
            raise MemoryError()
        self._fds = fds
        cdef short *wanted = <short *>realloc(self._wanted, (n + 1) * sizeof(short))
        if wanted == NULL:
            raise MemoryError()
        self._wanted = wanted
        cdef short *revents = <short *>realloc(self._revents, (n + 1) * sizeof(short))
        if revents == NULL:
            raise MemoryError()
        self._revents = revents
        self._socket_of = []
        self._objects = []
        for i in range(n):
            obj, flags = entries[i]
            self._objects.append(obj)
            self._wanted[i] = flags
            if isinstance(obj, Socket):
                sock = state_of(<Socket>obj)
                guard_socket(<Socket>sock)
                self._fds[i].fd = (<Socket>sock).getsockopt(ZMQ_FD)
                self._fds[i].events = POLLIN  # the FD only ever signals "news"
                self._socket_of.append(sock)
            else:
                self._fds[i].fd = _fd_of(obj)
                self._fds[i].events = ((POLLIN if flags & ZMQ_POLLIN else 0)
                                       | (POLLOUT if flags & ZMQ_POLLOUT else 0))
                self._socket_of.append(None)
        self._count = n
        self._stale = False
        open_waker(&self._waker)
        self._fds[n].fd = self._waker.read_fd
        self._fds[n].events = POLLIN
        self._open_epoll()
        return 0

    cdef int _open_epoll(self) except -1:
        """Mirror the registration in an epoll set: then a pass costs O(ready),
        not O(registered). Without epoll (or with a duplicate fd) poll() serves."""
        cdef Py_ssize_t i
        if self._epoll >= 0:
            close(self._epoll)
        self._epoll = zmqx_epoll_open()
        if self._epoll < 0:
            return 0
        for i in range(self._count + 1):
            if zmqx_epoll_add(self._epoll, self._fds[i].fd, self._fds[i].events,
                              <unsigned int>i) < 0:
                close(self._epoll)
                self._epoll = -1
                return 0
        return 0

    cdef int _wait_pass(self, int timeout) noexcept nogil:
        """One OS-level wait; fills _revents. Returns the number ready, or -1."""
        cdef Py_ssize_t i
        cdef int rc
        memset(self._revents, 0, (self._count + 1) * sizeof(short))
        if self._epoll >= 0:
            return zmqx_epoll_wait(self._epoll, self._revents, <int>self._count + 1, timeout)
        rc = poll(self._fds, self._count + 1, timeout)
        if rc > 0:
            for i in range(self._count + 1):
                self._revents[i] = self._fds[i].revents
        return rc

    cdef list _collect(self):
        """Ready entries, refreshing readiness where the FDs had news."""
        cdef Py_ssize_t i
        cdef int events
        cdef Socket s
        cdef list ready = []
        for i in range(self._count):
            sock = self._socket_of[i]
            if sock is not None:
                s = <Socket>sock
                if self._revents[i]:
                    s._events_valid = False
                events = socket_events(s) & self._wanted[i]
            else:
                events = zmq_events_of_fd(self._revents[i], self._wanted[i])
            if events:
                # as pyzmq: sockets come back as themselves, anything else as its fd
                ready.append((self._objects[i] if sock is not None else self._fds[i].fd,
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
        cdef int rc, err
        cdef int64_t deadline, wait_ms
        cdef Socket s
        cdef bint in_main = PyThread_get_thread_ident() == _main_thread
        cdef Py_ssize_t nfds
        if self._stale:
            self._rebuild()
        if self._count == 0:
            return []  # nothing can ever become ready
        for sock in self._socket_of:
            if sock is not None:
                guard_socket(<Socket>sock)
        if timeout is None or timeout < 0:
            deadline = -1
        else:
            deadline = zmqx_now_ms() + <int64_t>int(timeout)
        # First pass: no waiting, GIL held.
        nfds = self._count
        rc = self._wait_pass(0)
        if rc < 0 and errno_c != EINTR:
            PyErr_SetFromErrno(OSError)
            return None
        if rc < 0:
            for i in range(nfds):
                self._revents[i] = POLLIN  # re-read everything
        if self._revents[nfds]:
            zmqx_waker_drain(&self._waker)
        ready = self._collect()
        if ready or deadline >= 0 and zmqx_now_ms() >= deadline:
            return ready
        while True:
            wait_ms = -1 if deadline < 0 else max(0, deadline - zmqx_now_ms())
            if in_main and (wait_ms < 0 or wait_ms > SIGNAL_SLICE_MS):
                wait_ms = SIGNAL_SLICE_MS
            mark_all_waiting(self._socket_of, &self._waker)
            with nogil:
                rc = self._wait_pass(<int>wait_ms)
                err = errno_c
            closed_by = 0
            for sock in self._socket_of:
                if sock is not None:
                    s = <Socket>sock
                    s._waiter = NULL
                    if s._closing:
                        closed_by = finish_deferred_close(s)
            if closed_by:
                raise_closed_while_waiting(closed_by)
            if self._revents[nfds]:
                zmqx_waker_drain(&self._waker)
            if rc < 0:
                if err != EINTR:
                    errno_set(err)
                    PyErr_SetFromErrno(OSError)
                    return None
                check_signals()
                continue
            if rc > 0:
                ready = self._collect()
                if ready:
                    return ready
            if in_main:
                check_signals()
            if deadline >= 0 and zmqx_now_ms() >= deadline:
                return []


def select(rlist, wlist, xlist, timeout=None):
    """select() for sockets and fds: wait up to timeout seconds (None: forever);
    returns the (readable, writable, errored) lists."""
    poller = Poller()
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
