"""Running out of file descriptors: an exception, never an abort (issue 19).

Each scenario runs in a child process with a lowered RLIMIT_NOFILE (the limit
is per process, and libzmq 4.3 ends the process in several of them), once per
implementation. Where pyzmq aborts, the test records the abort and libzmq's
assertion.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import errno, importlib, json, os, resource, sys, threading, time
    impl, scenario, *args = sys.argv[1:]
    zmq = importlib.import_module(impl)
    LIMIT = 128
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))
    out = {}

    def fill(ctx):
        # sockets until libzmq refuses one for want of an fd
        socks = []
        while True:
            try:
                socks.append(ctx.socket(zmq.PAIR))
            except zmq.ZMQError as e:
                assert e.errno == errno.EMFILE, e
                return socks

    def errno_of(call):
        try:
            call()
        except zmq.ZMQError as e:
            return e.errno
        return 0

    def open_fds():
        return len(os.listdir("/proc/self/fd"))

    if scenario == "endpoint":
        how, endpoint = args
        ctx = zmq.Context()
        socks = fill(ctx)
        s = socks[0]
        if "[" in endpoint:
            s.ipv6 = 1
        method = getattr(s, how)
        out["at_limit"] = errno_of(lambda: method(endpoint))
        for extra in socks[-4:]:
            extra.close()
        time.sleep(0.2)  # libzmq's reaper frees their fds
        out["after"] = errno_of(lambda: method(endpoint))
        ctx.destroy(linger=0)

    elif scenario == "first_socket":
        held = []
        while True:
            try:
                held.append(os.open(os.devnull, os.O_RDONLY))
            except OSError:
                break
        for fd in held[-3:]:
            os.close(fd)  # a few left: not enough to start a context
        ctx = zmq.Context()
        out["at_limit"] = errno_of(lambda: ctx.socket(zmq.PAIR).close())
        for fd in held[:20]:
            os.close(fd)
        out["after"] = errno_of(lambda: ctx.socket(zmq.PAIR).close())
        ctx.term()

    elif scenario == "blocking":
        ctx = zmq.Context()
        a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
        a.bind("inproc://blocking")
        b.connect("inproc://blocking")
        socks = fill(ctx)
        a.rcvtimeo = 200
        t0 = time.monotonic()
        try:
            a.recv()
            out["recv"] = "returned"
        except zmq.Again:
            out["recv"] = "Again"
        except Exception as e:
            out["recv"] = type(e).__name__
        out["recv_waited"] = time.monotonic() - t0
        poller = zmq.Poller()
        poller.register(a, zmq.POLLIN)
        try:
            out["poll"] = poller.poll(200)
        except Exception as e:
            out["poll"] = type(e).__name__
        out["socket_poll"] = a.poll(100)
        b.send(b"arrives")
        out["poll_ready"] = len(poller.poll(2000))
        out["received"] = a.recv().decode()
        if impl == "zmqx":  # close() from another thread: zmqx's promise
            a.rcvtimeo = -1
            got = {}

            def wait():
                try:
                    a.recv()
                except zmq.ZMQError as e:
                    got["errno"] = e.errno
                got["at"] = time.monotonic()

            t = threading.Thread(target=wait)
            t.start()
            time.sleep(0.2)
            closed_at = time.monotonic()
            a.close()
            t.join(5)
            out["closed_errno"] = got.get("errno")
            out["woke_after"] = got.get("at", closed_at + 99) - closed_at
        t0 = time.monotonic()
        ctx.destroy(linger=0)
        out["destroy_took"] = time.monotonic() - t0

    elif scenario == "count":
        # every socket blocks once, every tenth socket a Poller polls its ten,
        # and one Poller polls the first forty (a set large enough for epoll)
        ctx = zmq.Context()
        made, pollers, fds = [], [], {}
        while True:
            try:
                s = ctx.socket(zmq.PAIR)
            except zmq.ZMQError as e:
                assert e.errno == errno.EMFILE, e
                break
            s.bind(f"inproc://count-{len(made)}")
            s.rcvtimeo = 1
            try:
                s.recv()
            except zmq.Again:
                pass
            made.append(s)
            if len(made) % 10 == 0:
                p = zmq.Poller()
                for other in made[-10:]:
                    p.register(other, zmq.POLLIN)
                p.poll(1)
                pollers.append(p)
            if len(made) == 40:
                p = zmq.Poller()
                for other in made:
                    p.register(other, zmq.POLLIN)
                p.poll(1)
                pollers.append(p)
            if len(made) in (50, 90):
                fds[len(made)] = open_fds()
        out["sockets"] = len(made)
        out["fds_per_40_sockets"] = fds[90] - fds[50]
        ctx.destroy(linger=0)

    elif scenario == "churn":
        ctx = zmq.Context()
        keep = [ctx.socket(zmq.PAIR) for _ in range(LIMIT - 40)]
        errors = 0
        for _ in range(int(args[0])):
            try:
                s = ctx.socket(zmq.PAIR)
            except zmq.ZMQError as e:
                assert e.errno == errno.EMFILE, e
                errors += 1
                continue
            s.close()
        out["errors"] = errors
        ctx.destroy(linger=0)

    print(json.dumps(out))
    sys.stdout.flush()
    """
)


