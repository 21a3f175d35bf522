"""utils.win32.allow_interrupt: pyzmq's Ctrl-C helper for Windows consoles. On
POSIX, Ctrl-C already interrupts a blocking call, so it installs nothing and
never calls its action."""

from __future__ import annotations

import importlib
import os
import signal
import threading

import pytest

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def allow_interrupt(zmq):
    return importlib.import_module(zmq.__name__ + ".utils.win32").allow_interrupt


def test_a_context_manager_that_leaves_the_action_alone(allow_interrupt):
    called = []
    with allow_interrupt(lambda: called.append(True)) as value:
        assert value is None
    with allow_interrupt():
        pass
    assert called == []


def test_ctrl_c_interrupts_a_blocking_receive_inside_it(zmq, ctx, allow_interrupt):
    sock = ctx.socket(zmq.PULL)
    sock.linger = 0
    sock.bind("inproc://allow-interrupt")
    called = []
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt), allow_interrupt(lambda: called.append(True)):
            sock.recv()  # nothing is ever sent: only Ctrl-C ends it
    finally:
        timer.cancel()
        sock.close()
    assert called == []
