"""Threads and cancellation in every flavour (see tests/flavours.py), against zmqx
and pyzmq: what real programs do to event-loop sockets. A waiter cancelled (or
killed, or timed out) leaves nothing behind; close() and Context.destroy() from
another thread wake a waiting call at once; a loop that ended leaves the socket
usable by the next one; a Poller sees a message given back by a cancelled receive.
"""

from __future__ import annotations

import asyncio
import errno
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

pytestmark = pytest.mark.timeout(30)

LOOP_FLAVOURS = ("asyncio", "uvloop", "anyio-trio", "anyio-asyncio")
CANCELLING_FLAVOURS = (*LOOP_FLAVOURS, "green")


def only(f, flavours):
    if f.name not in flavours:
        pytest.skip(f"not a {' or '.join(flavours)} flavour")


async def within(f, seconds, call):
    """(True, result) of call() if it completes within seconds; (False, None) if
    the flavour's way of giving up cancelled it (wait_for, a cancel scope, a
    gevent.Timeout)."""
    if f.runner in ("asyncio", "uvloop"):
        try:
            return True, await asyncio.wait_for(call(), seconds)
        except asyncio.TimeoutError:
            return False, None
    if f.runner.startswith("anyio"):
        import anyio

        with anyio.move_on_after(seconds):
            return True, await call()
        return False, None
    import gevent

    try:
        with gevent.Timeout(seconds):
            return True, call()
    except gevent.Timeout:
        return False, None


@pytest.mark.parametrize("kind", ["recv", "recv_multipart", "poll"])
def test_a_cancelled_waiter_leaves_nothing_behind(flavoured, kind):
    """Right after a waiting call is cancelled, a NOBLOCK receive takes the next
    message: the dead waiter does not stay queued ahead of it."""
    async def body(f):
        pull, push = f.pair("PULL", "PUSH")
        call = (lambda: pull.poll()) if kind == "poll" else getattr(pull, kind)
        assert await within(f, 0.05, call) == (False, None)
        await f.io(push.send(b"m"))
        assert await f.io(pull.poll(5000)) == f.zmq.POLLIN
        assert await f.io(pull.recv(f.zmq.NOBLOCK)) == b"m"

    only(flavoured, CANCELLING_FLAVOURS)
    flavoured.run(body)


@pytest.mark.parametrize("kind", ["recv", "poll"])
def test_the_next_loop_uses_a_socket_the_last_one_left_waiting(flavoured, kind):
    """A run that ended with a timed-out receive or poll leaves the socket to the
    next run (a new loop), and its sync calls work in between."""
    sockets = {}

    async def first(f):
        sockets["pull"], sockets["push"] = pull, _ = f.pair("PULL", "PUSH")
        call = pull.poll if kind == "poll" else pull.recv
        assert await within(f, 0.05, call) == (False, None)

    async def second(f):
        pull, push = sockets["pull"], sockets["push"]
        await f.io(push.send(b"next"))
        assert await f.io(pull.recv()) == b"next"

    only(flavoured, LOOP_FLAVOURS)
    flavoured.run(first)
    pull = sockets["pull"]
    assert pull.getsockopt(flavoured.zmq.TYPE) == flavoured.zmq.PULL  # a sync call: no loop
    assert pull.rcvhwm > 0
    flavoured.run(second)


@pytest.mark.parametrize("how", ["close", "destroy"])
def test_close_from_another_thread_wakes_the_waiter_at_once(flavoured, how):
    """close() or Context.destroy() from another thread ends a waiting receive at
    once: with what a blocking call raises (ENOTSOCK, ContextTerminated), or, for
    asyncio's futures, cancelled as pyzmq's are."""
    async def body(f):
        pull = f.socket("PULL")
        pull.bind(f"inproc://woken-{uuid.uuid4().hex}")
        closing = threading.Timer(
            0.1, pull.close if how == "close" else lambda: f.ctx.destroy(linger=0))
        closing.start()
        started = time.monotonic()
        with pytest.raises(BaseException) as info:
            await f.io(pull.recv())
        woken_after = time.monotonic() - started
        closing.join()
        assert woken_after < 5, f"woken only after {woken_after:.1f} s"
        if f.runner in ("asyncio", "uvloop"):
            assert isinstance(info.value, asyncio.CancelledError)
        else:
            assert isinstance(info.value, f.zmq.ZMQError), repr(info.value)
            expected = f.zmq.ENOTSOCK if how == "close" else f.zmq.ETERM
            assert info.value.errno == expected
        assert pull.closed

    flavoured.needs(f"{how}-from-thread")
    flavoured.run(body)


