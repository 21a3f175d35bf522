"""Misuse that must not crash the interpreter.

Most of these are promises only zmqx makes (marked ``zmqx_only``): with
pyzmq they are undefined behaviour in libzmq (crashes, hangs, assertion
failures).  ResourceWarnings on garbage collection are pyzmq behaviour too,
so those tests run against both implementations.
"""

from __future__ import annotations

import errno
import gc
import os
import select
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

pytestmark = pytest.mark.timeout(10)


def _stop_blocked_reader(sender, thread):
    """Best effort: wake a thread blocked in recv so teardown cannot hang."""
    if thread.is_alive():
        try:
            sender.send(b"unblock", 1)  # NOBLOCK
        except Exception:  # noqa: BLE001, S110 - only trying to clean up
            pass
        thread.join(2)


# ---------------------------------------------------------------------------
# threads
# ---------------------------------------------------------------------------


@pytest.mark.zmqx_only
def test_send_while_other_thread_blocked_in_recv_raises(ctx, zmq, pair, bg):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    reader = bg(a.recv)
    time.sleep(0.1)
    assert reader.is_alive(), "recv returned without a message"
    try:
        with pytest.raises(zmq.ZMQError):
            a.send(b"concurrent use")
        # the blocked recv is undisturbed and still gets the next message
        b.send(b"wake")
        reader.join(2)
        assert not reader.is_alive()
        assert reader.exc is None
        assert reader.result == b"wake"
        # once the other thread is done, the socket is usable from here
        a.send(b"after")
        assert b.poll(2000)
        assert b.recv() == b"after"
    finally:
        _stop_blocked_reader(b, reader)


@pytest.mark.zmqx_only
@pytest.mark.parametrize(
    "call",
    ["bind", "connect", "unbind", "disconnect", "setsockopt", "getsockopt", "send", "recv",
     "poll", "monitor", "fileno"],
)
def test_every_method_of_a_shadow_is_refused_while_its_owner_waits(ctx, zmq, pair, bg, call):
    """The guard is the libzmq socket's, not the Python object's: a shadow of a
    socket that another thread waits in is refused for every call."""
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    shadow = zmq.Socket.shadow(a.underlying)
    calls = {
        "bind": lambda: shadow.bind("inproc://shadow-bind"),
        "connect": lambda: shadow.connect("inproc://shadow-connect"),
        "unbind": lambda: shadow.unbind("inproc://nowhere"),
        "disconnect": lambda: shadow.disconnect("inproc://nowhere"),
        "setsockopt": lambda: shadow.setsockopt(zmq.LINGER, 0),
        "getsockopt": lambda: shadow.getsockopt(zmq.EVENTS),
        "send": lambda: shadow.send(b"x"),
        "recv": lambda: shadow.recv(zmq.NOBLOCK),
        "poll": lambda: shadow.poll(0),
        "monitor": lambda: shadow.monitor("inproc://shadow-monitor"),
        "fileno": lambda: shadow.fileno(),
    }

    def refused():
        with pytest.raises(zmq.ZMQError) as info:
            calls[call]()
        assert info.value.errno == errno.EBUSY

    _while_blocked_in_recv(a, b, bg, refused)


def _while_blocked_in_recv(a, b, bg, check):
    """Run check() while another thread waits in a.recv(); then b's message
    must still reach that thread."""
    reader = bg(a.recv)
    time.sleep(0.1)
    try:
        assert reader.is_alive(), "recv returned without a message"
        check()
        b.send(b"wake")
        reader.join(2)
        assert reader.result == b"wake"
    finally:
        _stop_blocked_reader(b, reader)


@pytest.mark.zmqx_only
def test_close_from_other_thread_wakes_blocked_recv(ctx, zmq, pair, bg):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    reader = bg(a.recv)
    time.sleep(0.1)
    assert reader.is_alive()
    t0 = time.monotonic()
    try:
        a.close()
        reader.join(2)
        assert not reader.is_alive(), "blocked recv was not woken by close()"
        assert reader.finished_at - t0 < 1.0
        assert isinstance(reader.exc, zmq.ZMQError)
        assert a.closed
        with pytest.raises(zmq.ZMQError) as info:
            a.recv(zmq.NOBLOCK)
        assert info.value.errno == zmq.ENOTSOCK
    finally:
        _stop_blocked_reader(b, reader)


SETTINGS = ("TYPE", "LINGER", "SNDHWM", "RCVHWM", "ROUTING_ID", "LAST_ENDPOINT", "RCVTIMEO",
            "SNDTIMEO", "IMMEDIATE", "MAXMSGSIZE")


