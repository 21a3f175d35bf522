# The error funnel: every failing libzmq call ends here.

from zmqx.error import Again, ContextTerminated, InterruptedSystemCall, ZMQError


def strerror(int errno):
    """Describe a libzmq or system error number."""
    return zmq_strerror(errno).decode("utf-8", "replace")


def zmq_errno():
    """The calling thread's last libzmq error number."""
    return zmq_errno_c()


cdef object error_for(int errnum, str msg=None):
    """The exception for errnum, returned (not raised) so async callers can store it."""
    if errnum == EAGAIN:
        return Again(errnum, msg)
    if errnum == ETERM:
        return ContextTerminated(errnum, msg)
    if errnum == EINTR:
        return InterruptedSystemCall(errnum, msg)
    return ZMQError(errnum, msg)


cdef object endpoint_error(int errnum, addr):
    """The exception for a failed bind/connect/unbind/disconnect of addr."""
    msg = zmq_strerror(errnum).decode("utf-8", "replace")
    text = addr.decode("utf-8", "replace") if isinstance(addr, bytes) else addr
    if errnum == errno.ENAMETOOLONG and text.startswith("ipc://"):
        msg = (f"ipc path {text[6:]!r} is longer than the system's limit of "
               f"{IPC_PATH_MAX_LEN} characters (zmqx.IPC_PATH_MAX_LEN)")
    return error_for(errnum, f"{msg} (addr={addr!r})")


cdef int raise_zmq_error(int errnum=-1) except -1:
    """Raise the exception for errnum (default: the thread's current libzmq errno)."""
    if errnum < 0:
        errnum = zmq_errno_c()
    raise error_for(errnum)


cdef int check_signals() except -1:
    """Run Python signal handlers now; raises what they raise (e.g. KeyboardInterrupt)."""
    if PyErr_CheckSignals() < 0:
        return -1
    return 0
