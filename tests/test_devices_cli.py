"""`python -m zmqx.devices`: a device run from the command line, in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest

import zmqx as zmq

# Runs the CLI with Python's usual Ctrl-C handling even if this test process
# was started with SIGINT ignored (as background jobs of a script are).
LAUNCH = (
    "import runpy, signal, sys; "
    "signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('zmqx.devices', run_name='__main__', alter_sys=True)"
)
RUNNING = re.compile(r"^python -m zmqx\.devices: \S+ running; (.*) \(Ctrl-C to stop\)$")


class Cli:
    def __init__(self, *args):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.banner = ""

    def wait_running(self, timeout=10):
        """The line the CLI prints once its sockets are bound: {role: endpoint}."""
        line = self.proc.stderr.readline().rstrip("\n")
        match = RUNNING.match(line)
        assert match, f"unexpected first line {line!r}; rest: {self.proc.stderr.read()}"
        self.banner = line
        endpoints = {}
        for part in match.group(1).split("; "):
            role, _kind, rest = part.split(" ", 2)
            if rest.startswith("bind "):
                endpoints[role] = rest.split(", ")[-1].split(" ", 1)[1]
        return endpoints

    def stop(self, sig, timeout=5):
        start = time.monotonic()
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err, time.monotonic() - start

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def cli():
    started = []

    def start(*args):
        c = Cli(*args)
        started.append(c)
        return c

    yield start
    for c in started:
        c.kill()


@pytest.fixture
def ctx():
    c = zmq.Context()
    yield c
    c.destroy(linger=0)


def recv(sock, timeout=5.0):
    assert sock.poll(int(timeout * 1000)), "no message within the deadline"
    return sock.recv_multipart()


def ipc(tmp_path, name):
    path = tmp_path / f"{name}-{uuid.uuid4().hex[:6]}"
    if len(str(path)) > 90:
        path = f"/tmp/zx-{name}-{uuid.uuid4().hex[:8]}"
    return f"ipc://{path}"


@pytest.mark.timeout(20)
def test_help():
    out = subprocess.run(
        [sys.executable, "-m", "zmqx.devices", "--help"],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    assert out.returncode == 0
    for name in ("queue", "forwarder", "streamer", "monitored-queue", "proxy", "steerable"):
        assert name in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "zmqx.devices", "monitored-queue", "--help"],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    assert out.returncode == 0
    for option in ("--in-bind", "--out-connect", "--mon-bind", "--in-prefix", "--in-type"):
        assert option in out.stdout


@pytest.mark.timeout(20)
def test_usage_errors_exit_2():
    for args in (
        ["queue", "--out-bind", "tcp://127.0.0.1:*"],
        ["nosuchdevice"],
        ["queue", "--in-type", "NOSUCHTYPE"],
    ):
        out = subprocess.run(
            [sys.executable, "-m", "zmqx.devices", *args],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
        assert out.returncode == 2, args
        assert "Traceback" not in out.stderr


@pytest.mark.timeout(20)
def test_bind_failure_is_one_line(cli):
    c = cli("queue", "--in-bind", "nosuchtransport://x", "--out-bind", "tcp://127.0.0.1:*")
    _, err = c.proc.communicate(timeout=15)
    assert c.proc.returncode == 2
    assert "Traceback" not in err
    assert err.strip().count("\n") == 0
    assert "error" in err and "nosuchtransport" in err


@pytest.mark.timeout(20)
def test_queue_round_trip_then_ctrl_c(cli, ctx, tmp_path):
    in_addr, out_addr = ipc(tmp_path, "in"), ipc(tmp_path, "out")
    c = cli("queue", "--in-bind", in_addr, "--out-bind", out_addr)
    assert c.wait_running() == {"in": in_addr, "out": out_addr}
    assert "in ROUTER" in c.banner and "out DEALER" in c.banner
    req, rep = ctx.socket(zmq.REQ), ctx.socket(zmq.REP)
    req.connect(in_addr)
    rep.connect(out_addr)
    req.send(b"through the cli")
    assert recv(rep) == [b"through the cli"]
    rep.send(b"and back")
    assert recv(req) == [b"and back"]

    status, _, err, took = c.stop(signal.SIGINT)
    assert status in (0, 130)
    assert took < 3
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["python -m zmqx.devices: interrupted, stopped"]


@pytest.mark.timeout(20)
def test_forwarder_on_wildcard_ports_then_sigterm(cli, ctx):
    c = cli("forwarder", "--in-bind", "tcp://127.0.0.1:*", "--out-bind", "tcp://127.0.0.1:*")
    endpoints = c.wait_running()
    assert not endpoints["in"].endswith("*") and endpoints["in"] != endpoints["out"]
    pub, sub = ctx.socket(zmq.PUB), ctx.socket(zmq.SUB)
    pub.connect(endpoints["in"])
    sub.connect(endpoints["out"])
    sub.subscribe(b"")
    deadline = time.monotonic() + 5
    while not sub.poll(50):  # until the subscriptions have reached every side
        assert time.monotonic() < deadline
        pub.send(b"probe")
    while sub.poll(100):
        sub.recv()
    pub.send_multipart([b"topic", b"data"])
    assert recv(sub) == [b"topic", b"data"]

    status, _, err, took = c.stop(signal.SIGTERM)
    assert status == 0
    assert took < 3
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "python -m zmqx.devices: terminated, stopped"


@pytest.mark.timeout(20)
def test_monitored_queue_cli(cli, ctx, tmp_path):
    in_addr, out_addr, mon_addr = (ipc(tmp_path, n) for n in ("in", "out", "mon"))
    c = cli(
        "monitored-queue",
        "--in-bind",
        in_addr,
        "--out-bind",
        out_addr,
        "--mon-bind",
        mon_addr,
        "--in-prefix",
        "REQ",
        "--out-prefix",
        "REP",
    )
    assert c.wait_running() == {"in": in_addr, "out": out_addr, "mon": mon_addr}
    mon = ctx.socket(zmq.SUB)
    mon.subscribe(b"")
    mon.connect(mon_addr)
    req, rep = ctx.socket(zmq.REQ), ctx.socket(zmq.REP)
    req.connect(in_addr)
    rep.connect(out_addr)
    deadline = time.monotonic() + 5
    while True:  # round trips until the monitor subscription is in place
        assert time.monotonic() < deadline
        req.send(b"probe")
        rep.send(recv(rep)[0])
        recv(req)
        if mon.poll(50):
            break
    while mon.poll(100):
        mon.recv_multipart()
    req.send(b"watched")
    rep.send(recv(rep)[0] + b" too")
    assert recv(req) == [b"watched too"]
    assert [recv(mon)[0], recv(mon)[0]] == [b"REQ", b"REP"]
    status, _, err, took = c.stop(signal.SIGINT)
    assert status in (0, 130) and took < 3 and "Traceback" not in err


@pytest.mark.timeout(20)
def test_steerable_cli_terminate(cli, ctx, tmp_path):
    in_addr, out_addr, ctrl_addr = (ipc(tmp_path, n) for n in ("in", "out", "ctrl"))
    c = cli("steerable", "--in-bind", in_addr, "--out-bind", out_addr, "--ctrl-bind", ctrl_addr)
    c.wait_running()
    ctrl = ctx.socket(zmq.REQ)
    ctrl.connect(ctrl_addr)
    ctrl.send(b"TERMINATE")
    assert recv(ctrl) == [b""]
    _, err = c.proc.communicate(timeout=5)
    assert c.proc.returncode == 0
    assert err.strip().splitlines()[-1] == "python -m zmqx.devices: steerable stopped"