def test_settings_read_while_another_thread_waits(ctx, zmq, pair, bg):
    """Options libzmq answers from the socket's settings (it processes no
    commands for them) may be read while another thread waits in recv()."""
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.linger = 123
    a.routing_id = b"me"
    before = {name: a.getsockopt(getattr(zmq, name)) for name in SETTINGS}

    def read():
        assert {name: a.getsockopt(getattr(zmq, name)) for name in SETTINGS} == before
        assert (a.linger, a.routing_id, a.type) == (123, b"me", zmq.PAIR)

    _while_blocked_in_recv(a, b, bg, read)


@pytest.mark.zmqx_only
@pytest.mark.parametrize("name", ["EVENTS", "RCVMORE", "FD"])
def test_reads_that_would_race_are_refused_while_another_thread_waits(ctx, zmq, pair, bg, name):
    """EVENTS processes the socket's commands, RCVMORE changes with every
    receive, FD drives readiness: reading them from a second thread would race
    the waiting one, as would any setsockopt."""
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)

    def refused():
        for call in (lambda: a.getsockopt(getattr(zmq, name)), lambda: a.setsockopt(zmq.LINGER, 1)):
            with pytest.raises(zmq.ZMQError) as info:
                call()
            assert info.value.errno == errno.EBUSY

    _while_blocked_in_recv(a, b, bg, refused)


@pytest.mark.timeout(30)
def test_daemon_thread_waiting_at_exit_is_quiet_and_prompt(zmq):
    """A daemon thread still blocked in recv() or a Poller when the interpreter
    exits prints nothing, and exit does not wait for it."""
    code = textwrap.dedent(
        f"""
        import threading, time
        import {zmq.__name__} as zmq
        ctx = zmq.Context()
        s = ctx.socket(zmq.PULL)
        s.bind("inproc://exit-recv")
        q = ctx.socket(zmq.PULL)
        q.bind("inproc://exit-poll")
        poller = zmq.Poller()
        poller.register(q, zmq.POLLIN)
        threading.Thread(target=s.recv, daemon=True).start()
        threading.Thread(target=poller.poll, daemon=True).start()
        time.sleep(0.3)
        print("exiting")
        """
    )
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(zmq.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH")) if p)
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=25, env=env, check=False)
    took = time.monotonic() - t0
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "exiting\n", "")
    assert took < 10


