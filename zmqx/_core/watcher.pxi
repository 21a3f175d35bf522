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
# A driver for green threads (WaitingSocket, at the end) gives pending futures a
# wait() too: it blocks the calling green thread until the future is done.

from collections import deque

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

    def dropped(self):
        """Its future was cancelled, or its task gave up waiting (the adapter's
        notice): the waiter no longer keeps its socket alive."""
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
    # Waiters in _recv and _send (dead ones included): cheaper to test than the deques
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

    def __init__(self, Socket socket not None, driver):
        cdef Socket holder = enter(socket)
        if holder._watcher is not None:
            (<Watcher>holder._watcher).detach()
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
        holder._watcher = self

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
                self._finish(<Waiter>queue.popleft())
                self._count(op, -1)
            queue.append(w)
            self._count(op, 1)
        # The attempt that found the socket not ready may have consumed the FD's
        # edge: look at readiness now, then sleep on the FD only if nothing is ready.
        if (fresh_readiness(holder) | self._returned_events()) & waits_for(op, w.flags):
            self._schedule()
        if not self._watching:
            self.driver.watch(self._fd, self._on_fd_callback)
            self._watching = True
        return w.future

    # ---- serving ----------------------------------------------------------

    def serve(self):
        """Complete the waiters that can complete now (the driver's callback)."""
        cdef Socket holder = self._socket()
        self._scheduled = False
        if holder is None or self._serving:
            return
        if holder.handle == NULL or holder._closing:
            self.socket_closing(holder._closing or CLOSED_BY_SOCKET)
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
                self._count(kind, -1)
                self._finish(w)
                continue
            try:
                result = self._try(holder, w.op, w.payload, w.flags, w.copy, w.track, w.nbytes)
            except Exception as e:
                queue.popleft()
                self._count(kind, -1)
                self._finish(w)
                w.future.set_exception(e)
                moved += 1
                continue
            if result is NOT_READY:
                break
            queue.popleft()
            self._count(kind, -1)
            self._finish(w)
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
        self._finish(w)  # last: it may drop the socket's last reference

    cdef int _finish(self, Waiter w) except -1:
        """w is done with (completed, or not wanted any more): stop its timer and
        let go of its socket (the caller holds the socket while it works on it)."""
        if w.timer is not None:
            w.timer.cancel()
            w.timer = None
        w.keep = None
        return 0

    # ---- what the rest of the core tells the watcher ------------------------

    cdef int operation_happened(self) except -1:
        """An operation runs on the socket: it may consume the FD's edge, so the
        waiters must be looked at once it is done."""
        if not self._serving and self._has_waiters():
            self._schedule()
        return 0

    cdef int socket_closing(self, int closed_by) except -1:
        """The socket closes (closed_by: CLOSED_BY_SOCKET or CLOSED_BY_CONTEXT): let
        go of its FD while it is still valid."""
        return self._detach(closed_by)

    def detach(self):
        """Stop serving the socket: stop watching its FD and cancel (or abandon,
        see the driver protocol) every pending waiter: no future outlives its watcher."""
        self._detach(CLOSED_BY_SOCKET)

    cdef int _detach(self, int closed_by) except -1:
        # The socket's reference may be the last one to this watcher (a cdef method
        # holds none): without this one, the collector could free it mid-way.
        cdef Watcher alive = self
        cdef list waiters = list(self._recv) + list(self._send) + self._polls
        cdef Socket holder = self._socket()
        if self._holder_ref is None:
            return 0
        if self._watching:
            self._watching = False
            self.driver.unwatch(self._fd)
        if holder is not None and holder._watcher is self:
            holder._watcher = None
        self._holder_ref = None
        self.loop = self._loop_mark = None
        self._recv = deque()
        self._send = deque()
        self._polls = []
        self._recv_count = self._send_count = 0
        abandon = getattr(self.driver, "abandon", None)
        for w in waiters:
            self._finish(<Waiter>w)
            if abandon is not None:
                if not (<Waiter>w).future.done():
                    abandon((<Waiter>w).future, closed_while_waiting(closed_by))
                continue
            try:
                (<Waiter>w).future.cancel()
            except RuntimeError:
                pass  # its loop is closed: cancelled all the same, no callback can run
        return 0

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
            self._scheduled = True
            self.driver.call_soon(self._serve_callback)
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


def watcher_of(Socket socket not None):
    """The Watcher serving socket's libzmq socket, or None."""
    return holder_of(socket)._watcher


# ---- sockets whose methods return futures -----------------------------------

