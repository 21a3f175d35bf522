# Frame (one message part), message trackers, and turning Python objects into messages.

from zmqx.error import NotDone

from cpython.buffer cimport PyBuffer_FillInfo

# Below this size a copy=False send copies anyway: copying a few KiB costs less
# than tracking the buffer's lifetime.
COPY_THRESHOLD = 65536

cdef extern from *:
    """
    #include <dlfcn.h>
    typedef uint32_t (*zmqx_routing_id_fn)(zmq_msg_t *);
    typedef int (*zmqx_set_routing_id_fn)(zmq_msg_t *, uint32_t);
    typedef const char *(*zmqx_group_fn)(zmq_msg_t *);
    typedef int (*zmqx_set_group_fn)(zmq_msg_t *, const char *);
    /* The draft message API exists only in libzmq built with drafts. */
    static void *zmqx_draft_symbol(const char *name) { return dlsym(RTLD_DEFAULT, name); }
    """
    ctypedef uint32_t (*zmqx_routing_id_fn)(zmq_msg_t *)
    ctypedef int (*zmqx_set_routing_id_fn)(zmq_msg_t *, uint32_t)
    ctypedef const char *(*zmqx_group_fn)(zmq_msg_t *)
    ctypedef int (*zmqx_set_group_fn)(zmq_msg_t *, const char *)
    void *zmqx_draft_symbol(const char *name)


cdef zmqx_routing_id_fn _msg_routing_id = <zmqx_routing_id_fn>zmqx_draft_symbol(
    "zmq_msg_routing_id")
cdef zmqx_set_routing_id_fn _msg_set_routing_id = <zmqx_set_routing_id_fn>zmqx_draft_symbol(
    "zmq_msg_set_routing_id")
cdef zmqx_group_fn _msg_group = <zmqx_group_fn>zmqx_draft_symbol("zmq_msg_group")
cdef zmqx_set_group_fn _msg_set_group = <zmqx_set_group_fn>zmqx_draft_symbol("zmq_msg_set_group")


cdef int require_draft(void *fn, str what) except -1:
    if fn == NULL:
        raise RuntimeError(f"{what} needs libzmq built with draft support")
    return 0


cdef class _ReleaseSignal:
    """Becomes done when libzmq has released every message made with it."""

    cdef zmqx_tracker *state

    def __dealloc__(self):
        if self.state != NULL:
            zmqx_tracker_decref(self.state)

    @property
    def done(self):
        return bool(zmqx_tracker_done(self.state))

    def wait(self, timeout=-1):
        """Wait up to timeout seconds (negative: forever); True when done."""
        cdef int64_t deadline = -1
        cdef int64_t left
        cdef int done = 0
        if timeout is not None and timeout >= 0:
            deadline = zmqx_now_ms() + <int64_t>(timeout * 1000)
        while True:
            # Slices, so that Ctrl-C reaches a waiting main thread.
            left = SIGNAL_SLICE_MS if deadline < 0 else min(
                SIGNAL_SLICE_MS, max(0, deadline - zmqx_now_ms()))
            with nogil:
                done = zmqx_tracker_wait(self.state, left)
            if done:
                return True
            check_signals()
            if deadline >= 0 and zmqx_now_ms() >= deadline:
                return False


cdef _ReleaseSignal new_release_signal():
    cdef _ReleaseSignal signal = _ReleaseSignal.__new__(_ReleaseSignal)
    signal.state = zmqx_tracker_new()
    if signal.state == NULL:
        raise MemoryError()
    return signal


class _ReleaseEvent(threading.Event):
    """A threading.Event that is set once libzmq has released a zero-copy buffer
    (Frame.tracker_event). libzmq alone sets it: set() and clear() raise."""

    def __init__(self, signal):
        super().__init__()
        self._signal = signal

    def is_set(self):
        """True once libzmq has released the buffer."""
        return self._signal.done

    isSet = is_set

    def wait(self, timeout=None):
        """Wait up to timeout seconds (None: forever); True once released."""
        return self._signal.wait(timeout)

    def set(self):
        raise TypeError("a tracker event is set by libzmq releasing the buffer, not by set()")

    def clear(self):
        raise TypeError("a tracker event cannot be cleared: the buffer was released")

    def __repr__(self):
        return f"<{type(self).__name__} {'set' if self.is_set() else 'unset'}>"


