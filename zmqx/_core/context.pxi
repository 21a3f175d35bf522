# Context: owns a libzmq context; thread-safe, as libzmq's is.

cdef int check_context(Context ctx) except -1:
    if ctx.handle == NULL:
        raise ZMQError(ENOTSUP, "Context has been terminated")
    if ctx._fork_generation != zmqx_fork_generation:
        raise ZMQError(ENOTSUP,
                       "this Context was created before fork(); a child process needs "
                       "its own (Context.instance() makes one)")
    return 0


# Set once interpreter exit closes what the program left open (see _abandon).
cdef bint _interpreter_exiting = False


# Every Context object on a libzmq context (see wrappers.pxi).
cdef Wrappers _contexts = Wrappers()


cdef Context context_owner_at(size_t address):
    for ctx in _contexts.alive(address):
        if not (<Context>ctx)._shadow and (<Context>ctx).handle == <void *>address:
            return <Context>ctx
    return None


cdef int forget_context(void *handle) except -1:
    """handle is terminated (or being): every Context object on it is closed."""
    for ctx in _contexts.forget(<size_t>handle):
        if (<Context>ctx).handle == handle:
            (<Context>ctx).handle = NULL
    return 0


cdef void *new_context(int io_threads) except NULL:
    """A new libzmq context with io_threads I/O threads (libzmq judges the value:
    ZMQError(EINVAL) for one it rejects, as pyzmq raises)."""
    cdef void *handle = zmq_ctx_new()
    cdef int err
    if handle == NULL:
        raise_zmq_error()
    if io_threads != 1 and zmq_ctx_set(handle, ZMQ_IO_THREADS, io_threads) < 0:
        err = zmq_errno_c()
        zmq_ctx_term(handle)  # no sockets yet: returns at once
        raise_zmq_error(err)
    return handle


cdef class Context:
    """A libzmq context: the container of sockets and their I/O threads.

    Context(io_threads=1, shadow=0). With shadow (an address, as given by another
    Context's `underlying`, or a Context object), this object uses an existing
    libzmq context and never terminates it when collected.
    """

    def __init__(self, io_threads=1, shadow=0):
        cdef size_t address
        if self.handle != NULL:
            return  # __init__ called twice: keep the first context
        if isinstance(io_threads, Context):
            shadow, io_threads = io_threads, 1
        self._fork_generation = zmqx_fork_generation
        if shadow:
            if isinstance(shadow, Context):
                self._shadowed = shadow
                address = <size_t>(<Context>shadow).handle
            else:
                address = <size_t>shadow
            if address == 0:
                raise ZMQError(EFAULT, "cannot shadow a closed or NULL context")
            self.handle = <void *>address
            self._shadow = True
            if self._shadowed is None:
                # a zmqx-owned context stays alive while shadows of it exist
                self._shadowed = context_owner_at(address)
        else:
            if not isinstance(io_threads, int):
                raise TypeError(f"io_threads must be an int, not {type(io_threads).__name__}")
            self.handle = new_context(io_threads)
        self._sockets = weakref.WeakSet()
        _live_contexts.add(self)
        _contexts.add(<size_t>self.handle, self)

    def __del__(self):
        if self.handle != NULL and not self._shadow \
                and self._fork_generation == zmqx_fork_generation:
            try:
                warnings.warn(f"Unclosed context {self!r}", ResourceWarning,
                              stacklevel=2, source=self)
            except Exception:
                pass  # the warnings machinery is gone at interpreter exit

    def __dealloc__(self):
        if self.handle != NULL and not self._shadow \
                and self._fork_generation == zmqx_fork_generation:
            # Never block the collecting thread on lingering sockets.
            if zmqx_term_in_background(self.handle, NULL) < 0:
                pass  # no thread to be had: leak rather than hang
            try:
                forget_context(self.handle)
            except BaseException:
                pass  # at interpreter exit the registry may be gone
        self.handle = NULL

    @property
    def underlying(self):
        """The address of the libzmq context, to shadow it from another library."""
        return <size_t>self.handle

    @property
    def closed(self):
        """True once the context was terminated."""
        return self.handle == NULL

    def term(self):
        """Terminate the context: wait until every socket is closed and its
        pending messages are sent or dropped (per its linger), then free it.

        Blocking calls of sockets in other threads raise ContextTerminated.
        Ctrl-C interrupts the wait; the termination then completes by itself.
        """
        cdef void *handle = self.handle
        cdef zmqx_term_job *job = NULL
        cdef pollfd fds[1]
        cdef int wait_ms
        if handle == NULL:
            return
        if self._fork_generation != zmqx_fork_generation:
            self.handle = NULL  # the parent's context: not ours to terminate
            return
        for sock in list(self._sockets):
            # a close handed to an event loop running in this very thread: it
            # cannot run while this thread waits here, so it is finished now
            finish_handed_over_close(holder_of(<Socket>sock))
        # zmq_ctx_term cannot be interrupted: it runs in a helper thread while
        # this one waits in slices, able to run signal handlers.
        if zmqx_term_in_background(handle, &job) < 0:
            raise MemoryError("could not start a thread to terminate the context")
        wait_ms = SIGNAL_SLICE_MS if PyThread_get_thread_ident() == _main_thread else -1
        if job.done_waker.read_fd < 0:
            wait_ms = NO_WAKER_SLICE_MS  # no fd was left for a waker: look often
        fds[0].fd = job.done_waker.read_fd
        fds[0].events = POLLIN
        try:
            while not zmqx_term_job_done(job):
                with nogil:
                    poll(fds, 1, wait_ms)
                check_signals()
        finally:
            zmqx_term_job_release(job)
            forget_context(handle)  # terminated, or about to be: closed for all

    def destroy(self, linger=None):
        """Close every socket of this context (with linger, if given), then term().

        Calls waiting in those sockets, in any thread or event loop, fail with
        ContextTerminated. Unlike pyzmq, closing from this thread is safe even
        for sockets other threads are blocked in: each is woken and closes its
        socket itself.

        :param linger: ms to let each socket's unsent messages go out (None:
            each socket's own LINGER).
        """
        if self.handle == NULL:
            return
        for sock in list(self._sockets):
            close_socket(<Socket>sock, linger, CLOSED_BY_CONTEXT)
        self.term()

    def _abandon(self):
        """At interpreter exit: close what is open and terminate without waiting here."""
        global _interpreter_exiting
        _interpreter_exiting = True
        if self.handle == NULL or self._shadow:
            return
        if self._fork_generation != zmqx_fork_generation:
            self.handle = NULL
            return
        for sock in list(self._sockets):
            close_socket(<Socket>sock, None, CLOSED_BY_CONTEXT)
        if zmqx_term_in_background(self.handle, NULL) < 0:
            return
        forget_context(self.handle)

    def set(self, int option, int optval):
        """Set a context option (IO_THREADS, MAX_SOCKETS, BLOCKY, IPV6, ...).

        :raises ZMQError: EINVAL for an unknown option or a value libzmq rejects.
        """
        check_context(self)
        if zmq_ctx_set(self.handle, option, optval) < 0:
            raise_zmq_error()

    def get(self, int option):
        """Get a context option, e.g. ``ctx.get(zmqx.IO_THREADS)``.

        :raises ZMQError: EINVAL for an unknown option.
        """
        check_context(self)
        cdef int rc = zmq_ctx_get(self.handle, option)
        if rc < 0:
            raise_zmq_error()
        return rc
