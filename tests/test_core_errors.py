"""Exceptions, errno helpers and version information."""

from __future__ import annotations

import errno
import re
import time

import pytest

pytestmark = pytest.mark.timeout(10)


# ---------------------------------------------------------------------------
# exception classes
# ---------------------------------------------------------------------------


def test_exception_hierarchy(zmq):
    assert issubclass(zmq.ZMQBaseError, Exception)
    assert issubclass(zmq.ZMQError, zmq.ZMQBaseError)
    assert issubclass(zmq.Again, zmq.ZMQError)
    assert issubclass(zmq.ContextTerminated, zmq.ZMQError)
    assert issubclass(zmq.InterruptedSystemCall, zmq.ZMQError)
    assert issubclass(zmq.InterruptedSystemCall, InterruptedError)
    assert issubclass(zmq.NotDone, zmq.ZMQBaseError)
    assert not issubclass(zmq.NotDone, zmq.ZMQError)
    assert issubclass(zmq.ZMQBindError, zmq.ZMQBaseError)
    assert not issubclass(zmq.ZMQBindError, zmq.ZMQError)
    # version errors are NotImplementedErrors, outside the ZMQBaseError tree
    assert issubclass(zmq.ZMQVersionError, NotImplementedError)
    assert not issubclass(zmq.ZMQVersionError, zmq.ZMQBaseError)


def test_exceptions_reachable_from_error_module(zmq):
    import importlib

    err = importlib.import_module(f"{zmq.__name__}.error")
    for name in (
        "ZMQBaseError",
        "ZMQError",
        "Again",
        "ContextTerminated",
        "NotDone",
        "ZMQBindError",
        "ZMQVersionError",
        "InterruptedSystemCall",
    ):
        assert getattr(err, name) is getattr(zmq, name), name


def test_zmqerror_with_errno_and_message(zmq):
    e = zmq.ZMQError(errno.EINVAL, "custom message")
    assert e.errno == errno.EINVAL
    assert e.strerror == "custom message"
    assert str(e) == "custom message"
    assert repr(e) == "ZMQError('custom message')"
    assert isinstance(e, Exception)


def test_zmqerror_message_defaults_to_strerror(zmq):
    e = zmq.ZMQError(errno.EAGAIN)
    assert e.errno == errno.EAGAIN
    assert e.strerror == zmq.strerror(errno.EAGAIN)
    assert str(e) == zmq.strerror(errno.EAGAIN)
    # constructing ZMQError with EAGAIN does *not* produce the Again subclass
    assert type(e) is zmq.ZMQError


def test_zmq_specific_errno_strerror(zmq):
    e = zmq.ZMQError(zmq.ETERM)
    assert e.errno == zmq.ETERM
    assert str(e) == "Context was terminated"
    assert zmq.strerror(zmq.EFSM) == "Operation cannot be accomplished in current state"


def test_zmqerror_without_errno_uses_zmq_errno(zmq):
    e = zmq.ZMQError()
    assert isinstance(e.errno, int)
    assert e.strerror == zmq.strerror(e.errno)


def test_again_and_context_terminated_fix_their_errno(zmq):
    a = zmq.Again()
    assert a.errno == errno.EAGAIN
    assert str(a) == zmq.strerror(errno.EAGAIN)
    # arguments are ignored: the errno is always EAGAIN
    assert zmq.Again(errno.EINVAL, "whatever").errno == errno.EAGAIN
    t = zmq.ContextTerminated()
    assert t.errno == zmq.ETERM
    assert str(t) == "Context was terminated"
    i = zmq.InterruptedSystemCall()
    assert i.errno == errno.EINTR
    assert str(i).startswith(zmq.strerror(errno.EINTR))


def test_version_error_message(zmq):
    e = zmq.ZMQVersionError("4.0")
    assert "4.0" in str(e)
    assert e.min_version == "4.0"


def test_strerror_and_errno(zmq):
    assert zmq.strerror(zmq.EAGAIN) == "Resource temporarily unavailable"
    assert zmq.strerror(errno.EINVAL) == "Invalid argument"
    assert isinstance(zmq.zmq_errno(), int)
    assert zmq.EAGAIN == errno.EAGAIN
    assert zmq.ENOTSOCK == errno.ENOTSOCK


