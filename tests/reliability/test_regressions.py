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


@pytest.mark.timeout(120)
def test_hwm_change_while_a_peer_leaves_never_runs_on_a_freed_pipe():
    # libzmq 4.3 sends a changed SNDHWM/RCVHWM to the peer end of every pipe of
    # the socket, also of a pipe whose ending it has acknowledged: the peer frees
    # that end when it next processes commands and then runs the HWM command on
    # freed memory (a segfault in C and in pyzmq, every time, with this script).
    # zmqx finishes such endings first (zmqx/_core/hwm.pxi): it makes an idle
    # zmqx peer that disconnected answer, and waits for the reaper to answer for
    # a closed one. The change then succeeds and applies.
    run_script("""
        ctx = zmq.Context()
        for i in range(60):
            router, dealer = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER)
            router.bind(f"inproc://hwm-{i}")
            dealer.connect(f"inproc://hwm-{i}")
            if i % 2:
                dealer.disconnect(f"inproc://hwm-{i}")  # stays idle
            else:
                dealer.close(linger=0)  # the reaper ends the pipe
            time.sleep(0.001)
            try:
                router.recv(zmq.DONTWAIT)  # acknowledges the peer's ending
            except zmq.Again:
                pass
            router.setsockopt(zmq.RCVHWM, 1 + i % 7)
            router.sndhwm = 1 + i % 5
            assert (router.rcvhwm, router.sndhwm) == (1 + i % 7, 1 + i % 5)
            if i % 2:
                try:
                    dealer.recv(zmq.DONTWAIT)  # in pyzmq: frees its end, runs the HWM
                except zmq.Again:
                    pass
                dealer.close(linger=0)
            router.close(linger=0)
        ctx.term()
    """, timeout=90)


@pytest.mark.xfail(
    strict=True,
    reason="libzmq 4.3 defect (socket_base_t::update_pipe_options sends pipe_hwm to "
    "the peer of a pipe in term_ack_sent): a peer zmqx does not drive, here a pyzmq "
    "socket on the same libzmq context, disconnects and stays idle; the HWM command "
    "reaches its pipe end after it frees it",
)
@pytest.mark.timeout(60)
def test_hwm_change_after_a_foreign_idle_peer_disconnected():
    run_script("""
        import importlib
        pyzmq = importlib.import_module("zmq")
        ctx = zmq.Context()
        foreign = pyzmq.Context.shadow(ctx.underlying)
        for i in range(20):
            router = ctx.socket(zmq.ROUTER)
            router.bind(f"inproc://foreign-{i}")
            dealer = foreign.socket(pyzmq.DEALER)
            dealer.connect(f"inproc://foreign-{i}")
            dealer.disconnect(f"inproc://foreign-{i}")  # zmqx cannot make it answer
            try:
                router.recv(zmq.DONTWAIT)  # acknowledges the peer's leaving
            except zmq.Again:
                pass
            router.rcvhwm = 1 + i % 7
            try:
                dealer.recv(pyzmq.DONTWAIT)  # frees its end, then runs the HWM command
            except pyzmq.Again:
                pass
            dealer.close(linger=0)
            router.close(linger=0)
        ctx.term()
    """)


@pytest.mark.timeout(60)
def test_send_on_a_dgram_socket_without_peer_raises():
    # libzmq 4.3's DGRAM socket (draft type 18), with no peer, closes the message
    # it was given and fails: zmq_send then aborted the process ("Bad address
    # (src/zmq.cpp:413)"), and a proxy would size or resend the closed message.
    run_script("""
        import numpy as np
        from zmqx._core._core import monitored_queue
        ctx = zmq.Context()
        try:
            s = ctx.socket(18)
        except zmq.ZMQError:
            sys.exit(0)  # libzmq without draft socket types
        s.sndtimeo = 10
        for call in (
            lambda: s.send(b"x", zmq.DONTWAIT),
            lambda: s.send(b"x" * 100, zmq.DONTWAIT | zmq.SNDMORE),
            lambda: s.send(b"x"),  # waits SNDTIMEO for a peer
            lambda: s.send(np.zeros(100_000, np.uint8), copy=False, track=True),
            lambda: s.send(zmq.Frame(b"y" * 70_000, copy=False), zmq.DONTWAIT),
            lambda: s.send_multipart([b"a", bytearray(b"b"), zmq.Frame(b"c")], zmq.DONTWAIT),
            lambda: s.send_serialized(object(), lambda v: [str(v).encode()], zmq.DONTWAIT),
        ):
            try:
                call()
            except zmq.Again:
                pass
            else:
                raise AssertionError("a DGRAM socket without peer sent a message")
        pair = ctx.socket(zmq.PAIR)
        for call in (lambda: zmq.proxy(s, pair), lambda: zmq.proxy(pair, pair, s),
                     lambda: monitored_queue(pair, pair, s)):
            try:
                call()
            except zmq.ZMQError as e:
                assert e.errno == zmq.ENOTSUP, e
            else:
                raise AssertionError("a proxy accepted a DGRAM socket")
        s.close()
        pair.close()
        ctx.term()
    """)


@pytest.mark.timeout(60)
def test_unregister_while_another_thread_polls_does_not_read_past_the_list():
    # Poller.poll collected its results by indexing Poller.sockets (compiled
    # without bounds checks) with the indexes of the registration it was polling;
    # unregister() from another thread (documented as fine) shrank the list under
    # it: a read past its end, a segfault.
    run_script("""
        ctx = zmq.Context()
        pairs = []
        for i in range(64):
            a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
            a.bind(f"inproc://unreg-{i}")
            b.connect(f"inproc://unreg-{i}")
            pairs.append((a, b))
        poller = zmq.Poller()
        for a, _ in pairs:
            poller.register(a, zmq.POLLIN)
        result = []
        t = threading.Thread(target=lambda: result.append(poller.poll(5000)))
        t.start()
        time.sleep(0.1)
        for a, _ in pairs[:60]:
            poller.unregister(a)
        junk = [bytearray(64) for _ in range(10000)]  # reuse what the list freed
        pairs[63][1].send(b"x")
        t.join(10)
        assert result and result[0] == [(pairs[63][0], zmq.POLLIN)], result
        for a, b in pairs:
            a.close(linger=0)
            b.close(linger=0)
        ctx.term()
    """)
