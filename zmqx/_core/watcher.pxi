# Watcher: a socket's pending operations in an event loop, served as readiness
# allows. This is the readiness machine every event-loop adapter stands on.
#
# An operation on a ready socket completes at once (submit/attempt), without a
# waiter or a trip through the loop. One that must wait becomes a Waiter in a
# FIFO queue (one for receives, one for sends, plus poll waiters). The queues
# are served when the socket's FD has news and after any operation on the
# socket (readiness.pxi calls operation_happened), since an operation may
# consume the FD's edge. A waiter is taken off its queue only while its future
# is still wanted (not cancelled, not timed out), and a multipart message is
# taken whole in one call: cancelling never loses, duplicates or splits one.
#
# Threads. A watcher's state (its queues, its FD registration, its futures) changes
# only in its loop's thread. A call from another thread that would change it (an
# operation of the socket, closing it or destroying its context, cancelling a
# waiter, another loop taking the socket over) is handed to the loop through its
# thread-safe door (the driver's call_soon_threadsafe), which also wakes the loop,
# so its waiters learn of it at once. A close from another thread is finished in
# the loop's thread: the loop must stop watching the FD before libzmq frees it.
# Calls from the loop's own thread, and calls while no thread runs the loop, take
# the direct path.
#
# An adapter supplies only a driver with these methods:
#   watch(fd, callback) / unwatch(fd)   call callback() while fd is readable
#   call_soon(callback)                 run callback() soon, in the loop's thread
#   call_later(seconds, callback, arg)  run callback(arg) later; returns an object
#                                       with cancel()
#   pending(waiter)                     a new pending future (done(), cancel(),
#                                       set_result(), set_exception())
#   completed(result) / failed(exc)     a future that is already done
#   abandon(future, error)              optional: settle a pending future whose socket
#                                       closed with error, what a blocking call raises
#                                       then: ZMQError(ENOTSOCK), or ContextTerminated
#                                       (without abandon, the future is cancelled)
#   current()                           optional, for loops that asyncio does not run:
#                                       the loop running in this thread (raising
#                                       RuntimeError when none is), so that FutureSocket
#                                       can tell that this watcher's loop runs here
#   elsewhere()                         optional, with call_soon_threadsafe: whether the
#                                       loop runs in another thread than the caller's
#   call_soon_threadsafe(callback)      run callback() in the loop's thread, from any
#                                       thread, waking the loop; RuntimeError if the
#                                       loop can no longer run it (closed, finished)
#   socket_attached(socket, fd) / socket_detached(fd)
#                                       optional: a watcher of the loop serves socket
#                                       (tornado's IOLoop closes those it serves)
#   relay(start)                        optional: from another thread, a future of the
#                                       loop that follows the one start() returns when
#                                       the loop's thread runs it (an operation started
#                                       where no loop runs, for the loop that has the
#                                       socket)
# A driver for green threads (WaitingSocket, at the end) gives pending futures a
# wait() too: it blocks the calling green thread until the future is done.

from collections import deque
from functools import partial

from cpython.object cimport PyObject_Call
from cpython.weakref cimport PyWeakref_GetObject

cdef extern from "Python.h":
    object PyObject_CallMethodOneArg(object obj, object name, object arg)

# the method name, as an object made once (no bound method per call either)
cdef object SET_RESULT = "set_result"

cdef enum:
    OP_SEND = 1
    OP_SEND_MULTIPART = 2
    OP_RECV = 3
    OP_RECV_MULTIPART = 4
    OP_RECV_INTO = 5
    OP_POLL = 6
    # timeout_ms of submit()/enqueue(): the socket's SNDTIMEO or RCVTIMEO
    TIMEOUT_OF_SOCKET = -2

# How long close() from another thread waits for the loop's thread to close the
# socket (seconds); past it, the close completes whenever the loop comes to it.
cdef double HANDED_OVER_CLOSE_WAIT = 0.5

# The operations, for adapters written in Python.
SEND = OP_SEND
SEND_MULTIPART = OP_SEND_MULTIPART
RECV = OP_RECV
RECV_MULTIPART = OP_RECV_MULTIPART
RECV_INTO = OP_RECV_INTO
POLL = OP_POLL


