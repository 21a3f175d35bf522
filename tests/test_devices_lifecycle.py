"""What zmqx's background devices promise beyond pyzmq: errors reach the parent,
random ports are chosen where the device runs, misuse is refused, and a device
process never outlives its parent."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

import zmqx as zmq
from zmqx import devices

VARIANTS = ("thread", "process")


@pytest.fixture
def ctx():
    c = zmq.Context()
    yield c
    terminator = threading.Thread(target=c.destroy, kwargs={"linger": 0}, daemon=True)
    terminator.start()
    terminator.join(10)
    assert not terminator.is_alive(), "context.destroy() hung: a device did not stop"


@pytest.fixture
def make(ctx):
    """make(variant, name, *args): a Thread*/Process* device using ctx (threads)."""
    made = []

    def factory(variant, name, *args):
        dev = getattr(devices, ("Thread" if variant == "thread" else "Process") + name)(*args)
        if variant == "thread":
            dev.context_factory = lambda: ctx
        made.append(dev)
        return dev

    yield factory
    for dev in made:
        if isinstance(dev, devices.ProcessDevice) and dev.launcher is not None:
            if dev.launcher.is_alive():
                dev.launcher.terminate()
            dev.launcher.join(5)


def recv(sock, timeout=5.0):
    assert sock.poll(int(timeout * 1000)), "no message within the deadline"
    return sock.recv_multipart()


def round_trip(ctx, in_addr, out_addr):
    req, rep = ctx.socket(zmq.REQ, linger=0), ctx.socket(zmq.REP, linger=0)
    try:
        req.connect(in_addr)
        rep.connect(out_addr)
        req.send(b"ping")
        assert recv(rep) == [b"ping"]
        rep.send(b"pong")
        assert recv(req) == [b"pong"]
    finally:
        req.close()
        rep.close()


# ---------------------------------------------------------------------------
# errors reach the parent
# ---------------------------------------------------------------------------


@pytest.mark.timeout(15)
@pytest.mark.parametrize("variant", VARIANTS)
def test_bind_error_reaches_join(make, variant):
    dev = make(variant, "Device", zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.bind_in("nosuchtransport://here")
    dev.bind_out("tcp://127.0.0.1:*")
    dev.start()
    with pytest.raises(zmq.ZMQError) as info:
        dev.join(10)
    assert "nosuchtransport" in str(info.value)
    assert dev.done
    assert dev.error is info.value or type(dev.error) is type(info.value)
    with pytest.raises(zmq.ZMQError):
        dev.join()  # it stays visible
    if variant == "process":
        assert info.value.errno == zmq.EPROTONOSUPPORT
        assert dev.launcher.exitcode == 0  # reported, not crashed


@pytest.mark.timeout(15)
@pytest.mark.parametrize("variant", VARIANTS)
def test_connect_error_reaches_join(make, variant):
    dev = make(variant, "Proxy", zmq.ROUTER, zmq.DEALER)
    dev.bind_in("tcp://127.0.0.1:*")
    dev.bind_out("tcp://127.0.0.1:*")
    dev.connect_mon("tcp://no port here")
    dev.start()
    with pytest.raises(zmq.ZMQError):
        dev.join(10)
    assert isinstance(dev.error, zmq.ZMQError)


@pytest.mark.timeout(15)
@pytest.mark.parametrize("variant", VARIANTS)
def test_address_in_use_reaches_join(make, variant, ctx):
    holder = ctx.socket(zmq.ROUTER, linger=0)
    port = holder.bind_to_random_port("tcp://127.0.0.1")
    dev = make(variant, "Device", zmq.STREAMER, zmq.PULL, zmq.PUSH)
    dev.bind_in(f"tcp://127.0.0.1:{port}")
    dev.bind_out("tcp://127.0.0.1:*")
    dev.start()
    with pytest.raises(zmq.ZMQError) as info:
        dev.join(10)
    assert info.value.errno == zmq.EADDRINUSE
    holder.close()


@pytest.mark.timeout(15)
@pytest.mark.parametrize("variant", VARIANTS)
def test_random_port_errors_raise_in_the_parent(make, variant):
    dev = make(variant, "Device", zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    with pytest.raises(zmq.ZMQError):
        dev.bind_in_to_random_port("nosuchtransport://host")
    # the device is still usable afterwards
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
    dev.start()
    with zmq.Context() as ctx:
        round_trip(ctx, f"tcp://127.0.0.1:{in_port}", f"tcp://127.0.0.1:{out_port}")
    assert dev.error is None


@pytest.mark.timeout(15)
@pytest.mark.parametrize("variant", VARIANTS)
def test_bad_option_after_random_bind_reaches_join(make, variant):
    dev = make(variant, "Device", zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.bind_in_to_random_port("tcp://127.0.0.1")
    dev.setsockopt_out(zmq.SUBSCRIBE, b"not for a DEALER")
    dev.bind_out("tcp://127.0.0.1:*")
    dev.start()
    with pytest.raises(zmq.ZMQError) as info:
        dev.join(10)
    assert info.value.errno == zmq.EINVAL


# ---------------------------------------------------------------------------
# random ports in a process, and options that precede them
# ---------------------------------------------------------------------------


@pytest.mark.timeout(15)
def test_process_random_port_keeps_earlier_options(make, ctx):
    """The port is bound in the child, with the options given before it."""
    dev = make("process", "MonitoredQueue", zmq.ROUTER, zmq.DEALER, zmq.PUB)
    dev.setsockopt_out(zmq.ROUTING_ID, b"the device")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1", min_port=30000, max_port=50000)
    mon_port = dev.bind_mon_to_random_port("tcp://127.0.0.1")
    assert 30000 <= in_port < 50000
    assert len({in_port, out_port, mon_port}) == 3
    assert dev.launcher.is_alive()  # configuring, not forwarding yet
    dev.start()
    server = ctx.socket(zmq.ROUTER, linger=0)
    server.connect(f"tcp://127.0.0.1:{out_port}")
    client = ctx.socket(zmq.REQ, linger=0)
    client.connect(f"tcp://127.0.0.1:{in_port}")
    client.send(b"who forwards this?")
    frames = recv(server)
    assert frames[0] == b"the device"
    assert frames[-1] == b"who forwards this?"
    server.send_multipart([*frames[:-1], b"the device does"])
    assert recv(client) == [b"the device does"]


def free_port():
    with zmq.Context() as c, c.socket(zmq.ROUTER, linger=0) as s:
        return s.bind_to_random_port("tcp://127.0.0.1")


@pytest.mark.timeout(15)
@pytest.mark.parametrize("variant", VARIANTS)
def test_configuration_applies_once_around_random_binds(make, ctx, variant):
    """Calls made before, between and after random-port binds each happen once
    (binding a fixed port twice would fail with EADDRINUSE)."""
    in_port, mon_port = free_port(), free_port()
    dev = make(variant, "Proxy", zmq.ROUTER, zmq.DEALER, zmq.PUB)
    dev.bind_in(f"tcp://127.0.0.1:{in_port}")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
    dev.bind_mon(f"tcp://127.0.0.1:{mon_port}")
    dev.bind_mon_to_random_port("tcp://127.0.0.1")
    dev.setsockopt_in(zmq.LINGER, 0)
    dev.start()
    round_trip(ctx, f"tcp://127.0.0.1:{in_port}", f"tcp://127.0.0.1:{out_port}")
    dev.join(0.1)
    assert dev.error is None and not dev.done


@pytest.mark.timeout(15)
def test_foreground_device_runs_again(ctx):
    """A Device run a second time makes its sockets anew from the same calls."""
    dev = devices.Device(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    port = free_port()
    dev.bind_in(f"tcp://127.0.0.1:{port}")
    dev.bind_out("tcp://127.0.0.1:*")
    for _ in range(2):
        run_ctx = zmq.Context()
        dev.context_factory = lambda c=run_ctx: c
        thread = threading.Thread(target=dev.run, daemon=True)
        thread.start()
        req = run_ctx.socket(zmq.REQ, linger=0)
        req.connect(f"tcp://127.0.0.1:{port}")
        req.send(b"queued")  # reaches the device (no worker: stays there)
        time.sleep(0.2)
        req.close()
        run_ctx.term()
        thread.join(5)
        assert not thread.is_alive() and dev.error is None


@pytest.mark.timeout(30)
def test_spawned_process_device(make, ctx):
    """A device process made with the spawn method (the device is pickled)."""
    dev = make("process", "Device", zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.mp_context = multiprocessing.get_context("spawn")
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    dev.bind_out(f"ipc://@zmqx-spawn-{os.getpid()}")
    dev.start()
    round_trip(ctx, f"tcp://127.0.0.1:{in_port}", f"ipc://@zmqx-spawn-{os.getpid()}")


# ---------------------------------------------------------------------------
# misuse
# ---------------------------------------------------------------------------


@pytest.mark.timeout(15)
@pytest.mark.parametrize("variant", VARIANTS)
def test_configuring_after_start_is_refused(make, variant):
    dev = make(variant, "Proxy", zmq.ROUTER, zmq.DEALER)
    with pytest.raises(RuntimeError):
        dev.join(0.1)  # nothing to join yet
    dev.bind_in("tcp://127.0.0.1:*")
    dev.bind_out("tcp://127.0.0.1:*")
    dev.start()
    for call in (
        lambda: dev.bind_in("tcp://127.0.0.1:*"),
        lambda: dev.connect_mon("tcp://127.0.0.1:1"),
        lambda: dev.setsockopt_out(zmq.LINGER, 0),
        lambda: dev.bind_out_to_random_port("tcp://127.0.0.1"),
        dev.start,
    ):
        with pytest.raises(RuntimeError):
            call()
    dev.join(0.2)  # still running: returns after the timeout, without error
    assert not dev.done and dev.error is None


def test_bad_arguments():
    with pytest.raises(TypeError):
        devices.ProcessDevice(zmq.QUEUE, None, zmq.DEALER)
    steerable = devices.ThreadProxySteerable(zmq.ROUTER, zmq.DEALER)
    with pytest.raises(ValueError):
        steerable.setsockopt_ctrl(zmq.LINGER, 0)
    with pytest.raises(ValueError):
        steerable.bind_ctrl_to_random_port("tcp://127.0.0.1")
    assert steerable.launcher is None


@pytest.mark.timeout(15)
def test_foreground_device_raises_and_keeps_error():
    dev = devices.Device(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.context_factory = zmq.Context
    dev.bind_in("nosuchtransport://x")
    with pytest.raises(zmq.ZMQError):
        dev.run()
    assert dev.done and isinstance(dev.error, zmq.ZMQError)
    with pytest.raises(zmq.ZMQError):
        dev.join()


@pytest.mark.timeout(15)
def test_foreground_random_port(ctx):
    dev = devices.Device(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.context_factory = lambda: ctx
    port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    dev.bind_out("inproc://fg-random-out")
    thread = threading.Thread(target=dev.run, daemon=True)
    thread.start()
    round_trip(ctx, f"tcp://127.0.0.1:{port}", "inproc://fg-random-out")


# ---------------------------------------------------------------------------
# stopping
# ---------------------------------------------------------------------------


@pytest.mark.timeout(15)
def test_steerable_process_terminate(make, ctx):
    dev = make("process", "ProxySteerable", zmq.ROUTER, zmq.DEALER, zmq.PUB, zmq.PAIR)
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1")
    ctrl_port = dev.bind_ctrl_to_random_port("tcp://127.0.0.1")
    dev.start()
    round_trip(ctx, f"tcp://127.0.0.1:{in_port}", f"tcp://127.0.0.1:{out_port}")
    ctrl = ctx.socket(zmq.PAIR, linger=0)
    ctrl.connect(f"tcp://127.0.0.1:{ctrl_port}")
    ctrl.send(b"TERMINATE")
    dev.join(5)
    assert dev.done and dev.error is None
    assert dev.launcher.exitcode == 0


PARENT = textwrap.dedent("""
    import sys, time
    import zmqx as zmq
    from zmqx.devices import ProcessDevice, ProcessMonitoredQueue
    daemon = sys.argv[1] == "daemon"
    started = []
    for cls, args in ((ProcessDevice, (zmq.QUEUE, zmq.ROUTER, zmq.DEALER)),
                      (ProcessMonitoredQueue, (zmq.ROUTER, zmq.DEALER))):
        dev = cls(*args)
        dev.daemon = daemon
        dev.bind_in_to_random_port("tcp://127.0.0.1")
        dev.bind_out("tcp://127.0.0.1:*")
        dev.start()
        started.append(dev)
    # one more, still configuring (never started)
    waiting = ProcessDevice(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    waiting.daemon = daemon
    waiting.bind_in_to_random_port("tcp://127.0.0.1")
    started.append(waiting)
    print(" ".join(str(d.launcher.pid) for d in started), flush=True)
    if sys.argv[2] == "wait":
        time.sleep(60)
""")


def wait_gone(pids, timeout):
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.02)


@pytest.fixture
def run_parent():
    """Start PARENT in a subprocess; kill it and its device processes at the end
    (if the test failed, they may still be there)."""
    started = []

    def run(*args):
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, *args], stdout=subprocess.PIPE, text=True
        )
        pids = [int(p) for p in parent.stdout.readline().split()]
        started.append((parent, pids))
        return parent, pids

    yield run
    for parent, pids in started:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        for pid in wait_gone(pids, 0):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("daemon", ["daemon", "non-daemon"])
def test_device_processes_end_with_their_parent(run_parent, daemon):
    parent, pids = run_parent(daemon, "exit")
    assert len(pids) == 3
    parent.wait(8)  # a non-daemon device process must not make the exit hang
    assert parent.returncode == 0
    assert wait_gone(pids, 5) == []


@pytest.mark.timeout(20)
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_device_processes_end_when_parent_dies(run_parent, sig):
    parent, pids = run_parent("non-daemon", "wait")
    parent.send_signal(sig)
    parent.wait(8)
    assert wait_gone(pids, 5) == []
