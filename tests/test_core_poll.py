"""Poller and select."""

from __future__ import annotations

import os
import socket as pysocket
import time

import pytest

pytestmark = pytest.mark.timeout(10)


class HasFileno:
    def __init__(self, fd):
        self._fd = fd

    def fileno(self):
        return self._fd


@pytest.fixture
def pipe():
    r, w = os.pipe()
    yield r, w
    os.close(r)
    os.close(w)


def test_poller_sockets(ctx, zmq, pair, transport):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, transport)
    p = zmq.Poller()
    p.register(a, zmq.POLLIN)
    p.register(b)  # default: POLLIN | POLLOUT
    assert a in p and b in p
    assert dict(p.sockets) == {a: zmq.POLLIN, b: zmq.POLLIN | zmq.POLLOUT}
    assert p.poll(0) == [(b, zmq.POLLOUT)]
    b.send(b"x")
    deadline = time.monotonic() + 2
    events = {}
    while a not in events and time.monotonic() < deadline:
        events = dict(p.poll(100))
    assert events == {a: zmq.POLLIN, b: zmq.POLLOUT}
    assert isinstance(p.poll(0), list)
    assert all(isinstance(pair_, tuple) and len(pair_) == 2 for pair_ in p.poll(0))


def test_poller_modify_unregister(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    p = zmq.Poller()
    p.register(a, zmq.POLLIN)
    p.register(b, zmq.POLLIN)
    assert p.poll(0) == []
    p.modify(b, zmq.POLLOUT)
    assert p.poll(0) == [(b, zmq.POLLOUT)]
    p.unregister(b)
    assert b not in p
    assert p.poll(0) == []
    with pytest.raises(KeyError):
        p.unregister(b)
    # registering with no events is the same as unregistering
    p.register(a, 0)
    assert a not in p
    assert p.sockets == []
    # ... and registering a new socket with no events is ignored
    p.register(b, 0)
    assert b not in p


def test_poller_raw_fd_and_fileno_objects(ctx, zmq, pipe):
    r, w = pipe
    p = zmq.Poller()
    p.register(r, zmq.POLLIN)
    assert p.poll(0) == []
    os.write(w, b"1")
    assert p.poll(1000) == [(r, zmq.POLLIN)]
    os.read(r, 1)
    assert p.poll(0) == []
    p.unregister(r)
    obj = HasFileno(r)
    p.register(obj, zmq.POLLIN)
    assert obj in p
    os.write(w, b"2")
    # objects with fileno() are reported by their integer fd, like select.poll
    assert p.poll(1000) == [(r, zmq.POLLIN)]


def test_poller_python_socket(ctx, zmq):
    a, b = pysocket.socketpair()
    try:
        p = zmq.Poller()
        p.register(a, zmq.POLLIN | zmq.POLLOUT)
        assert p.poll(0) == [(a.fileno(), zmq.POLLOUT)]
        b.send(b"x")
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            ev = dict(p.poll(100))
            if ev.get(a.fileno(), 0) & zmq.POLLIN:
                break
        assert ev[a.fileno()] == zmq.POLLIN | zmq.POLLOUT
    finally:
        a.close()
        b.close()


def test_poller_mixed_sockets_and_fds(ctx, zmq, pair, pipe):
    r, w = pipe
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    p = zmq.Poller()
    p.register(a, zmq.POLLIN)
    p.register(r, zmq.POLLIN)
    b.send(b"x")
    os.write(w, b"y")
    deadline = time.monotonic() + 2
    ev = {}
    while len(ev) < 2 and time.monotonic() < deadline:
        ev = dict(p.poll(100))
    assert ev == {a: zmq.POLLIN, r: zmq.POLLIN}


def test_poller_rejects_bad_objects(zmq):
    p = zmq.Poller()
    # pyzmq raises when polling; raising already in register() is fine too
    with pytest.raises(TypeError):
        p.register("not pollable", zmq.POLLIN)
        p.poll(0)


def test_poller_timeouts(ctx, zmq, pair):
    a, _b = pair(ctx, zmq.PAIR, zmq.PAIR)
    p = zmq.Poller()
    p.register(a, zmq.POLLIN)
    t0 = time.monotonic()
    assert p.poll(0) == []
    assert time.monotonic() - t0 < 0.05
    t0 = time.monotonic()
    assert p.poll(100) == []
    elapsed = time.monotonic() - t0
    assert 0.09 <= elapsed < 1.0
    t0 = time.monotonic()
    assert p.poll(50.7) == []  # float milliseconds are accepted
    assert 0.04 <= time.monotonic() - t0 < 1.0


def test_poller_infinite_timeout_returns_on_event(ctx, zmq, pair, bg):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    p = zmq.Poller()
    p.register(a, zmq.POLLIN)

    def later():
        time.sleep(0.1)
        b.send(b"wake")

    bg(later)
    t0 = time.monotonic()
    assert p.poll() == [(a, zmq.POLLIN)]  # None: wait forever
    assert time.monotonic() - t0 >= 0.05
    a.recv()
    bg(later)
    assert p.poll(-1) == [(a, zmq.POLLIN)]  # negative: wait forever


def test_empty_poller_returns_immediately(zmq):
    # pyzmq: polling nothing returns [] at once, whatever the timeout
    p = zmq.Poller()
    t0 = time.monotonic()
    assert p.poll(500) == []
    assert time.monotonic() - t0 < 0.25


def test_select(ctx, zmq, pair, pipe):
    r, w = pipe
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    assert zmq.select([a], [], [], 0) == ([], [], [])
    t0 = time.monotonic()
    assert zmq.select([a, r], [], [], 0.1) == ([], [], [])  # seconds
    assert 0.09 <= time.monotonic() - t0 < 1.0
    b.send(b"x")
    os.write(w, b"y")
    deadline = time.monotonic() + 2
    rl = []
    while len(rl) < 2 and time.monotonic() < deadline:
        rl, wl, xl = zmq.select([a, r], [b], [], 0.1)
    assert len(rl) == 2 and set(rl) == {a, r}
    assert wl == [b]
    assert xl == []


def test_select_none_timeout_waits(ctx, zmq, pair, bg):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)

    def later():
        time.sleep(0.1)
        b.send(b"x")

    bg(later)
    rl, wl, xl = zmq.select([a], [], [])
    assert (rl, wl, xl) == ([a], [], [])


def test_zmq_poll_function(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    b.send(b"x")
    assert a.poll(2000)
    res = zmq.zmq_poll([(a, zmq.POLLIN), (b, zmq.POLLOUT)], 0)
    assert sorted(res, key=lambda x: x[1]) == [(a, zmq.POLLIN), (b, zmq.POLLOUT)]