class MessageTracker:
    """Tells when libzmq is done with zero-copy messages, so their buffers may change.

    ``MessageTracker(*towatch)`` watches Frames (made with track=True), other trackers
    and threading.Event objects; it is done when all of them are.
    """

    def __init__(self, *towatch):
        self.events = set()
        self.peers = set()
        self._signals = []
        self._event = None  # Frame.tracker_event's view of the first signal, once asked for
        for obj in towatch:
            if isinstance(obj, _ReleaseSignal):
                self._signals.append(obj)
            elif isinstance(obj, threading.Event):
                self.events.add(obj)
            elif isinstance(obj, MessageTracker):
                self.peers.add(obj)
            elif isinstance(obj, Frame):
                if obj.tracker is None:
                    raise ValueError("Not a tracked message")
                self.peers.add(obj.tracker)
            else:
                raise TypeError(f"Require Events or Message Frames, not {type(obj)}")

    @property
    def done(self):
        """True once libzmq has released everything watched."""
        return (all(s.done for s in self._signals)
                and all(e.is_set() for e in self.events)
                and all(p.done for p in self.peers))

    def wait(self, timeout=-1):
        """Wait until done; raise NotDone if timeout seconds (negative: no limit) pass first."""
        if timeout is None or timeout < 0:
            deadline = None
        else:
            deadline = zmqx_now_ms() / 1000.0 + timeout
        for waitable in (*self._signals, *self.events, *self.peers):
            left = -1 if deadline is None else max(0.0, deadline - zmqx_now_ms() / 1000.0)
            if isinstance(waitable, threading.Event):
                waitable.wait(None if left < 0 else left)
            else:
                waitable.wait(left)
        if not self.done:
            raise NotDone()

    def __repr__(self):
        return f"<{type(self).__name__} done={self.done}>"


# A tracker that is already done: returned where nothing needed tracking.
_FINISHED_TRACKER = MessageTracker()


cdef int init_zero_copy(zmq_msg_t *msg, object data, _ReleaseSignal signal) except -1:
    """Make msg refer to data's buffer, which stays exported until libzmq lets go."""
    cdef zmqx_release *release = <zmqx_release *>malloc(sizeof(zmqx_release))
    if release == NULL:
        raise MemoryError()
    try:
        PyObject_GetBuffer(data, &release.view, PyBUF_ANY_CONTIGUOUS)
    except BaseException:
        free(release)
        raise
    release.tracker = NULL
    if zmq_msg_init_data(msg, release.view.buf, <size_t>release.view.len,
                         zmqx_free_zero_copy, release) < 0:
        # libzmq did not take the buffer, so its free function will never run
        PyBuffer_Release(&release.view)
        free(release)
        raise_zmq_error()
    if signal is not None:
        # safe after init: nothing can free the message before it is sent
        release.tracker = signal.state
        zmqx_tracker_add_pending(signal.state)
    if zmqx_releases_waiting():
        zmqx_drain_releases()
    return 0


cdef int init_copy(zmq_msg_t *msg, object data) except -1:
    """Make msg a private copy of data's bytes."""
    cdef Py_buffer view
    if isinstance(data, bytes):
        return init_copy_from(msg, PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))
    reject_non_buffer(data)
    PyObject_GetBuffer(data, &view, PyBUF_ANY_CONTIGUOUS)
    try:
        init_copy_from(msg, <const char *>view.buf, view.len)
    finally:
        PyBuffer_Release(&view)
    return 0


cdef int init_copy_from(zmq_msg_t *msg, const char *data, Py_ssize_t size) except -1:
    if zmq_msg_init_size(msg, <size_t>size) < 0:
        raise_zmq_error()
    if size:
        memcpy(zmq_msg_data(msg), data, <size_t>size)
    return 0


cdef int reject_non_buffer(object data) except -1:
    if isinstance(data, str):
        raise TypeError("unicode not allowed, use send_string")
    if not PyObject_CheckBuffer(data):
        raise TypeError(
            f"expected bytes or an object with the buffer interface, not {type(data).__name__}")
    return 0


cdef Py_ssize_t buffer_length(object data) except -1:
    cdef Py_buffer view
    if isinstance(data, bytes):
        return PyBytes_GET_SIZE(data)
    reject_non_buffer(data)
    PyObject_GetBuffer(data, &view, PyBUF_ANY_CONTIGUOUS)
    cdef Py_ssize_t n = view.len
    PyBuffer_Release(&view)
    return n


