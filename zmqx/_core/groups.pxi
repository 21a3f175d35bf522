# RADIO/DISH groups (draft API): what Socket.join and Socket.leave call, looked up
# at run time like the draft message API in frame.pxi.

cdef extern from *:
    """
    typedef int (*zmqx_group_call_fn)(void *, const char *);
    """
    ctypedef int (*zmqx_group_call_fn)(void *, const char *) noexcept nogil

cdef zmqx_group_call_fn _zmq_join = <zmqx_group_call_fn>zmqx_draft_symbol("zmq_join")
cdef zmqx_group_call_fn _zmq_leave = <zmqx_group_call_fn>zmqx_draft_symbol("zmq_leave")


cdef int group_call(zmqx_group_call_fn call, str what, Socket sock, group) except -1:
    require_draft(<void *>call, what)
    cdef Socket s = enter(sock)
    if isinstance(group, str):
        group = group.encode("utf-8")
    if not isinstance(group, bytes):
        raise TypeError(f"group must be str or bytes, not {type(group).__name__}")
    if call(s.handle, <const char *>group) < 0:
        raise_zmq_error()
    return 0
