"""Regression tests for defects the reliability suite found in zmqx (all fixed).

Each runs in a child process (a use-after-free must not take pytest down). A
defect found later and not fixed yet gets a strict xfail here with the precise
reason (and the fuzzer a precondition that keeps off its path until it is fixed).
"""

from __future__ import annotations

import textwrap

import pytest

from ._support import check_child, run_python


def run_script(body: str, timeout: float = 30) -> None:
    script = (
        "import faulthandler, sys, threading, time\nimport zmqx as zmq\n"
        "faulthandler.enable()\nfaulthandler.dump_traceback_later(20, exit=True)\n"
        + textwrap.dedent(body)
    )
    check_child(run_python(["-c", script], timeout=timeout), "defect scenario")


@pytest.mark.timeout(60)
def test_terminating_a_shadow_context_marks_the_other_closed():
    run_script("""
        for first_shadow in (True, False):
            ctx = zmq.Context()
            shadow = zmq.Context(shadow=ctx)
            (shadow if first_shadow else ctx).term()
            other = ctx if first_shadow else shadow
            assert other.closed, "the other Context object still says it is open"
            try:
                other.socket(zmq.PAIR)
            except zmq.ZMQError as e:
                assert e.errno != zmq.EFAULT, "libzmq was handed a freed context"
            else:
                raise AssertionError("socket() worked on a terminated context")
    """)


@pytest.mark.timeout(60)
def test_closing_a_shadow_wakes_a_thread_blocked_in_the_original():
    run_script("""
        ctx = zmq.Context()
        sock = ctx.socket(zmq.PULL)
        sock.bind("inproc://blocked")
        sock.rcvtimeo = 5000  # bounds the test; the wake-up must come long before
        result = []
        def wait():
            started = time.monotonic()
            try:
                sock.recv()
                result.append("returned a message")
            except zmq.ZMQError as e:
                result.append((e.errno, time.monotonic() - started))
        t = threading.Thread(target=wait)
        t.start()
        time.sleep(0.2)
        closed_at = time.monotonic()
        zmq.Socket(sock).close()  # a shadow closes the libzmq socket
        t.join(10)
        errno, waited = result[0]
        assert errno == zmq.ENOTSOCK, result
        assert waited - 0.2 < 1.0, f"the blocked recv woke only after {waited:.2f} s"
        ctx.term()
    """)


@pytest.mark.timeout(60)
def test_poller_polled_from_two_threads_does_not_corrupt_memory():
    """zmqx/_core/poll.pxi Poller.poll(): a second thread's poll() on the same
    Poller after a register() rebuilt the arrays (realloc) and the epoll set while
    the first thread waited with them, so the first thread's wait wrote its results
    into freed memory (malloc aborted: "unaligned tcache chunk detected"). A
    concurrent poll() of one Poller must be refused with ZMQError(EBUSY)."""
    run_script("""
        import ctypes, errno, os
        libc = ctypes.CDLL(None)
        libc.malloc.restype = ctypes.c_void_p
        pipes = [os.pipe() for _ in range(400)]
        poller = zmq.Poller()
        for r, w in pipes[:200]:
            poller.register(r, zmq.POLLIN)
        poller.poll(0)
        out = []
        def waiter():
            try:
                out.append(poller.poll(3000))
            except BaseException as e:
                out.append(e)
        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.2)
        for r, w in pipes[200:]:
            poller.register(r, zmq.POLLIN)
        try:
            poller.poll(0)
        except zmq.ZMQError as e:
            assert e.errno == errno.EBUSY, e
        else:
            raise AssertionError("a second thread polled a Poller that one thread waits in")
        os.write(pipes[0][1], b"x")
        t.join(10)
        assert out and out[0] == [(pipes[0][0], zmq.POLLIN)], out
        for _ in range(200):
            libc.malloc(400)  # a corrupted heap aborts here
        assert len(poller.poll(0)) == 1  # and the Poller still works afterwards
    """)


@pytest.mark.timeout(60)
def test_proxy_refuses_none_for_its_sockets():
    """zmqx/_core/proxy.pxi proxy()/proxy_steerable()/monitored_queue(): None for
    the frontend or backend passed as_socket() and was then read as a Socket
    (`.handle` of Py_None): undefined behaviour, seen as a hang. Must be TypeError."""
    run_script("""
        ctx = zmq.Context()
        sock = ctx.socket(zmq.PAIR)
        from zmqx._core._core import monitored_queue
        for call in (lambda: zmq.proxy(None, sock), lambda: zmq.proxy(sock, None),
                     lambda: zmq.proxy_steerable(None, sock),
                     lambda: monitored_queue(None, sock, sock),
                     lambda: monitored_queue(sock, None, sock)):
            try:
                call()
            except TypeError:
                pass
            else:
                raise AssertionError("accepted None as a socket")
        sock.close()
        ctx.term()
    """)


@pytest.mark.timeout(60)
def test_shadow_of_a_socket_in_use_by_a_proxy_is_refused():
    run_script("""
        ctx = zmq.Context()
        front = ctx.socket(zmq.PULL); front.bind("inproc://front")
        back = ctx.socket(zmq.PUSH); back.bind("inproc://back")
        control = ctx.socket(zmq.PAIR); control.bind("inproc://control")
        steer = ctx.socket(zmq.PAIR); steer.connect("inproc://control")
        stop = threading.Event()
        def produce():
            push = ctx.socket(zmq.PUSH); push.connect("inproc://front"); push.sndtimeo = 100
            while not stop.is_set():
                try:
                    push.send(b"m")
                except zmq.Again:
                    pass
            push.close(linger=0)
        def consume():
            pull = ctx.socket(zmq.PULL); pull.connect("inproc://back"); pull.rcvtimeo = 100
            while not stop.is_set():
                try:
                    pull.recv()
                except zmq.Again:
                    pass
            pull.close(linger=0)
        threads = [threading.Thread(target=f, args=a, daemon=True) for f, a in (
            (produce, ()), (consume, ()),
            (zmq.proxy_steerable, (front, back, None, control)))]
        for t in threads:
            t.start()
        time.sleep(0.1)
        shadows = (zmq.Socket(front), zmq.Socket(back))
        end = time.monotonic() + 3
        busy = 0
        while time.monotonic() < end:
            for call in (lambda: shadows[0].recv(zmq.DONTWAIT),
                         lambda: shadows[1].send(b"y", zmq.DONTWAIT)):
                try:
                    call()
                except zmq.ZMQError as e:
                    assert e.errno == 16, e  # EBUSY
                    busy += 1
                else:
                    raise AssertionError("a shadow reached a socket the proxy is using")
        steer.send(b"TERMINATE")
        stop.set()
        for t in threads:
            t.join(10)
        ctx.destroy(linger=0)
    """)