cdef class LoopSocket(Socket):
    """The message methods of a Socket in an event loop, compiled: each starts its
    operation through _start(), which FutureSocket (a future of the running
    asyncio loop) and WaitingSocket (blocking the green thread) define."""

    cdef object _start(self, int op, object payload, int flags, bint copy, bint track,
                       Py_ssize_t nbytes, int timeout_ms):
        raise TypeError(f"{type(self).__name__} derives from LoopSocket, not from "
                        f"FutureSocket or WaitingSocket")

    def send(self, data, int flags=0, bint copy=True, bint track=False, routing_id=None,
             group=None):
        """Send one message part (as Socket.send does, in this socket's loop)."""
        if routing_id is not None or group is not None:
            data = addressed(holder_of(self), data, copy, track, routing_id, group)
        return self._start(OP_SEND, data, flags, copy, track, 0, TIMEOUT_OF_SOCKET)

    def recv(self, int flags=0, bint copy=True, bint track=False):
        """Receive one message part: bytes (a Frame if copy=False)."""
        return self._start(OP_RECV, None, flags, copy, track, 0, TIMEOUT_OF_SOCKET)

    def send_multipart(self, msg_parts, int flags=0, bint copy=True, bint track=False,
                       **kwargs):
        """Send a multipart message, whole."""
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {', '.join(kwargs)}")
        return self._start(OP_SEND_MULTIPART, msg_parts, flags, copy, track, 0,
                           TIMEOUT_OF_SOCKET)

    def recv_multipart(self, int flags=0, bint copy=True, bint track=False):
        """Receive every part of one message as a list."""
        return self._start(OP_RECV_MULTIPART, None, flags, copy, track, 0, TIMEOUT_OF_SOCKET)

    def recv_into(self, buffer, /, *, nbytes=0, int flags=0):
        """Receive one part into buffer; its full size."""
        return self._start(OP_RECV_INTO, buffer, flags, True, False, nbytes,
                           TIMEOUT_OF_SOCKET)


cdef class FutureSocket(LoopSocket):
    """A LoopSocket whose operations return futures of the running loop: asyncio's,
    or another whose driver has current() (trio's). A subclass provides
    _serving(): the socket's Watcher in the current loop, made when the running
    one has none."""

    cdef object _start(self, int op, object payload, int flags, bint copy, bint track,
                       Py_ssize_t nbytes, int timeout_ms):
        cdef object watcher = holder_of(self)._watcher
        cdef object mark = loop_mark()
        if watcher is None or mark is None or (<Watcher>watcher)._loop_mark is not mark:
            # not the loop this watcher was last used in, or no way to tell
            loop = None if mark is NO_LOOP else _get_running_loop()
            if watcher is None or not ((<Watcher>watcher).loop is loop if loop is not None
                                       else (<Watcher>watcher)._runs_here()):
                watcher = self._serving()
            if loop is not None and (<Watcher?>watcher).loop is loop:
                (<Watcher>watcher)._loop_mark = mark
        return (<Watcher?>watcher)._submit(op, payload, flags, copy, track, nbytes, timeout_ms)


# ---- sockets whose blocking methods wait in a green thread -------------------

cdef class WaitingSocket(LoopSocket):
    """A LoopSocket whose blocking methods block only the calling green thread
    (gevent and the like): an operation that can complete does so at once; one
    that must wait is queued on the socket's Watcher, and the driver's pending
    future blocks the caller in wait() (its result, or its exception raised). A
    subclass provides _current_loop(): the current thread's loop (as its driver's
    `loop` attribute names it), and _serving(): the socket's Watcher in that loop,
    made when there is none."""

    cdef object _start(self, int op, object payload, int flags, bint copy, bint track,
                       Py_ssize_t nbytes, int timeout_ms):
        cdef object found = holder_of(self)._watcher
        if found is None or (<Watcher>found).loop is not self._current_loop():
            found = self._serving()
        cdef Watcher watcher = <Watcher?>found
        result = watcher._attempt(op, payload, flags, copy, track, nbytes)
        if result is not NOT_READY:
            return result
        if op == OP_POLL:  # flags are the events wanted, not send/recv flags
            if timeout_ms == 0:
                return 0
        elif flags & ZMQ_DONTWAIT:
            raise Again()
        return watcher._enqueue(op, payload, flags, copy, track, nbytes, timeout_ms).wait()

    def poll(self, timeout=None, int flags=ZMQ_POLLIN):
        """Wait (this green thread only) up to timeout ms (None or negative:
        forever) for flags; the events that are ready (0 on timeout)."""
        if self.closed:
            raise ZMQError(ENOTSUP)  # pyzmq's errno for poll() on a closed socket
        if flags == 0:
            raise ValueError("poll needs flags (POLLIN and/or POLLOUT)")
        timeout_ms = -1 if timeout is None or timeout < 0 else int(timeout)
        return self._start(OP_POLL, None, flags, True, False, 0, timeout_ms)