cdef object attempt_op(Socket holder, int op, object payload, int flags, bint copy,
                       bint track, Py_ssize_t nbytes):
    """One non-raising try of op: its result, or NOT_READY."""
    cdef int events
    flags |= ATTEMPT
    if op == OP_RECV_MULTIPART:
        return recv_parts(holder, flags, copy, track)
    if op == OP_RECV:
        return recv_one(holder, flags, copy, track)
    if op == OP_SEND:
        return send_one(holder, payload, flags, copy, track)
    if op == OP_SEND_MULTIPART:
        return send_parts(holder, payload, flags, copy, track)
    if op == OP_RECV_INTO:
        return recv_into_buffer(holder, payload, nbytes, flags)
    events = readiness(holder) & flags
    return events if events else NOT_READY


cdef inline int waits_for(int op, int flags) noexcept:
    """The events that let op go on (for a poll, those it asked for)."""
    if op == OP_POLL:
        return flags
    return ZMQ_POLLIN if op >= OP_RECV else ZMQ_POLLOUT


cdef class Waiter:
    """An operation waiting for its socket, and the future that gets its result."""

    cdef readonly int op
    cdef object payload         # the data or parts to send, or recv_into's buffer
    cdef int flags              # send/recv flags; for a poll, the events wanted
    cdef bint copy
    cdef bint track
    cdef Py_ssize_t nbytes
    cdef readonly object future
    cdef object timer           # the driver's handle of the timeout, or None
    cdef Watcher watcher
    # The socket's state holder while the waiter is wanted: a program may drop a
    # socket it still waits on (its future alone in hand), as the loop's reader
    # keeps it alive in pyzmq. Let go once the waiter is done, expired or dropped,
    # so that the socket is not left in a cycle with its watcher.
    cdef object keep
    cdef bint queued            # counted among its watcher's live waiters

    def dropped(self):
        """Its future was cancelled, or its task gave up waiting (the adapter's
        notice, in the loop's thread): the waiter leaves its queue at once (a
        receive or send right after it does not queue behind it) and no longer
        keeps its socket alive."""
        if self.watcher is not None:
            self.watcher._unqueue(self)
        self.keep = None

    def give_back(self, result):
        """The task that waited for this receive was cancelled after it completed:
        its message goes back to the front of the socket's queue, not lost."""
        if self.watcher is not None and OP_RECV <= self.op <= OP_RECV_INTO:
            self.watcher.give_back(self, result)


