# Context: owns a libzmq context; thread-safe, as libzmq's is.

cdef int check_context(Context ctx) except -1:
    if ctx.handle == NULL:
        raise ZMQError(ENOTSUP, "Context has been terminated")
    if ctx._fork_generation != zmqx_fork_generation:
        raise ZMQError(ENOTSUP,
                       "this Context was created before fork(); a child process needs "
                       "its own (Context.instance() makes one)")
    return 0


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
        else:
            if not isinstance(io_threads, int) or io_threads < 0:
                raise TypeError("io_threads must be a non-negative int")
            self.handle = zmq_ctx_new()
            if self.handle == NULL:
                raise_zmq_error()
            if io_threads != 1 and zmq_ctx_set(self.handle, ZMQ_IO_THREADS, io_threads) < 0:
                raise_zmq_error()
        self._sockets = weakref.WeakSet()
        _live_contexts.add(self)

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
            if zmqx_term_in_background(self.handle) < 0:
                pass  # no thread to be had: leak rather than hang
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
        """
        cdef int rc
        cdef void *handle = self.handle
        if handle == NULL:
            return
        if self._fork_generation != zmqx_fork_generation:
            self.handle = NULL  # the parent's context: not ours to terminate
            return
        while True:
            with nogil:
                rc = zmq_ctx_term(handle)
            if rc == 0:
                break
            if zmq_errno_c() != EINTR:
                raise_zmq_error()
            check_signals()
        self.handle = NULL

    def destroy(self, linger=None):
        """Close every socket of this context (with linger, if given), then term()."""
        if self.handle == NULL:
            return
        for sock in list(self._sockets):
            close_socket(<Socket>sock, linger, CLOSED_BY_CONTEXT)
        self.term()

    def _abandon(self):
        """At interpreter exit: close what is open and terminate without waiting here."""
        if self.handle == NULL or self._shadow:
            return
        if self._fork_generation != zmqx_fork_generation:
            self.handle = NULL
            return
        for sock in list(self._sockets):
            close_socket(<Socket>sock, None, CLOSED_BY_CONTEXT)
        if zmqx_term_in_background(self.handle) < 0:
            return
        self.handle = NULL

    def set(self, int option, int optval):
        """Set a context option (IO_THREADS, MAX_SOCKETS, BLOCKY, IPV6, ...)."""
        check_context(self)
        if zmq_ctx_set(self.handle, option, optval) < 0:
            raise_zmq_error()

    def get(self, int option):
        """Get a context option."""
        check_context(self)
        cdef int rc = zmq_ctx_get(self.handle, option)
        if rc < 0:
            raise_zmq_error()
        return rc