def run_child(zmq, scenario, *args, timeout=50):
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(zmq.__file__)))
    env = dict(os.environ)
    if zmq.__name__ == "zmqx":
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-c", CHILD, zmq.__name__, scenario, *args],
        capture_output=True, text=True, timeout=timeout, env=env, check=False,
    )


def result_of(proc):
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def record_pyzmq_abort(zmq, proc, where):
    """pyzmq (libzmq underneath) ends the process: record it, then xfail."""
    if zmq.__name__ == "zmq" and proc.returncode != 0:
        assert "Too many open files" in proc.stderr and where in proc.stderr, proc.stderr
        pytest.xfail(f"pyzmq: libzmq aborts the process ({where})")


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "how, endpoint",
    [
        ("bind", "tcp://127.0.0.1:*"),        # an IP address: the NIC name is tried first
        ("bind", "tcp://lo:*"),               # an interface name
        ("bind", "tcp://[::1]:*"),            # IPv6 likewise
        ("connect", "tcp://127.0.0.1:*;127.0.0.1:5999"),  # a source address
    ],
)
def test_endpoint_needing_an_interface_lookup_raises_emfile(zmq, how, endpoint):
    """libzmq resolves these with getifaddrs(), which needs an fd, and asserts
    when it gets none: zmqx raises ZMQError(EMFILE), and the same call works
    once fds are free again."""
    proc = run_child(zmq, "endpoint", how, endpoint)
    record_pyzmq_abort(zmq, proc, "ip_resolver.cpp")
    out = result_of(proc)
    if zmq.__name__ == "zmq" and out["at_limit"] == 0:
        # the source is resolved again in an I/O thread, which aborts if fds
        # are still short by then (a race: the test frees some right after)
        pytest.xfail("pyzmq: a connect with a source address is accepted at the fd limit")
    assert out == {"at_limit": errno.EMFILE, "after": 0}


@pytest.mark.timeout(60)
def test_bind_to_any_interface_at_the_limit_raises_emfile(zmq):
    """"*" needs no lookup: libzmq fails cleanly, in both implementations."""
    out = result_of(run_child(zmq, "endpoint", "bind", "tcp://*:*"))
    assert out == {"at_limit": errno.EMFILE, "after": 0}


@pytest.mark.timeout(60)
def test_first_socket_of_a_context_at_the_limit_raises_emfile(zmq):
    """A context's first socket starts libzmq's threads, whose epoll sets libzmq
    asserts on: zmqx checks for the fds first."""
    proc = run_child(zmq, "first_socket")
    record_pyzmq_abort(zmq, proc, "epoll.cpp")
    assert result_of(proc) == {"at_limit": errno.EMFILE, "after": 0}


@pytest.mark.timeout(60)
def test_blocking_calls_at_the_limit_keep_their_timeouts(zmq):
    """With no fd left, a blocking recv with RCVTIMEO raises Again after its
    timeout, a Poller returns [] (and sees a message once one comes), and
    (zmqx) close() from another thread still ends a wait at once."""
    out = result_of(run_child(zmq, "blocking"))
    assert out["recv"] == "Again"
    assert 0.15 <= out["recv_waited"] < 5
    assert out["poll"] == []
    assert out["socket_poll"] == 0
    assert out["poll_ready"] == 1
    assert out["received"] == "arrives"
    assert out["destroy_took"] < 5
    if zmq.__name__ == "zmqx":
        assert out["closed_errno"] == zmq.ENOTSOCK
        assert out["woke_after"] < 1


@pytest.mark.timeout(120)
def test_limit_is_reached_no_sooner_than_with_pyzmq():
    """Blocking sockets and Pollers cost zmqx no fd of their own: a process
    makes as many sockets before EMFILE as with pyzmq, and each socket holds
    one fd (its libzmq mailbox) in both."""
    zmqx = pytest.importorskip("zmqx")
    pyzmq = pytest.importorskip("zmq")
    mine = result_of(run_child(zmqx, "count"))
    theirs = result_of(run_child(pyzmq, "count"))
    assert mine["fds_per_40_sockets"] == theirs["fds_per_40_sockets"] == 40
    assert mine["sockets"] >= theirs["sockets"], (mine, theirs)


@pytest.mark.timeout(120)
def test_socket_churn_near_the_limit_never_fails(zmq):
    """Sockets made and closed in a tight loop near the fd limit: libzmq frees a
    closed socket's fd in its reaper thread, later; zmqx's socket() waits for
    it (briefly) instead of failing with EMFILE."""
    out = result_of(run_child(zmq, "churn", "3000"))
    if zmq.__name__ == "zmq" and out["errors"]:
        pytest.xfail(f"pyzmq: {out['errors']} of 3000 socket() calls raised EMFILE")
    assert out["errors"] == 0