def test_a_poller_sees_a_message_given_back(flavoured):
    """A task cancelled after its receive completed gives the message back; a
    Poller wait then returns it at once (libzmq's poll cannot see it: a Poller
    that asked libzmq alone would spin and find nothing)."""
    async def body(f):
        pull, push = f.pair("PULL", "PUSH")
        pending = pull.recv()
        tasks = []
        # runs before the task's own wake-up: cancels it once the message is in
        pending.add_done_callback(lambda _: tasks[0].cancel())

        async def awaiting():
            return await pending

        tasks.append(asyncio.ensure_future(awaiting()))
        await asyncio.sleep(0.01)
        await f.io(push.send(b"given back"))
        with pytest.raises(asyncio.CancelledError):
            await tasks[0]
        poller = f.module.Poller()
        poller.register(pull, f.zmq.POLLIN)
        cpu = time.process_time()
        assert await poller.poll(2000) == [(pull, f.zmq.POLLIN)]
        assert time.process_time() - cpu < 1.0  # found at once, not by spinning
        assert await pull.recv() == b"given back"

    only(flavoured, ("asyncio", "uvloop"))
    flavoured.needs("give-back")
    flavoured.run(body)


def test_a_socket_taken_over_by_a_loop_in_another_thread(flavoured):
    """One socket used from loops in two threads: when loop B takes it over, the
    call waiting in loop A fails at once, with an error that says why."""
    async def body(f):
        pull, push = f.pair("PULL", "PUSH")
        outcome = {}

        def loop_a():
            async def wait_in_a():
                try:
                    await pull.recv()
                except BaseException as e:  # noqa: BLE001 - what the waiter saw
                    outcome["error"] = e
                    outcome["after"] = time.monotonic() - taken

            asyncio.run(asyncio.wait_for(wait_in_a(), 10))

        a = threading.Thread(target=loop_a)
        a.start()
        await asyncio.sleep(0.2)  # loop A waits in pull
        taken = time.monotonic()
        assert await f.io(pull.poll(0)) == 0  # loop B (this one) takes the socket over
        await asyncio.to_thread(a.join)
        error = outcome["error"]
        assert isinstance(error, f.zmq.ZMQError) and error.errno == errno.EBUSY, repr(error)
        assert "taken over" in str(error)
        assert outcome["after"] < 5
        await f.io(push.send(b"to B"))
        assert await f.io(pull.recv()) == b"to B"

    only(flavoured, ("asyncio",))
    flavoured.needs("two-loops")
    flavoured.run(body)


def test_an_operation_from_a_thread_without_a_loop_goes_to_the_sockets_loop(zmq):
    """A thread where no loop runs (say, one that publishes output) sends on an
    asyncio socket whose loop runs in another thread: the loop's thread does the
    send, in order, and the returned future belongs to that loop."""
    import importlib

    if zmq.__name__ == "zmq":
        pytest.skip("pyzmq's zmq.asyncio raises RuntimeError there (no current event loop)")
    zasyncio = importlib.import_module(f"{zmq.__name__}.asyncio")
    ctx = zasyncio.Context()
    push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    push.linger = pull.linger = 0
    endpoint = f"inproc://relay-{uuid.uuid4().hex}"
    pull.bind(endpoint)
    push.connect(endpoint)
    loop = asyncio.new_event_loop()
    received = []

    async def receive_all():
        await push.send(b"0")  # push is this loop's now
        while len(received) < 101:
            received.append(await pull.recv())

    runner = threading.Thread(target=loop.run_until_complete,
                              args=(asyncio.wait_for(receive_all(), 10),))
    runner.start()
    time.sleep(0.2)
    futures = [push.send(b"%d" % i) for i in range(1, 101)]  # from this thread
    runner.join(15)
    assert not runner.is_alive()
    assert received == [b"%d" % i for i in range(101)]
    assert all(f.done() and f.exception() is None for f in futures)
    loop.close()
    ctx.destroy(linger=0)


@pytest.mark.zmqx_only  # pyzmq's asyncio leaves tasks asleep (see the tests above)
@pytest.mark.parametrize("flavour_name", ["asyncio", "green", "trio"])
@pytest.mark.parametrize("seed", [1, 2])
def test_other_threads_acting_at_random_never_crash_hang_or_duplicate(zmq, flavour_name, seed):
    """Sends, cancels, close() and destroy() from another thread at random moments
    of a loop's receives, with random timeouts (tests/threads_at_random.py, in a
    child process so that a crash shows as one)."""
    pytest.importorskip("gevent" if flavour_name == "green" else "trio")
    script = os.path.join(os.path.dirname(__file__), "threads_at_random.py")
    done = subprocess.run([sys.executable, script, flavour_name, str(seed)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[]", done.stdout[-3000:]