# ---------------------------------------------------------------------------
# errors raised by real operations
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["NOBLOCK", "DONTWAIT"])
def test_again_on_nonblocking_recv(ctx, zmq, flag):
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://again-recv")
    with pytest.raises(zmq.Again) as info:
        s.recv(getattr(zmq, flag))
    assert info.value.errno == zmq.EAGAIN
    with pytest.raises(zmq.Again):
        s.recv(getattr(zmq, flag), copy=False)
    with pytest.raises(zmq.Again):
        s.recv_multipart(getattr(zmq, flag))


def test_again_on_nonblocking_send_without_peer(ctx, zmq):
    s = ctx.socket(zmq.PUSH)
    with pytest.raises(zmq.Again):
        s.send(b"x", zmq.NOBLOCK)


def test_again_on_rcvtimeo(ctx, zmq):
    s = ctx.socket(zmq.PULL)
    s.rcvtimeo = 50
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        s.recv()
    elapsed = time.monotonic() - t0
    assert 0.04 <= elapsed < 2.0


def test_again_on_sndtimeo(ctx, zmq):
    s = ctx.socket(zmq.PUSH)  # no peer: send would block forever
    s.sndtimeo = 50
    t0 = time.monotonic()
    with pytest.raises(zmq.Again):
        s.send(b"x")
    elapsed = time.monotonic() - t0
    assert 0.04 <= elapsed < 2.0


def test_efsm_from_req_recv_before_send(ctx, zmq):
    s = ctx.socket(zmq.REQ)
    with pytest.raises(zmq.ZMQError) as info:
        s.recv()
    assert info.value.errno == zmq.EFSM


def test_context_terminated_wakes_blocked_recv(ctx, zmq, bg):
    s = ctx.socket(zmq.PULL)
    s.bind("inproc://ctx-term")

    def blocked():
        try:
            s.recv()
        finally:
            s.close()

    t = bg(blocked)
    time.sleep(0.1)
    assert t.is_alive()
    ctx.term()
    t.join(5)
    assert not t.is_alive()
    assert isinstance(t.exc, zmq.ContextTerminated)
    assert t.exc.errno == zmq.ETERM
    assert ctx.closed


# ---------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------


def test_zmq_version(zmq):
    v = zmq.zmq_version()
    assert isinstance(v, str)
    assert re.fullmatch(r"\d+\.\d+\.\d+", v)
    info = zmq.zmq_version_info()
    assert isinstance(info, tuple)
    assert len(info) == 3
    assert all(isinstance(x, int) for x in info)
    assert ".".join(map(str, info)) == v
    assert info >= (4, 0, 0)


def test_package_versions(zmq):
    assert isinstance(zmq.__version__, str) and zmq.__version__
    pv = zmq.pyzmq_version()
    assert isinstance(pv, str) and pv
    info = zmq.pyzmq_version_info()
    assert isinstance(info, tuple)
    assert all(isinstance(x, int) for x in info[:3])
    assert pv.startswith(".".join(map(str, info[:3])))


def test_has(zmq):
    assert zmq.has("ipc") is True
    assert zmq.has("nonsense") is False
    assert isinstance(zmq.has("curve"), bool)
    assert isinstance(zmq.has("draft"), bool)


def test_module_constants(zmq):
    assert isinstance(zmq.IPC_PATH_MAX_LEN, int)
    assert zmq.IPC_PATH_MAX_LEN > 0
    assert isinstance(zmq.DRAFT_API, bool)
    assert isinstance(zmq.COPY_THRESHOLD, int)
    assert zmq.COPY_THRESHOLD == 65536
    assert zmq.NOBLOCK == zmq.DONTWAIT
    assert int(zmq.POLLIN) == 1 and int(zmq.POLLOUT) == 2 and int(zmq.POLLERR) == 4
    assert int(zmq.PAIR) == 0 and int(zmq.PUSH) == 8 and int(zmq.PULL) == 7
    assert int(zmq.LINGER) == 17 and int(zmq.SUBSCRIBE) == 6
