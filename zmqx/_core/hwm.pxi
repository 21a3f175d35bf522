# Changing SNDHWM/RCVHWM on a socket that has pipes, without running libzmq 4.3
# into its use-after-free.
#
# libzmq 4.3 sends a changed HWM to the peer end of every pipe of the socket,
# including a pipe that a peer is ending. Ending a pipe is a handshake: the peer
# that leaves (by disconnect(), unbind() or close()) asks, this socket
# acknowledges, the peer frees its end on that acknowledgement and answers, and
# only that answer removes the pipe from this socket. An HWM change in between is
# sent to the peer after the acknowledgement, so the peer, processing its commands
# in order, frees its end and then runs the HWM command on the freed memory: a
# segfault (pyzmq and C programs too). The peer closes that window as soon as it
# processes its commands, so before changing the HWM, settle_pipes makes the
# leaving peers it can reach do so, and lets this socket take their answers:
#
# - a zmqx socket that left with disconnect()/unbind() and is idle since: it is
#   made to process its commands here (see nudge_departed_peers);
# - a closed socket (libzmq's reaper thread), a tcp/ipc connection (an I/O thread)
#   or a zmqx socket another thread is waiting in: each answers by itself, as soon
#   as its thread runs; this socket keeps taking commands until none come for
#   SETTLE_QUIET_MS, or SETTLE_AFTER_CLOSE_MS while a close is recent (a reaper
#   short of CPU can take several milliseconds).
#
# What remains is libzmq's: a peer zmqx cannot drive (a socket of another library
# on a shared context, also through a zmqx shadow of it) that leaves and stays
# idle, or a reaper or I/O thread that does not run within that wait (see the
# README). A nudged socket's FD drops the signal for what it processed, as after
# any call on it: zmqx's own waits and pollers re-read its events (its readiness
# cache is invalidated); a program watching that FD itself re-reads EVENTS after
# each of its own calls only, as libzmq requires.

cdef enum:
    SETTLE_QUIET_MS = 5             # commands stopped arriving for this long: settled
    SETTLE_AFTER_CLOSE_MS = 25      # the same, within RECENT_CLOSE_MS of a close
    RECENT_CLOSE_MS = 1000
    SETTLE_MAX_MS = 100             # give up after this long in all

# When a zmqx socket was last closed (zmqx_now_ms), see SETTLE_AFTER_CLOSE_MS.
cdef int64_t _last_close_ms = -RECENT_CLOSE_MS


cdef void note_close() noexcept:
    global _last_close_ms
    _last_close_ms = zmqx_now_ms()


# zmqx sockets that have called disconnect() or unbind(): each may hold the
# leaving end of a pipe, which it finishes only when it processes its commands.
_departed = weakref.WeakSet()


cdef int note_departure(Socket s) except -1:
    """s left an endpoint (disconnect, unbind): see nudge_departed_peers."""
    cdef Socket owner = holder_of(s)
    if not owner._shadow:
        # only sockets zmqx owns: another library may use its own from any thread
        _departed.add(owner)
    return 0


cdef void *context_handle_of(Socket s) noexcept:
    ctx = s.context
    return (<Context>ctx).handle if isinstance(ctx, Context) else NULL


cdef int nudge_departed_peers(Socket s) except -1:
    """Make each idle zmqx socket that left an endpoint process its commands, so
    that a pipe end it is leaving is finished and answered now.

    Safe from this thread: while this thread holds the GIL, no other thread is in
    libzmq for a zmqx socket unless that socket is marked as waited on (which is
    skipped: its thread processes the commands itself when it wakes).
    """
    cdef void *ctx = context_handle_of(s)
    cdef void *other_ctx
    for other in list(_departed):
        o = <Socket>other
        if o.handle == NULL or o._closing:
            _departed.discard(o)
            continue
        if o is s or o._waiter != NULL or o._fork_generation != zmqx_fork_generation:
            continue
        if o._watcher is not None and (<Watcher>o._watcher)._has_waiters():
            continue  # an event loop watches its FD for them: never take its edge
        other_ctx = context_handle_of(o)
        if ctx != NULL and other_ctx != NULL and other_ctx != ctx:
            continue  # pipes never cross contexts
        process_commands(o)
    return 0


cdef int settle_pipes(Socket s) except -1:
    """Before a change of SNDHWM/RCVHWM: finish the pipe endings under way (see
    the top of this file)."""
    cdef int rc
    cdef size_t size = 1
    cdef char endpoint[1]
    cdef int64_t give_up
    # LAST_ENDPOINT is empty (just the NUL) until the first bind or connect, and
    # before that the socket has no pipes; for a longer one a one-byte buffer
    # fails with EINVAL.
    if zmq_getsockopt(s.handle, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0 and size <= 1:
        return 0
    cdef int64_t now = zmqx_now_ms()
    cdef int quiet_ms = (SETTLE_AFTER_CLOSE_MS if now - _last_close_ms < RECENT_CLOSE_MS
                         else SETTLE_QUIET_MS)
    give_up = now + SETTLE_MAX_MS
    while True:
        try:
            fresh_readiness(s)
        except ZMQError:
            return 0  # e.g. ETERM: zmq_setsockopt will say so
        nudge_departed_peers(s)
        if zmqx_now_ms() >= give_up:
            return 0
        rc = sleep_on_socket(s, quiet_ms)
        if rc == 0:
            return 0
        if rc < 0:
            check_signals()