cdef class Watcher:
    """The pending operations of one socket in one event loop (see the top of
    watcher.pxi). Watcher(socket, driver) attaches to the socket; it detaches when
    the socket closes (cancelling what is pending) or at detach().

    The socket owns its watcher, and the watcher only refers to the socket (a weak
    reference): a socket that its program drops is finalized (and closed) at once,
    as it would be without an event loop, instead of living on in a cycle until the
    garbage collector runs, which would make Context.term() wait for it."""

    cdef object _holder_ref         # weak reference to the socket's state holder
    cdef readonly object driver
    cdef readonly object loop       # the driver's loop while attached, else None
    cdef object _recv               # deque of receive Waiters, oldest first
    cdef object _send               # deque of send Waiters
    cdef list _polls                # poll Waiters
    # Live waiters in _recv and _send (the queues may hold dropped ones, skipped when
    # reached): what decides whether a new operation queues behind others
    cdef Py_ssize_t _recv_count, _send_count
    cdef list _returned             # (part, more) given back, oldest first
    # RCVMORE after a part taken from _returned, or -1 (libzmq's own RCVMORE is right)
    cdef int _given_more
    cdef bint _watching             # the driver calls _on_fd while the FD is readable
    cdef bint _scheduled            # serve() is due through call_soon
    cdef bint _serving
    cdef int _fd
    cdef object _on_fd_callback     # bound methods, made once
    cdef object _serve_callback
    cdef object _expire_callback
    cdef object _pending, _completed, _failed
    cdef object _done_type          # the driver's future class for done futures, if it
    cdef dict _done_kwargs          # says how to make one (the fast path of submit)
    cdef object _loop_mark          # loop_mark() when `loop` was last seen running here
    cdef object _current            # the driver's current(), or None
    cdef object _elsewhere          # the driver's elsewhere(), or None (one thread only)
    cdef object _threadsafe         # the driver's call_soon_threadsafe
    cdef object _relay              # the driver's relay(start), or None

    def __init__(self, Socket socket not None, driver):
        cdef Socket holder = enter(socket)
        if holder._watcher is not None:
            # another loop had the socket: its waiters fail, in its own thread
            (<Watcher>holder._watcher)._detach(TAKEN_OVER)
        self._holder_ref = weakref.ref(holder)
        self.driver = driver
        self._recv = deque()
        self._send = deque()
        self._polls = []
        self._returned = []
        self._given_more = -1
        self._fd = readiness_fd(holder)
        self._on_fd_callback = self._on_fd
        self._serve_callback = self.serve
        self._expire_callback = self._expire
        self._pending = driver.pending
        self._completed = driver.completed
        self._failed = driver.failed
        self.loop = getattr(driver, "loop", None)
        self._done_type = getattr(driver, "done_type", None)
        self._done_kwargs = {"loop": self.loop}
        self._current = getattr(driver, "current", None)
        self._elsewhere = getattr(driver, "elsewhere", None)
        self._threadsafe = getattr(driver, "call_soon_threadsafe", None)
        self._relay = getattr(driver, "relay", None) if self._threadsafe is not None else None
        holder._watcher = self
        attached = getattr(driver, "socket_attached", None)
        if attached is not None:
            attached(holder, self._fd)

    # ---- starting operations ---------------------------------------------

    def submit(self, int op, payload=None, int flags=0, bint copy=True, bint track=False,
               Py_ssize_t nbytes=0, int timeout_ms=TIMEOUT_OF_SOCKET):
        """Start op: a future, already done if the op could complete at once.
        Raises (as the blocking call would) only if the socket cannot be used."""
        return self._submit(op, payload, flags, copy, track, nbytes, timeout_ms)

    cdef object _submit(self, int op, object payload, int flags, bint copy, bint track,
                        Py_ssize_t nbytes, int timeout_ms):
        try:
            result = self._attempt(op, payload, flags, copy, track, nbytes)
        except ZMQError as e:
            if e.errno == ENOTSOCK or self._socket() is None:
                raise
            return self._failed(e)
        except Exception as e:
            return self._failed(e)
        if result is not NOT_READY:
            if self._done_type is None:
                return self._completed(result)
            # PyObject_Call hands the kwargs dict over as it is (a ** call copies it)
            future = PyObject_Call(self._done_type, (), self._done_kwargs)
            PyObject_CallMethodOneArg(future, SET_RESULT, result)
            return future
        if op == OP_POLL:  # flags are the events wanted, not send/recv flags
            if timeout_ms == 0:
                return self._completed(0)
        elif flags & ZMQ_DONTWAIT:
            return self._failed(Again())
        return self._enqueue(op, payload, flags, copy, track, nbytes, timeout_ms)

    def attempt(self, int op, payload=None, int flags=0, bint copy=True, bint track=False,
                Py_ssize_t nbytes=0):
        """Try op now without waiting: its result, or NOT_READY (also while older
        waiters of the same kind are queued: they go first)."""
        return self._attempt(op, payload, flags, copy, track, nbytes)

    cdef object _attempt(self, int op, object payload, int flags, bint copy, bint track,
                         Py_ssize_t nbytes):
        cdef Socket holder = self._enter()
        if op == OP_SEND_MULTIPART:
            payload = checked_parts(payload)
        cdef int events
        if op == OP_POLL:
            # parts given back by cancelled receives are there to receive too
            events = (readiness(holder) | self._returned_events()) & flags
            return events if events else NOT_READY
        if op >= OP_RECV:
            if self._recv_count:
                return NOT_READY
        elif self._send_count:
            return NOT_READY
        return self._try(holder, op, payload, flags, copy, track, nbytes)

    cdef object _try(self, Socket holder, int op, object payload, int flags, bint copy,
                     bint track, Py_ssize_t nbytes):
        """One non-raising try of a send or receive; a receive takes the parts given
        back first."""
        if op >= OP_RECV:
            if self._returned:
                return self._take_returned(holder, op, payload, copy, track, nbytes)
            self._given_more = -1  # from libzmq again: its RCVMORE tells
        return attempt_op(holder, op, payload, flags, copy, track, nbytes)

    def enqueue(self, int op, payload=None, int flags=0, bint copy=True, bint track=False,
                Py_ssize_t nbytes=0, int timeout_ms=TIMEOUT_OF_SOCKET):
        """Queue op behind the waiters of its kind: returns its pending future."""
        return self._enqueue(op, payload, flags, copy, track, nbytes, timeout_ms)

    cdef object _enqueue(self, int op, object payload, int flags, bint copy, bint track,
                         Py_ssize_t nbytes, int timeout_ms):
        cdef Socket holder = self._enter()
        cdef Waiter w = Waiter.__new__(Waiter)
        if op == OP_SEND_MULTIPART:
            payload = checked_parts(payload)
        w.op = op
        w.payload = payload
        # a poll's flags are the events it wants (POLLIN is DONTWAIT's bit: keep it)
        w.flags = flags if op == OP_POLL else flags & ~ZMQ_DONTWAIT
        w.copy = copy
        w.track = track
        w.nbytes = nbytes
        w.watcher = self
        w.keep = holder
        w.future = self._pending(w)
        if timeout_ms == TIMEOUT_OF_SOCKET and op != OP_POLL:
            timeout_ms = socket_timeout(holder, ZMQ_RCVTIMEO if op >= OP_RECV else ZMQ_SNDTIMEO)
        if timeout_ms >= 0:
            w.timer = self.driver.call_later(timeout_ms / 1000.0, self._expire_callback, w)
        if op == OP_POLL:
            self._polls.append(w)
        else:
            queue = self._recv if op >= OP_RECV else self._send
            while queue and (<Waiter>queue[0]).future.done():
                # cancelled or timed out while at the front
                self._unqueue(<Waiter>queue.popleft())
            queue.append(w)
            w.queued = True
            self._count(op, 1)
        # The attempt that found the socket not ready may have consumed the FD's
        # edge: look at readiness now, then sleep on the FD only if nothing is ready.
        if (fresh_readiness(holder) | self._returned_events()) & waits_for(op, w.flags):
            self._schedule()
        if not self._watching:
            self._watching = True
            self.driver.watch(self._fd, self._on_fd_callback)
        return w.future

    # ---- serving ----------------------------------------------------------

    def serve(self):
        """Complete the waiters that can complete now (the driver's callback)."""
        cdef Socket holder = self._socket()
        self._scheduled = False
        if holder is None or self._serving:
            return
        if holder.handle == NULL or holder._closing:
            finish_handed_over_close(holder)  # a close handed to this thread: done now
            self._detach(holder._closing or CLOSED_BY_SOCKET)  # (closed: done already)
            return
        self._serving = True
        try:
            self._serve(holder)
        finally:
            self._serving = False

    def _on_fd(self):
        self.serve()
        if self._watching and not self._has_waiters():
            # nothing waits: stop watching until something does
            self.driver.unwatch(self._fd)
            self._watching = False

    cdef int _serve(self, Socket holder) except -1:
        cdef int events, stuck = 0
        cdef Py_ssize_t moved
        while True:
            moved = (self._serve_queue(holder, self._recv, OP_RECV)
                     + self._serve_queue(holder, self._send, OP_SEND))
            # Reading EVENTS re-arms the FD: after it, sleeping on the FD is safe.
            events = fresh_readiness(holder) | self._returned_events()
            if self._polls:
                self._serve_polls(events)
            if moved:
                continue
            if (events & ZMQ_POLLIN and self._recv) or (events & ZMQ_POLLOUT and self._send):
                # EVENTS says ready, yet the front waiter could not complete (a
                # state only libzmq knows): look again from the loop, not in a spin
                stuck += 1
                if stuck > 2:
                    self._schedule()
                    return 0
                continue
            return 0

    cdef Py_ssize_t _serve_queue(self, Socket holder, object queue, int kind) except -1:
        cdef Waiter w
        cdef Py_ssize_t moved = 0
        while queue:
            w = <Waiter>queue[0]
            if w.future.done():
                queue.popleft()  # not wanted any more: the op is not done for it
                self._unqueue(w)
                continue
            try:
                result = self._try(holder, w.op, w.payload, w.flags, w.copy, w.track, w.nbytes)
            except Exception as e:
                queue.popleft()
                self._unqueue(w)
                w.future.set_exception(e)
                moved += 1
                continue
            if result is NOT_READY:
                break
            queue.popleft()
            self._unqueue(w)
            w.future.set_result(result)
            moved += 1
        return moved

    cdef int _serve_polls(self, int events) except -1:
        cdef Waiter w
        cdef list waiting = []
        for w in self._polls:
            if w.future.done():
                self._finish(w)
                continue
            if events & w.flags:
                self._finish(w)
                w.future.set_result(events & w.flags)
            else:
                waiting.append(w)
        self._polls = waiting
        return 0

    def _expire(self, Waiter w):
        """A waiter's timeout: Again for a send or receive, 0 for a poll."""
        w.timer = None  # fired: nothing to cancel
        if not w.future.done():
            if w.op == OP_POLL:
                w.future.set_result(0)
            else:
                w.future.set_exception(Again())
        self._unqueue(w)  # last: it may drop the socket's last reference

    cdef int _finish(self, Waiter w) except -1:
        """w is done with (completed, or not wanted any more): stop its timer and
        let go of its socket (the caller holds the socket while it works on it)."""
        if w.timer is not None:
            w.timer.cancel()
            w.timer = None
        w.keep = None
        return 0

    cdef int _unqueue(self, Waiter w) except -1:
        """w leaves the live waiters (it completed, failed, expired or was dropped;
        a dropped one may still sit in its deque until reached) and is finished."""
        if w.queued:
            w.queued = False
            self._count(w.op, -1)
        elif w.op == OP_POLL and w in self._polls:
            self._polls.remove(w)
        self._finish(w)
        return 0

    # ---- what the rest of the core tells the watcher ------------------------

    cdef int operation_happened(self) except -1:
        """An operation runs on the socket: it may consume the FD's edge, so the
        waiters must be looked at once it is done, in the loop's thread."""
        if self._serving or not self._has_waiters():
            return 0
        if self._loop_mark is None or loop_mark() is not self._loop_mark:
            # maybe not the loop's thread (a sync shadow used elsewhere, say)
            if self._hand_over(self._serve_callback, False):
                return 0
        return self._schedule()

    cdef bint closes_in_loop_thread(self, Socket holder, int linger, int closed_by) except -1:
        """close_now() from another thread than the one running this watcher's loop:
        True once the close is handed to the loop's thread, which lets go of the
        FD before it closes the socket (meanwhile the socket counts as closed);
        False if the caller closes it now (no other thread runs the loop)."""
        cdef int before = holder._closing
        done = threading.Event()
        holder._closing = closed_by
        holder._closing_linger = linger
        if self._hand_over(partial(close_and_tell, holder, done), True):
            # as a close does in pyzmq, return once it is done, unless the loop's
            # thread does not come to it soon (it may be waiting for this one)
            done.wait(HANDED_OVER_CLOSE_WAIT)
            return True
        holder._closing = before
        return False

    cdef int socket_closing(self, int closed_by) except -1:
        """The socket closes (closed_by: CLOSED_BY_SOCKET or CLOSED_BY_CONTEXT): let
        go of its FD while it is still valid."""
        return self._detach(closed_by)

    def detach(self):
        """Stop serving the socket: stop watching its FD and cancel (or abandon,
        see the driver protocol) every pending waiter: no future outlives its watcher."""
        self._detach(CLOSED_BY_SOCKET)

    cdef int _detach(self, int reason) except -1:
        """Let go of the socket (reason: CLOSED_BY_SOCKET, CLOSED_BY_CONTEXT or
        TAKEN_OVER): the socket forgets the watcher at once, and the watcher lets go
        of the FD and of its waiters in its loop's thread."""
        # The socket's reference may be the last one to this watcher (a cdef method
        # holds none): without this one, the collector could free it mid-way.
        cdef Watcher alive = self
        cdef Socket holder = self._socket()
        if self._holder_ref is None:
            return 0
        if holder is not None and holder._watcher is self:
            holder._watcher = None
        self._holder_ref = None  # from now on, nothing serves the socket
        if not self._hand_over(partial(self._let_go, reason), True):
            self._let_go(reason)
        return 0

    def _let_go(self, int reason):
        """Stop watching the FD and settle every waiter: a closed socket's with what
        a blocking call raises (through the driver's abandon, else cancelled), a
        socket taken over by another loop's with an error that says so."""
        cdef list waiters = list(self._recv) + list(self._send) + self._polls
        if self._watching:
            self._watching = False
            self.driver.unwatch(self._fd)
        detached = getattr(self.driver, "socket_detached", None)
        if detached is not None:
            detached(self._fd)
        self.loop = self._loop_mark = None
        self._recv = deque()
        self._send = deque()
        self._polls = []
        self._recv_count = self._send_count = 0
        abandon = getattr(self.driver, "abandon", None)
        for w in waiters:
            self._finish(<Waiter>w)
            (<Waiter>w).queued = False
            future = (<Waiter>w).future
            if future.done():
                continue
            try:
                if reason == TAKEN_OVER:
                    future.set_exception(let_go_error(reason))
                elif abandon is not None:
                    abandon(future, let_go_error(reason))
                else:
                    future.cancel()
            except RuntimeError:
                pass  # its loop is closed: no callback of it can run any more

    cdef bint _hand_over(self, object action, bint run_if_dropped) except -1:
        """If the loop runs in another thread, hand action() to that thread through
        the loop's door and return True; False if the caller runs it itself (this
        is the loop's thread, or no thread runs the loop). With run_if_dropped, an
        action the loop drops unrun runs when dropped (see HandOver)."""
        cdef HandOver handed
        if self._elsewhere is None or not self._elsewhere():
            return False
        handed = HandOver(action) if run_if_dropped else None
        try:
            self._threadsafe(action if handed is None else handed.run)
        except RuntimeError:
            if handed is not None:
                handed.action = None  # the caller runs it
            return False  # the loop closed (or its run finished) meanwhile
        return True

    # ---- messages given back by cancelled receivers ------------------------

    def give_back(self, Waiter waiter, result):
        """Put a received message back at the front of the queue (see Waiter.give_back)."""
        cdef Waiter w = waiter
        cdef list parts
        if self._socket() is None:
            return
        if w.op == OP_RECV_MULTIPART:
            parts = [(part, i < len(result) - 1) for i, part in enumerate(result)]
        elif w.op == OP_RECV_INTO:
            data = bytes(memoryview(w.payload).cast("B")[:min(result, w.nbytes or result)])
            parts = [(data, False)]
        else:
            more = result.more if isinstance(result, Frame) else self.rcvmore()
            parts = [(result, more)]
        self._returned[0:0] = parts
        if self._recv or self._polls:
            self._schedule()

    cdef object _take_returned(self, Socket holder, int op, object buffer, bint copy,
                               bint track, Py_ssize_t nbytes):
        part, more = self._returned.pop(0)
        self._given_more = more if op == OP_RECV or op == OP_RECV_INTO else 0
        if op == OP_RECV:
            return as_part(part, copy, track, more)
        if op == OP_RECV_INTO:
            data = part.bytes if isinstance(part, Frame) else part
            view = memoryview(buffer).cast("B")
            n = len(view) if nbytes == 0 else nbytes
            view[:min(n, len(data))] = data[:n]
            return len(data)
        parts = [as_part(part, copy, track, more)]
        while more and self._returned:
            part, more = self._returned.pop(0)
            parts.append(as_part(part, copy, track, more))
        if more:  # the rest of the message is still in the socket, all there
            parts.extend(recv_parts(holder, 0, copy, track))
        return parts

    cdef int _returned_events(self) noexcept:
        return ZMQ_POLLIN if self._returned else 0

    cdef int rcvmore(self) except -1:
        """The socket's RCVMORE as its receivers see it: after a part that was given
        back, whether more of that message follows."""
        cdef int more = 0
        cdef size_t size = sizeof(int)
        if self._given_more >= 0:
            return self._given_more
        cdef Socket holder = self._socket()
        if holder is not None:
            zmq_getsockopt(holder.handle, ZMQ_RCVMORE, &more, &size)
        return more

    # ---- helpers ------------------------------------------------------------

    cdef bint _runs_here(self) except -1:
        """Whether the driver says that this watcher's loop runs in this thread
        (for a loop asyncio does not run: see current() in the driver protocol)."""
        if self._current is None or self.loop is None:
            return False
        try:
            return self._current() is self.loop
        except RuntimeError:
            return False

    cdef bint _relays_here(self) except -1:
        """Whether an operation started in this thread is relayed to the loop's:
        the loop runs in another thread and the driver can relay."""
        return self._relay is not None and self._elsewhere() and not self._runs_here()

    def relay(self, int op, payload=None, int flags=0, bint copy=True, bint track=False,
              Py_ssize_t nbytes=0, int timeout_ms=TIMEOUT_OF_SOCKET):
        """Start op from another thread than the loop's: the loop's thread submits
        it; returns the driver's future of the loop that follows it there."""
        return self._relay(partial(self.submit, op, payload, flags, copy, track, nbytes,
                                   timeout_ms))

    cdef inline Socket _socket(self):
        """The socket's state holder; None once detached (or the socket is gone)."""
        if self._holder_ref is None:
            return None
        holder = <object>PyWeakref_GetObject(self._holder_ref)
        return None if holder is None else <Socket>holder

    cdef Socket _enter(self):
        cdef Socket holder = self._socket()
        if holder is None:
            raise_closed()
        return enter(holder)

    cdef bint _has_waiters(self) noexcept:
        return self._recv_count > 0 or self._send_count > 0 or len(self._polls) > 0

    cdef inline void _count(self, int op, Py_ssize_t change) noexcept:
        if op >= OP_RECV:
            self._recv_count += change
        else:
            self._send_count += change

    cdef int _schedule(self) except -1:
        if not self._scheduled:
            try:
                self.driver.call_soon(self._serve_callback)
            except RuntimeError:
                return 0  # the loop is closed: nothing can serve (a sync call goes on)
            self._scheduled = True
        return 0


cdef object as_part(object part, bint copy, bint track, bint more):
    """A given-back part in the form a receive asked for."""
    cdef Frame frame
    if copy:
        return part.bytes if isinstance(part, Frame) else part
    if isinstance(part, Frame):
        return part
    frame = Frame(part)
    frame.more = more
    if track:
        frame.tracker = MessageTracker()
    return frame


def finish_handed_over_close(Socket holder):
    """The loop's end of a close handed over by closes_in_loop_thread(), or of one
    that Context.term() finds still pending in the thread that terminates."""
    if holder.handle != NULL and holder._closing and holder._waiter == NULL:
        finish_deferred_close(holder)


def close_and_tell(Socket holder, done):
    """finish_handed_over_close(holder), then done.set()."""
    try:
        finish_handed_over_close(holder)
    finally:
        done.set()


def given_back_events(Socket socket not None):
    """POLLIN if socket's Watcher holds parts given back by cancelled receives
    (a message that libzmq's poll cannot see any more), else 0."""
    watcher = holder_of(socket)._watcher
    return 0 if watcher is None else (<Watcher>watcher)._returned_events()


def watcher_of(Socket socket not None):
    """The Watcher serving socket's libzmq socket, or None."""
    return holder_of(socket)._watcher
