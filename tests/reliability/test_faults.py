"""Issue 4.4: a peer killed and restarted, a frozen peer, a network partition.

- The peer process is SIGKILLed mid-stream and started again on the same
  endpoint: the zmqx socket reconnects by itself and traffic resumes.
- Heartbeats (ZMQ_HEARTBEAT_IVL/TIMEOUT) notice a peer that is SIGSTOPped.
- Two network namespaces joined by a veth pair (192.0.2.1 and 192.0.2.2, TEST-NET,
  only inside namespaces this test creates) are cut apart and joined again: the
  heartbeat notices the cut, traffic resumes after the heal.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import zmqx as zmq
from zmqx.utils.monitor import recv_monitor_message

from ._support import HERE, child_env, free_tcp_port, median, record


class Child:
    """A child process whose stdout lines are collected by a thread."""

    def __init__(self, args: list[str], prefix: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            (prefix or []) + [sys.executable, str(HERE / "_peer.py"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(
            target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True
        ).start()
        threading.Thread(
            target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True
        ).start()

    @staticmethod
    def _pump(stream, put) -> None:
        for line in stream:
            put(line.rstrip("\n"))

    def wait_line(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no {prefix!r} line from child within {timeout} s; "
                    f"exit={self.proc.poll()} stderr={''.join(self.stderr)}"
                )
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line.startswith(prefix):
                return line

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for stream in (self.proc.stdin,):
            try:
                stream.close()
            except OSError:
                pass


# ---- peer killed and restarted ---------------------------------------------------


@pytest.mark.timeout(120)
def test_peer_killed_and_restarted_traffic_resumes(soak):
    cycles = 3 * soak
    port = free_tcp_port()
    endpoint = f"tcp://127.0.0.1:{port}"
    server = Child(["echo-router", endpoint])
    server.wait_line("READY", 15)
    ctx = zmq.Context()
    dealer = ctx.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.connect(endpoint)
    seq = 0

    def round_trips(n: int, within: float) -> None:
        nonlocal seq
        for _ in range(n):
            seq += 1
            dealer.send(seq.to_bytes(8, "big"))
            deadline = time.monotonic() + within
            while True:
                assert dealer.poll(max(1, int((deadline - time.monotonic()) * 1000))), (
                    f"no reply to request {seq}"
                )
                if int.from_bytes(dealer.recv(), "big") == seq:
                    break  # older replies (sent before a kill) may come first

    reconnects, outages = [], []
    try:
        round_trips(200, 5)
        for _ in range(cycles):
            # mid-stream: requests are in flight when the peer dies
            for k in range(20):
                dealer.send((10**9 + k).to_bytes(8, "big"))
            killed = time.monotonic()
            os.kill(server.proc.pid, signal.SIGKILL)
            server.proc.wait(10)
            server = Child(["echo-router", endpoint])
            server.wait_line("READY", 15)
            ready = time.monotonic()
            # the first request answered after the restart marks the reconnection
            deadline = ready + 10
            back = None
            while back is None and time.monotonic() < deadline:
                seq += 1
                dealer.send(seq.to_bytes(8, "big"))
                if dealer.poll(100):
                    while dealer.poll(0):
                        dealer.recv()
                    back = time.monotonic()
            assert back is not None, "no traffic 10 s after the peer restarted"
            reconnects.append(back - ready)
            outages.append(back - killed)
            round_trips(100, 5)  # and traffic flows normally again
    finally:
        server.kill()
        dealer.close()
        ctx.term()
    record(
        "peer-restart",
        cycles=cycles,
        reconnect_median_s=median(reconnects),
        reconnect_max_s=max(reconnects),
        outage_median_s=median(outages),
    )
    assert max(reconnects) < 5.0, reconnects


# ---- heartbeats --------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_heartbeat_detects_a_frozen_peer(soak):
    runs = 3 * soak
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.linger = 0
    router.heartbeat_ivl = 100
    router.heartbeat_timeout = 500
    router.heartbeat_ttl = 1000
    port = router.bind_to_random_port("tcp://127.0.0.1")
    monitor = router.get_monitor_socket(zmq.EVENT_ACCEPTED | zmq.EVENT_DISCONNECTED)
    detections = []
    try:
        for _ in range(runs):
            peer = Child(["echo-dealer", f"tcp://127.0.0.1:{port}"])
            try:
                assert router.poll(10_000), "the peer never said hello"
                ident, hello = router.recv_multipart()
                assert hello == b"hello"
                router.send_multipart([ident, b"ping"])
                assert router.poll(5000) and router.recv_multipart()[1] == b"ping"
                while monitor.poll(0):
                    recv_monitor_message(monitor)
                os.kill(peer.proc.pid, signal.SIGSTOP)  # alive for TCP, silent for ZMTP
                frozen = time.monotonic()
                detected = None
                while time.monotonic() - frozen < 10:
                    if monitor.poll(100):
                        event = recv_monitor_message(monitor)
                        if event["event"] == zmq.EVENT_DISCONNECTED:
                            detected = time.monotonic() - frozen
                            break
                assert detected is not None, "heartbeat did not notice the frozen peer in 10 s"
                detections.append(detected)
            finally:
                try:
                    os.kill(peer.proc.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                peer.kill()
    finally:
        monitor.close()
        router.close()
        ctx.term()
    record(
        "heartbeat",
        runs=runs,
        ivl_ms=100,
        timeout_ms=500,
        detect_median_s=median(detections),
        detect_max_s=max(detections),
    )
    assert max(detections) < 2.0, detections


# ---- network partition between two namespaces -----------------------------------

ADDR_A, ADDR_B = "192.0.2.1", "192.0.2.2"  # TEST-NET-1, only inside our namespaces


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=20)


class Namespaces:
    """Two namespaces joined by a veth pair; removed by close()."""

    def __init__(self) -> None:
        tag = f"{os.getpid() % 100000}"
        self.a, self.b = f"zmqx-a{tag}", f"zmqx-b{tag}"
        self.veth_a, self.veth_b = f"zxa{tag}", f"zxb{tag}"
        self.made: list[str] = []

    def open(self) -> None:
        for ns in (self.a, self.b):
            ip("netns", "add", ns)
            self.made.append(ns)
        ip("link", "add", self.veth_a, "type", "veth", "peer", "name", self.veth_b)
        ip("link", "set", self.veth_a, "netns", self.a)
        ip("link", "set", self.veth_b, "netns", self.b)
        ip("-n", self.a, "addr", "add", f"{ADDR_A}/24", "dev", self.veth_a)
        ip("-n", self.b, "addr", "add", f"{ADDR_B}/24", "dev", self.veth_b)
        for ns, dev in ((self.a, self.veth_a), (self.b, self.veth_b)):
            ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", ns, "link", "set", dev, "up")

    def exec_prefix(self, ns: str) -> list[str]:
        return ["ip", "netns", "exec", ns]

    def cut(self) -> None:
        ip("-n", self.a, "link", "set", self.veth_a, "down")

    def heal(self) -> None:
        ip("-n", self.a, "link", "set", self.veth_a, "up")

    def close(self) -> None:
        for ns in self.made:  # deleting a namespace deletes its end of the veth pair
            ip("netns", "delete", ns, check=False)
        self.made.clear()


def namespaces_or_skip() -> Namespaces:
    if shutil.which("ip") is None:
        pytest.skip("iproute2's `ip` is not installed (apt-get install -y iproute2)")
    if os.geteuid() != 0:
        pytest.skip("creating network namespaces needs root")
    probe = f"zmqx-probe{os.getpid() % 100000}"
    r = ip("netns", "add", probe, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {r.stderr.strip()}")
    ip("netns", "delete", probe, check=False)
    return Namespaces()


@pytest.mark.timeout(120)
def test_network_partition_between_namespaces(soak):
    cycles = 2 * soak
    nets = namespaces_or_skip()
    server = client = None
    try:
        try:
            nets.open()
        except subprocess.CalledProcessError as e:
            pytest.skip(f"cannot build the veth pair: {e.stderr.strip()}")
        endpoint = f"tcp://{ADDR_B}:5555"  # inside namespace b: no port can clash
        server = Child(["echo-router", endpoint], prefix=nets.exec_prefix(nets.b))
        server.wait_line("READY", 15)
        client = Child(["client", endpoint], prefix=nets.exec_prefix(nets.a))
        client.wait_line("READY", 15)
        lines = client.lines

        def wait_for(kind: str, timeout: float, after: float = 0.0) -> float:
            """Time (time.time()) of the next `kind` line stamped after `after`."""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    line = lines.get(timeout=0.1)
                except queue.Empty:
                    continue
                parts = line.split()
                if line.startswith(kind) and float(parts[-1]) >= after:
                    return float(parts[-1])
            raise AssertionError(
                f"no {kind!r} within {timeout} s; client stderr: {''.join(client.stderr)[-2000:]}"
            )

        wait_for("REPLY", 10)
        detections, resumes = [], []
        for _ in range(cycles):
            time.sleep(0.3)  # traffic flows
            cut_at = time.time()
            nets.cut()
            detections.append(wait_for("EVENT DISCONNECTED", 10, cut_at) - cut_at)
            time.sleep(1.0)  # the partition lasts; requests queue up
            healed_at = time.time()
            nets.heal()
            resumes.append(wait_for("REPLY", 15, healed_at) - healed_at)
        time.sleep(0.3)
        client.proc.stdin.close()  # the client stops
        summary = client.wait_line("SUMMARY", 10).split()
        client.proc.wait(10)
        sent, replied = int(summary[1]), int(summary[2])
        # requests inside a TCP connection that the partition broke are gone (ZMTP
        # does not retransmit across connections); everything else is answered
        record(
            "partition",
            cycles=cycles,
            detect_median_s=median(detections),
            detect_max_s=max(detections),
            resume_median_s=median(resumes),
            resume_max_s=max(resumes),
            requests=sent,
            replies=replied,
        )
        assert client.proc.returncode == 0, "".join(client.stderr)[-3000:]
        assert max(detections) < 3.0, detections
        assert max(resumes) < 5.0, resumes
    finally:
        for child in (client, server):
            if child is not None:
                child.kill()
        nets.close()
