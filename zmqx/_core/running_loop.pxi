# The running asyncio loop of this thread, cheaply: what FutureSocket (watcher.pxi)
# asks before every operation, to find the socket's Watcher for that loop.
#
# Up to Python 3.11, asking asyncio for the running loop costs a getpid() system
# call (its check for a forked child), a fifth of an operation's time. There,
# asyncio's C module keeps the loop in the thread's state dict (RUNNING_LOOP_KEY),
# in a holder object made anew whenever a loop starts or stops in the thread: while
# the same holder is there, the same loop runs, and where there is none, no loop
# ever ran in the thread.

from cpython.dict cimport PyDict_GetItemWithError
from cpython.object cimport PyObject
from cpython.pystate cimport PyThreadState_GetDict
from cpython.version cimport PY_VERSION_HEX

cdef object RUNNING_LOOP_KEY = "__asyncio_running_event_loop__"
cdef object NO_LOOP = object()  # loop_mark(): no loop ever ran in this thread
cdef object _get_running_loop = None
cdef bint _marks_usable = False


cdef int learn_asyncio() except -1:
    """Import asyncio's getter on first use (importing zmqx does not import
    asyncio) and see whether loop_mark() can read what it reads."""
    global _get_running_loop, _marks_usable
    from asyncio import events
    try:
        from _asyncio import _get_running_loop as compiled
    except ImportError:  # asyncio in pure Python keeps the loop elsewhere
        compiled = None
    _get_running_loop = events._get_running_loop
    _marks_usable = PY_VERSION_HEX < 0x030C0000 and compiled is _get_running_loop
    return 0


cdef object loop_mark():
    """An object that stays in place exactly while one asyncio loop runs in this
    thread, NO_LOOP if none ever ran here, or None where asking asyncio is cheap
    (Python 3.12 on) or the mark cannot be read."""
    cdef PyObject *state
    cdef PyObject *found
    if _get_running_loop is None:
        learn_asyncio()
    if not _marks_usable:
        return None
    state = PyThreadState_GetDict()
    if state == NULL:
        return None
    found = PyDict_GetItemWithError(<object>state, RUNNING_LOOP_KEY)
    return NO_LOOP if found == NULL else <object>found


cpdef object running_loop():
    """asyncio's running loop in this thread, or None: asyncio's own
    _get_running_loop(), without its system call where it can be spared."""
    if loop_mark() is NO_LOOP:
        return None
    return _get_running_loop()