cdef class Frame:
    """One message part, held by libzmq (alias: Message).

    Frame(data=None, track=False, copy=None, copy_threshold=None). With copy=False
    (or copy=None and data at least copy_threshold bytes) the frame refers to
    data's buffer without copying it; track=True attaches a MessageTracker that
    tells when libzmq has let go of that buffer.
    """

    def __cinit__(self, *args, **kwargs):
        zmq_msg_init(&self.msg)

    def __init__(self, data=None, track=False, copy=None, copy_threshold=None):
        cdef _ReleaseSignal signal = None
        if data is None:
            return
        if isinstance(data, str):
            raise TypeError("Str objects not allowed. Only: bytes, buffer interfaces.")
        reject_non_buffer(data)
        if copy_threshold is None:
            copy_threshold = user_setting("COPY_THRESHOLD", COPY_THRESHOLD)
        if copy is None:
            copy = buffer_length(data) < copy_threshold
        zmq_msg_close(&self.msg)
        zmq_msg_init(&self.msg)
        if copy:
            init_copy(&self.msg, data)
            if track:
                self.tracker = MessageTracker()  # a private copy: nothing to wait for
        elif track:
            signal = new_release_signal()
            init_zero_copy(&self.msg, data, signal)
            self.tracker = MessageTracker(signal)
        else:
            init_zero_copy(&self.msg, data, None)
        if not copy:
            # the frame shows the caller's own buffer: writable only if that was
            memview = memoryview(data)
            self._readonly = memview.readonly
            memview.release()

    def __dealloc__(self):
        zmq_msg_close(&self.msg)

    def __getbuffer__(self, Py_buffer *view, int flags):
        PyBuffer_FillInfo(view, self, zmq_msg_data(&self.msg), <Py_ssize_t>zmq_msg_size(&self.msg),
                          self._readonly, flags)

    def __len__(self):
        return zmq_msg_size(&self.msg)

    def __copy__(self):
        """A new Frame sharing this one's data (no byte copy for large frames)."""
        cdef Frame other = Frame.__new__(Frame)
        if zmq_msg_copy(&other.msg, &self.msg) < 0:
            raise_zmq_error()
        other._readonly = self._readonly
        other.tracker = self.tracker
        other.more = self.more
        return other

    fast_copy = __copy__

    @property
    def tracker_event(self):
        """A threading.Event set once libzmq has released this frame's zero-copy
        buffer; None when nothing is tracked (track=False, or the data was copied)."""
        tracker = self.tracker
        if tracker is None or not tracker._signals:
            return None
        if tracker._event is None:
            tracker._event = _ReleaseEvent(tracker._signals[0])
        return tracker._event

    @property
    def bytes(self):
        """The frame's data as bytes (copied once, then cached)."""
        if self._bytes is None:
            self._bytes = PyBytes_FromStringAndSize(
                <char *>zmq_msg_data(&self.msg), <Py_ssize_t>zmq_msg_size(&self.msg))
        return self._bytes

    @property
    def buffer(self):
        """A memoryview of the frame's data, without copying: the same one on
        every access while it is in use."""
        # Held weakly: a strong reference would be a cycle (the view refers to the
        # frame), keeping a zero-copy frame's buffer exported until a gc pass.
        view = self._buffer() if self._buffer is not None else None
        if view is None:
            view = memoryview(self)
            self._buffer = weakref.ref(view)
        return view

    def __bytes__(self):
        return self.bytes

    def get(self, option):
        """A message property: an int option (MORE, SHARED, SRCFD) or a metadata
        name such as "Peer-Address", "Socket-Type", "User-Id"."""
        cdef int rc
        cdef const char *value
        if isinstance(option, (str, bytes)):
            key = option.encode("utf-8") if isinstance(option, str) else option
            value = zmq_msg_gets(&self.msg, <const char *>key)
            if value == NULL:
                raise_zmq_error()
            return value.decode("utf-8", "replace")
        rc = zmq_msg_get(&self.msg, <int>option)
        if rc < 0:
            raise_zmq_error()
        return rc

    def __getitem__(self, key):
        """frame[key] is frame.get(key), e.g. frame["Peer-Address"]."""
        return self.get(key)

    def set(self, option, int value):
        """Set an int message property."""
        if zmq_msg_set(&self.msg, <int>option, value) < 0:
            raise_zmq_error()

    @property
    def routing_id(self):
        """The routing id of a message to or from a SERVER socket (draft API)."""
        require_draft(<void *>_msg_routing_id, "routing_id")
        cdef uint32_t rid = _msg_routing_id(&self.msg)
        return rid if rid else None

    @routing_id.setter
    def routing_id(self, value):
        require_draft(<void *>_msg_set_routing_id, "routing_id")
        if value is None:
            value = 0
        if _msg_set_routing_id(&self.msg, <uint32_t>value) < 0:
            raise_zmq_error()

    @property
    def group(self):
        """The group of a message to or from a RADIO/DISH socket (draft API)."""
        require_draft(<void *>_msg_group, "group")
        cdef const char *name = _msg_group(&self.msg)
        return name.decode("utf-8") if name != NULL and name[0] else None

    @group.setter
    def group(self, value):
        require_draft(<void *>_msg_set_group, "group")
        if isinstance(value, str):
            value = value.encode("utf-8")
        if _msg_set_group(&self.msg, <const char *>value) < 0:
            raise_zmq_error()

    def __repr__(self):
        cdef Py_ssize_t size = <Py_ssize_t>zmq_msg_size(&self.msg)
        data = PyBytes_FromStringAndSize(<char *>zmq_msg_data(&self.msg), min(size, 32))
        more = "..." if size > 32 else ""
        return f"<{type(self).__module__.split('.')[0]}.Frame({data!r}{more})>"

    __str__ = __repr__


Message = Frame


cdef Frame frame_from_msg(zmq_msg_t *msg):
    """Wrap a received message (moved out of msg) in a Frame."""
    cdef Frame frame = Frame.__new__(Frame)
    zmq_msg_move(&frame.msg, msg)
    frame.more = zmq_msg_more(&frame.msg)
    return frame