def test_context_exit_warns_about_sockets_left_open(zmq):
    """Leaving a `with Context()` block with a socket open closes it, with a
    ResourceWarning that points at the with statement."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with zmq.Context() as c:
            s = c.socket(zmq.PUSH)
            c.socket(zmq.PULL).close()
            assert caught == []
        line = sys._getframe().f_lineno - 4  # the with statement
    found = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(found) == 1, [str(w.message) for w in caught]
    assert (found[0].filename, found[0].lineno) == (__file__, line)
    assert s.closed and c.closed


@pytest.mark.zmqx_only
def test_close_from_other_thread_wakes_blocked_recv_multipart(ctx, zmq, pair, bg):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    reader = bg(a.recv_multipart)
    time.sleep(0.1)
    t0 = time.monotonic()
    try:
        a.close()
        reader.join(2)
        assert not reader.is_alive()
        assert reader.finished_at - t0 < 1.0
        assert isinstance(reader.exc, zmq.ZMQError)
    finally:
        _stop_blocked_reader(b, reader)


# ---------------------------------------------------------------------------
# garbage collection
# ---------------------------------------------------------------------------


def _collect_resource_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
        gc.collect()
    return [w for w in caught if issubclass(w.category, ResourceWarning)]


def test_unclosed_socket_warns_on_gc(ctx, zmq):
    def leak():
        s = ctx.socket(zmq.PUSH)
        s.bind("inproc://leaked")
        del s

    found = _collect_resource_warnings(leak)
    assert len(found) == 1
    assert "socket" in str(found[0].message).lower()
    # the leaked socket was closed by its finaliser: the address is free again
    s2 = ctx.socket(zmq.PUSH)
    s2.bind("inproc://leaked")


def test_unclosed_context_warns_on_gc(zmq):
    def leak():
        c = zmq.Context()
        del c

    found = _collect_resource_warnings(leak)
    assert len(found) == 1
    assert "context" in str(found[0].message).lower()


def test_closed_objects_do_not_warn(ctx, zmq):
    def tidy():
        s = ctx.socket(zmq.PUSH)
        s.close()
        del s
        c = zmq.Context()
        c.term()
        del c
        with ctx.socket(zmq.PULL):
            pass

    assert _collect_resource_warnings(tidy) == []


def test_shadow_socket_does_not_warn(ctx, zmq):
    s = ctx.socket(zmq.PUSH)

    def shadow():
        sh = zmq.Socket.shadow(s.underlying)
        del sh

    assert _collect_resource_warnings(shadow) == []
    assert not s.closed


# ---------------------------------------------------------------------------
# options
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["bind", "connect"])
def test_hwm_changes_after_bind_or_connect(ctx, zmq, endpoints, how):
    # pyzmq programs often set HWMs after bind()/connect(); libzmq applies them to
    # the existing connections too. (A peer leaving meanwhile is the regression
    # test_hwm_change_while_a_peer_leaves_never_runs_on_a_freed_pipe.)
    s = ctx.socket(zmq.DEALER)
    peer = ctx.socket(zmq.DEALER)
    s.linger = peer.linger = 0
    addr = endpoints.inproc()
    if how == "bind":
        s.bind(addr)
        peer.connect(addr)
    else:
        peer.bind(addr)
        s.connect(addr)
    s.sndhwm = 6
    s.setsockopt(zmq.RCVHWM, 0)
    assert (s.sndhwm, s.rcvhwm) == (6, 0)
    s.hwm = 7
    assert (s.sndhwm, s.rcvhwm, s.hwm) == (7, 7, 7)
    s.send(b"still fine")
    assert peer.poll(2000)
    assert peer.recv() == b"still fine"
    (s.unbind if how == "bind" else s.disconnect)(addr)
    s.rcvhwm = 9
    zmq.Socket.shadow(s.underlying).sndhwm = 9
    assert (s.sndhwm, s.rcvhwm) == (9, 9)


# ---------------------------------------------------------------------------
# fork
# ---------------------------------------------------------------------------


def _run_in_child(fn, timeout=5.0):
    """fork(); run fn() in the child, return the text it wrote to a pipe."""
    r, w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(r)
            try:
                out = fn()
            except BaseException as e:  # noqa: BLE001
                out = f"child raised {type(e).__name__}: {e}"
            os.write(w, out.encode("utf8", "replace"))
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("forked child did not finish in time")
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                continue
            data = os.read(r, 4096)
            if not data:
                break
            chunks.append(data)
        _, status = os.waitpid(pid, 0)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(r)
    assert os.WIFEXITED(status), f"child died: status {status}"
    return b"".join(chunks).decode()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.zmqx_only
def test_parent_socket_in_forked_child_raises(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)

    def child():
        results = []
        for name, op in (
            ("send", lambda: a.send(b"from child", zmq.NOBLOCK)),
            ("recv", lambda: a.recv(zmq.NOBLOCK)),
            ("getsockopt", lambda: a.getsockopt(zmq.LINGER)),
        ):
            try:
                op()
                results.append(f"{name}:no error")
            except zmq.ZMQError:
                results.append(f"{name}:ZMQError")
            except BaseException as e:  # noqa: BLE001
                results.append(f"{name}:{type(e).__name__}")
        return ";".join(results)

    out = _run_in_child(child)
    assert out == "send:ZMQError;recv:ZMQError;getsockopt:ZMQError"
    # the parent's sockets are unaffected
    a.send(b"parent")
    assert b.poll(2000)
    assert b.recv() == b"parent"


# ---------------------------------------------------------------------------
# install_as_zmq
# ---------------------------------------------------------------------------


@pytest.mark.zmqx_only
@pytest.mark.timeout(30)
def test_install_as_zmq(zmq):
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(zmq.__file__)))
    code = textwrap.dedent(
        """
        import sys
        import zmqx
        zmqx.install_as_zmq()
        import zmq
        import zmq.utils.z85
        import zmqx.utils.z85
        assert zmq is zmqx, zmq
        assert sys.modules["zmq"] is zmqx
        assert zmq.utils.z85 is zmqx.utils.z85, zmq.utils.z85
        assert sys.modules["zmq.utils.z85"] is zmqx.utils.z85
        from zmq.utils import z85
        assert z85 is zmqx.utils.z85
        assert z85.encode(bytes([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])) == b"HelloWorld"
        ctx = zmq.Context()
        s = ctx.socket(zmq.PAIR)
        assert type(s).__module__.startswith("zmqx"), type(s).__module__
        s.close()
        ctx.term()
        print("OK", zmq.__name__, zmq.utils.z85.__name__)
        """
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=25,
        env=env,
        cwd=pkg_parent,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["OK", "zmqx", "zmqx.utils.z85"]
