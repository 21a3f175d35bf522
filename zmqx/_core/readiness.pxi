# Readiness: the only reader of a socket's ZMQ_FD and ZMQ_EVENTS.
#
# libzmq's FD is edge-triggered: it becomes readable when commands arrive for the
# socket, and reading ZMQ_EVENTS (which processes them) both tells what is ready
# and re-arms the FD. Any operation on the socket may process commands and so
# consume an edge: after every operation the cached EVENTS are stale, and a
# watcher with waiters (watcher.pxi) must look again instead of trusting the FD.

cdef inline int readiness_fd(Socket holder) except -1:
    """The socket's ZMQ_FD, read once."""
    cdef size_t size = sizeof(int)
    if holder._zmq_fd < 0 and zmq_getsockopt(holder.handle, ZMQ_FD, &holder._zmq_fd, &size) < 0:
        raise_zmq_error()
    return holder._zmq_fd


cdef inline int readiness(Socket holder) except -1:
    """ZMQ_EVENTS (POLLIN/POLLOUT bits), from the cache when nothing can have
    changed since it was read."""
    cdef size_t size = sizeof(int)
    if not holder._events_valid:
        if zmq_getsockopt(holder.handle, ZMQ_EVENTS, &holder._events, &size) < 0:
            raise_zmq_error()
        holder._events_valid = True
    return holder._events


cdef inline int fresh_readiness(Socket holder) except -1:
    """ZMQ_EVENTS read now (processing the socket's pending commands)."""
    holder._events_valid = False
    return readiness(holder)


cdef inline int readiness_changed(Socket holder) except -1:
    """An operation is about to run on the socket (or its FD had news): the cache
    is stale, and waiters of a watcher must be looked at again once it is done."""
    holder._events_valid = False
    if holder._watcher is not None:
        (<Watcher>holder._watcher).operation_happened()
    return 0


cdef inline void process_commands(Socket holder) noexcept:
    """Have libzmq process the socket's pending commands (reading ZMQ_EVENTS does)
    for a socket that may be another thread's: only the cache is dropped, and a
    watcher is not told (the caller never does this to a watched socket)."""
    cdef int events
    cdef size_t size = sizeof(int)
    zmq_getsockopt(holder.handle, ZMQ_EVENTS, &events, &size)
    holder._events_valid = False
