"""Background devices (zmqx.devices), run against zmqx and pyzmq alike.

Every device kind in a thread and in a process, with real sockets: round trips
through queues, pub/sub through forwarders, pipelines through streamers, the
monitor socket of proxies and monitored queues (with their prefixes), ROUTER to
ROUTER through a monitored queue, and a steerable proxy's commands.
"""

from __future__ import annotations

import importlib
import struct
import threading
import time
import uuid

import pytest

VARIANTS = ("thread", "process")


@pytest.fixture
def devices(zmq):
    return importlib.import_module(zmq.__name__ + ".devices")


class Harness:
    """Makes devices and test sockets; stops and closes everything at the end."""

    def __init__(self, zmq, devices, endpoints, variant):
        self.zmq = zmq
        self.devices = devices
        self.endpoints = endpoints
        self.variant = variant
        self.ctx = zmq.Context()
        self.sockets = []
        self.process_devices = []

    def device(self, name, *args):
        """devices.Thread<name> or devices.Process<name>(*args), ready to configure."""
        prefix = "Thread" if self.variant == "thread" else "Process"
        dev = getattr(self.devices, prefix + name)(*args)
        if self.variant == "thread":
            ctx = self.ctx
            dev.context_factory = lambda: ctx  # stopped by terminating it
        else:
            self.process_devices.append(dev)
        return dev

    def addr(self):
        """An endpoint both the device and the test can reach."""
        if self.variant == "thread":
            return f"inproc://dev-{uuid.uuid4().hex}"
        return self.endpoints.ipc(self.zmq)

    def socket(self, socket_type, connect=None, bind=None, **options):
        sock = self.ctx.socket(socket_type)
        sock.linger = 0
        for name, value in options.items():
            setattr(sock, name, value)
        self.sockets.append(sock)
        if bind:
            sock.bind(bind)
        if connect:
            sock.connect(connect)
        return sock

    def close(self):
        for sock in self.sockets:
            sock.close(linger=0)
        for dev in self.process_devices:
            if dev.launcher is not None and dev.launcher.is_alive():
                dev.launcher.terminate()
                dev.launcher.join(5)
        # the thread devices stop when their context is terminated
        terminator = threading.Thread(target=self.ctx.term, daemon=True)
        terminator.start()
        terminator.join(10)
        assert not terminator.is_alive(), "context.term() hung: a device did not stop"


@pytest.fixture(params=VARIANTS)
def harness(request, zmq, devices, endpoints):
    h = Harness(zmq, devices, endpoints, request.param)
    yield h
    h.close()


def recv(sock, timeout=5.0):
    """recv_multipart with a deadline (a lost message fails, never hangs)."""
    assert sock.poll(int(timeout * 1000)), "no message within the deadline"
    return sock.recv_multipart()


def assert_silent(sock, timeout=0.3):
    assert not sock.poll(int(timeout * 1000)), f"unexpected message: {sock.recv_multipart()}"


def subscribe_and_settle(zmq, send_probe, sub, timeout=5.0):
    """Until sub (subscribed to everything) gets something: send_probe(), drain."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        send_probe()
        if sub.poll(50):
            while sub.poll(100):
                sub.recv_multipart()
            return
    raise AssertionError("subscription never took effect")


def request_reply(h, in_addr, out_addr, clients=2):
    """REQ clients -> device -> REP worker and back; checks every reply."""
    zmq = h.zmq
    reqs = [h.socket(zmq.REQ, connect=in_addr) for _ in range(clients)]
    rep = h.socket(zmq.REP, connect=out_addr)
    for round_ in range(3):
        for i, req in enumerate(reqs):
            req.send(b"request %d/%d" % (i, round_))
            body = recv(rep)
            assert body == [b"request %d/%d" % (i, round_)]
            rep.send(b"reply to " + body[0])
            assert recv(req) == [b"reply to request %d/%d" % (i, round_)]
    return reqs, rep


# ---------------------------------------------------------------------------
# QUEUE, FORWARDER, STREAMER
# ---------------------------------------------------------------------------


@pytest.mark.timeout(20)
def test_queue_round_trips(harness):
    zmq = harness.zmq
    dev = harness.device("Device", zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    in_addr, out_addr = harness.addr(), harness.addr()
    dev.bind_in(in_addr)
    dev.bind_out(out_addr)
    assert dev.daemon is True
    dev.start()
    request_reply(harness, in_addr, out_addr)
    assert not dev.done


@pytest.mark.timeout(20)
def test_queue_connecting_sides(harness):
    """The device connects out to a bound worker; options reach the socket."""
    zmq = harness.zmq
    worker_addr = harness.addr()
    worker = harness.socket(zmq.ROUTER, bind=worker_addr)
    dev = harness.device("Device", zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    in_addr = harness.addr()
    dev.bind_in(in_addr)
    dev.setsockopt_out(zmq.IDENTITY, b"the-device")
    dev.connect_out(worker_addr)
    dev.start()
    req = harness.socket(zmq.REQ, connect=in_addr)
    req.send(b"hi")
    frames = recv(worker)
    assert frames[0] == b"the-device"
    assert frames[-1] == b"hi"
    worker.send_multipart(frames[:-1] + [b"ho"])
    assert recv(req) == [b"ho"]


@pytest.mark.timeout(20)
def test_forwarder(harness):
    zmq = harness.zmq
    dev = harness.device("Device", zmq.FORWARDER, zmq.SUB, zmq.PUB)
    in_addr, out_addr = harness.addr(), harness.addr()
    dev.bind_in(in_addr)
    dev.bind_out(out_addr)
    dev.setsockopt_in(zmq.SUBSCRIBE, b"")
    dev.start()
    pub = harness.socket(zmq.PUB, connect=in_addr)
    sub = harness.socket(zmq.SUB, connect=out_addr)
    sub.setsockopt(zmq.SUBSCRIBE, b"news")
    subscribe_and_settle(zmq, lambda: pub.send(b"news probe"), sub)
    pub.send(b"weather: rain")
    pub.send_multipart([b"news", b"two", b"parts"])
    assert recv(sub) == [b"news", b"two", b"parts"]
    assert_silent(sub, 0.2)


@pytest.mark.timeout(20)
def test_streamer(harness):
    zmq = harness.zmq
    dev = harness.device("Device", zmq.STREAMER, zmq.PULL, zmq.PUSH)
    in_addr, out_addr = harness.addr(), harness.addr()
    dev.bind_in(in_addr)
    dev.bind_out(out_addr)
    dev.start()
    push = harness.socket(zmq.PUSH, connect=in_addr)
    pull = harness.socket(zmq.PULL, connect=out_addr)
    for i in range(50):
        push.send_multipart([b"task", b"%d" % i])
    assert [recv(pull) for _ in range(50)] == [[b"task", b"%d" % i] for i in range(50)]


@pytest.mark.timeout(20)
def test_random_ports(harness):
    """bind_*_to_random_port returns a port the device really listens on."""
    zmq = harness.zmq
    dev = harness.device("Device", zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    in_port = dev.bind_in_to_random_port("tcp://127.0.0.1")
    out_port = dev.bind_out_to_random_port("tcp://127.0.0.1", min_port=20000, max_port=60000)
    assert isinstance(in_port, int) and isinstance(out_port, int)
    assert in_port != out_port
    assert 20000 <= out_port < 60000
    dev.start()
    request_reply(harness, f"tcp://127.0.0.1:{in_port}", f"tcp://127.0.0.1:{out_port}")


@pytest.mark.timeout(30)
def test_random_ports_take_every_argument_and_fail_as_sockets_do(harness):
    """bind_{in,out,mon,ctrl}_to_random_port take bind_to_random_port's arguments,
    by position or keyword; a range with no free port raises ZMQBindError, as the
    socket's own method does, and leaves the device usable."""
    zmq = harness.zmq
    taken = harness.socket(zmq.PULL)
    port = taken.bind_to_random_port("tcp://127.0.0.1", min_port=30000, max_port=40000)
    dev = harness.device("ProxySteerable", zmq.ROUTER, zmq.DEALER, zmq.PUB, zmq.PAIR)
    ports = {}
    for low, role in zip((40000, 41000, 42000, 43000), ("in", "out", "mon", "ctrl"), strict=True):
        bind_random = getattr(dev, f"bind_{role}_to_random_port")
        with pytest.raises(zmq.ZMQBindError):
            bind_random("tcp://127.0.0.1", port, port + 1, 3)
        with pytest.raises(zmq.ZMQBindError):
            bind_random("tcp://127.0.0.1", min_port=port, max_port=port + 1, max_tries=2)
        if role in ("in", "out"):
            ports[role] = bind_random("tcp://127.0.0.1", low, low + 1000, 50)
        else:
            ports[role] = bind_random("tcp://127.0.0.1", min_port=low, max_port=low + 1000,
                                      max_tries=50)
        assert low <= ports[role] < low + 1000
    dev.start()
    request_reply(harness, f"tcp://127.0.0.1:{ports['in']}", f"tcp://127.0.0.1:{ports['out']}")


# ---------------------------------------------------------------------------
# Proxy (with monitor), ProxySteerable
# ---------------------------------------------------------------------------


def monitored_round_trip(harness, dev):
    """Run dev (ROUTER in, DEALER out, PUB monitor) with a REQ and a REP through
    it; one request and reply, then the two monitor messages they caused."""
    zmq = harness.zmq
    in_addr, out_addr, mon_addr = harness.addr(), harness.addr(), harness.addr()
    dev.bind_in(in_addr)
    dev.bind_out(out_addr)
    dev.bind_mon(mon_addr)
    dev.start()
    mon = harness.socket(zmq.SUB, connect=mon_addr)
    mon.setsockopt(zmq.SUBSCRIBE, b"")
    req = harness.socket(zmq.REQ, connect=in_addr)
    rep = harness.socket(zmq.REP, connect=out_addr)

    def probe():
        req.send(b"probe")
        recv(rep)
        rep.send(b"probe back")
        recv(req)

    subscribe_and_settle(zmq, probe, mon)
    req.send(b"question")
    assert recv(rep) == [b"question"]
    rep.send(b"answer")
    assert recv(req) == [b"answer"]
    return recv(mon), recv(mon)


@pytest.mark.timeout(20)
def test_proxy_copies_both_directions_to_monitor(harness):
    zmq = harness.zmq
    dev = harness.device("Proxy", zmq.ROUTER, zmq.DEALER, zmq.PUB)
    seen = list(monitored_round_trip(harness, dev))
    # the ROUTER side adds the client's routing id and an empty delimiter
    assert seen[0][-2:] == [b"", b"question"]
    assert seen[1][-2:] == [b"", b"answer"]
    assert seen[0][0] == seen[1][0]  # the same client's routing id


def steerable_setup(harness, ctrl_type):
    zmq = harness.zmq
    dev = harness.device("ProxySteerable", zmq.ROUTER, zmq.DEALER, zmq.PUB, ctrl_type)
    assert dev.ctrl_type == ctrl_type
    in_addr, out_addr, ctrl_addr = harness.addr(), harness.addr(), harness.addr()
    dev.bind_in(in_addr)
    dev.bind_out(out_addr)
    if ctrl_type is not None:
        dev.bind_ctrl(ctrl_addr)
    dev.start()
    req = harness.socket(zmq.REQ, connect=in_addr)
    rep = harness.socket(zmq.REP, connect=out_addr)
    return dev, req, rep, ctrl_addr


def control(harness, ctrl_addr):
    ctrl = harness.socket(harness.zmq.REQ, connect=ctrl_addr)

    def command(name):
        ctrl.send(name)
        if name == b"TERMINATE" and harness.variant == "process" and harness.zmq.__name__ != "zmqx":
            # pyzmq's device process exits right after TERMINATE, often before
            # its answer leaves; zmqx's lets its context finish sending first
            return [b""]
        return recv(ctrl)

    return command


def round_trip(req, rep, body):
    req.send(body)
    assert recv(rep) == [body]
    rep.send(body + b" back")
    assert recv(req) == [body + b" back"]


@pytest.mark.timeout(20)
def test_steerable_statistics_and_terminate(harness):
    zmq = harness.zmq
    dev, req, rep, ctrl_addr = steerable_setup(harness, zmq.REP)
    command = control(harness, ctrl_addr)
    round_trip(req, rep, b"one")
    round_trip(req, rep, b"two")

    stats = command(b"STATISTICS")
    assert len(stats) == 8
    values = [struct.unpack("=Q", frame)[0] for frame in stats]
    front_in, front_in_bytes, front_out, front_out_bytes = values[:4]
    back_in, back_in_bytes, back_out, back_out_bytes = values[4:]
    # what came in on one side went out on the other
    assert front_in == back_out > 0 and back_in == front_out > 0
    assert front_in_bytes == back_out_bytes > 0
    assert back_in_bytes == front_out_bytes > 0
    # two requests, each [routing id, delimiter, body] on the ROUTER side;
    # libzmq counts every frame as a message, zmqx's core counts messages
    assert front_in in (2, 6)

    assert command(b"TERMINATE") == [b""]
    dev.join(5)
    assert not dev.launcher.is_alive()
    if harness.variant == "process":
        assert dev.launcher.exitcode == 0
        # (pyzmq sets `done` in the device process only, where the parent cannot see it)
    if harness.variant == "thread" or harness.zmq.__name__ == "zmqx":
        assert dev.done


@pytest.mark.timeout(20)
def test_steerable_statistics_count_frames_like_libzmq(harness):
    """libzmq's STATISTICS counts message parts, not messages."""
    zmq = harness.zmq
    dev, req, rep, ctrl_addr = steerable_setup(harness, zmq.REP)
    command = control(harness, ctrl_addr)
    round_trip(req, rep, b"hello")
    values = [struct.unpack("=Q", frame)[0] for frame in command(b"STATISTICS")]
    # ROUTER side: 3 frames each way; DEALER side: the same 3 frames
    assert values[0::2] == [3, 3, 3, 3]
    assert command(b"TERMINATE") == [b""]
    dev.join(5)


@pytest.mark.zmqx_only  # libzmq 4.3.5 (pyzmq 27's) forwards while paused, then stalls
@pytest.mark.timeout(20)
def test_steerable_pause_resume(harness):
    zmq = harness.zmq
    dev, req, rep, ctrl_addr = steerable_setup(harness, zmq.REP)
    command = control(harness, ctrl_addr)
    round_trip(req, rep, b"one")
    assert command(b"PAUSE") == [b""]
    req.send(b"two")
    assert_silent(rep, 0.3)  # held while paused
    assert command(b"RESUME") == [b""]
    assert recv(rep) == [b"two"]
    rep.send(b"two back")
    assert recv(req) == [b"two back"]
    round_trip(req, rep, b"three")
    assert command(b"TERMINATE") == [b""]
    dev.join(5)
    assert dev.done


@pytest.mark.timeout(20)
@pytest.mark.zmqx_only  # pyzmq tries to make a socket of type None
def test_steerable_without_control_is_a_proxy(harness):
    dev, req, rep, _ = steerable_setup(harness, None)
    round_trip(req, rep, b"x")
    with pytest.raises(ValueError):
        dev.bind_ctrl("inproc://nothing")


# ---------------------------------------------------------------------------
# MonitoredQueue
# ---------------------------------------------------------------------------


@pytest.mark.timeout(20)
def test_monitored_queue_prefixes(harness):
    zmq = harness.zmq
    dev = harness.device("MonitoredQueue", zmq.ROUTER, zmq.DEALER, zmq.PUB, b"req", b"rep")
    incoming, outgoing = monitored_round_trip(harness, dev)
    assert incoming[0] == b"req" and incoming[-2:] == [b"", b"question"]
    assert outgoing[0] == b"rep" and outgoing[-2:] == [b"", b"answer"]
    assert len(incoming) == len(outgoing) == 4  # prefix, routing id, delimiter, body


@pytest.mark.timeout(20)
def test_monitored_queue_router_to_router(harness):
    """ROUTER on both sides: each reply goes back to the client that asked."""
    zmq = harness.zmq
    dev = harness.device("MonitoredQueue", zmq.ROUTER, zmq.ROUTER, zmq.PUB)
    in_addr, out_addr, mon_addr = harness.addr(), harness.addr(), harness.addr()
    dev.bind_in(in_addr)
    dev.bind_out(out_addr)
    dev.bind_mon(mon_addr)
    dev.start()
    worker = harness.socket(zmq.DEALER, connect=out_addr, identity=b"worker")
    clients = {
        name: harness.socket(zmq.DEALER, connect=in_addr, identity=name)
        for name in (b"alice", b"bob")
    }
    mon = harness.socket(zmq.SUB, connect=mon_addr)
    mon.setsockopt(zmq.SUBSCRIBE, b"")

    # until the device knows every peer (a ROUTER drops what it cannot route),
    # ping the worker from each client
    for client in clients.values():
        deadline = time.monotonic() + 5
        while True:
            assert time.monotonic() < deadline, "the worker was never reached"
            client.send_multipart([b"worker", b"ping"])
            if worker.poll(100):
                break
        while worker.poll(100):
            assert worker.recv_multipart()[1:] == [b"ping"]
    subscribe_and_settle(zmq, lambda: clients[b"alice"].send_multipart([b"worker", b"p"]), mon)
    while worker.poll(100):
        worker.recv_multipart()

    clients[b"alice"].send_multipart([b"worker", b"from alice"])
    clients[b"bob"].send_multipart([b"worker", b"from bob"])
    requests = [recv(worker), recv(worker)]
    assert sorted(requests) == [[b"alice", b"from alice"], [b"bob", b"from bob"]]
    # answer in the opposite order of arrival
    for sender, body in reversed(requests):
        worker.send_multipart([sender, b"answer to " + body])
    assert recv(clients[b"alice"]) == [b"worker", b"answer to from alice"]
    assert recv(clients[b"bob"]) == [b"worker", b"answer to from bob"]
    assert_silent(clients[b"alice"], 0.1)

    # the monitor sees each message as it is sent on: routing ids already swapped
    seen = sorted(recv(mon) for _ in range(4))
    assert seen == [
        [b"in", b"worker", b"alice", b"from alice"],
        [b"in", b"worker", b"bob", b"from bob"],
        [b"out", b"alice", b"worker", b"answer to from alice"],
        [b"out", b"bob", b"worker", b"answer to from bob"],
    ]


@pytest.mark.timeout(20)
def test_monitored_queue_function(zmq, devices, endpoints):
    """monitored_queue() itself, on sockets made by the test, in a thread."""
    ctx = zmq.Context()
    ins, outs, mons = ctx.socket(zmq.ROUTER), ctx.socket(zmq.DEALER), ctx.socket(zmq.PUB)
    client, server, mon = ctx.socket(zmq.REQ), ctx.socket(zmq.REP), ctx.socket(zmq.SUB)
    for s in (ins, outs, mons, client, server, mon):
        s.linger = 0
    ins.bind("inproc://mq-in")
    outs.bind("inproc://mq-out")
    mons.bind("inproc://mq-mon")
    mon.setsockopt(zmq.SUBSCRIBE, b"")
    mon.connect("inproc://mq-mon")
    client.connect("inproc://mq-in")
    server.connect("inproc://mq-out")
    result = {}

    def run():
        try:
            devices.monitored_queue(ins, outs, mons, in_prefix=b"I", out_prefix=b"O")
        except zmq.ContextTerminated:
            result["stopped"] = True
        finally:
            for s in (ins, outs, mons):
                s.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    client.send(b"ping")
    assert recv(server) == [b"ping"]
    server.send(b"pong")
    assert recv(client) == [b"pong"]
    assert recv(mon)[0] == b"I"
    assert recv(mon)[0] == b"O"
    for s in (client, server, mon):
        s.close()
    ctx.term()
    thread.join(5)
    assert result == {"stopped": True}


# ---------------------------------------------------------------------------
# one socket for both sides, running in the foreground, stopping
# ---------------------------------------------------------------------------


@pytest.mark.timeout(20)
def test_in_socket_serves_both_sides(harness):
    """out_type < 0: the in socket is also the out socket (a ROUTER echoes)."""
    zmq = harness.zmq
    dev = harness.device("Device", zmq.QUEUE, zmq.ROUTER, -1)
    addr = harness.addr()
    dev.bind_in(addr)
    dev.start()
    client = harness.socket(zmq.DEALER, connect=addr)
    client.send_multipart([b"echo", b"me"])
    assert recv(client) == [b"echo", b"me"]


@pytest.mark.timeout(20)
def test_foreground_device_stops_on_context_term(zmq, devices):
    ctx = zmq.Context()
    dev = devices.Device(zmq.QUEUE, zmq.ROUTER, zmq.DEALER)
    dev.context_factory = lambda: ctx
    dev.bind_in("inproc://fg-in")
    dev.bind_out("inproc://fg-out")
    thread = threading.Thread(target=dev.start, daemon=True)
    thread.start()
    req, rep = ctx.socket(zmq.REQ), ctx.socket(zmq.REP)
    req.connect("inproc://fg-in")
    rep.connect("inproc://fg-out")
    req.send(b"a")
    assert recv(rep) == [b"a"]
    rep.send(b"b")
    assert recv(req) == [b"b"]
    assert thread.is_alive() and not dev.done  # start() blocks while it runs
    req.close(linger=0)
    rep.close(linger=0)
    ctx.term()
    thread.join(5)
    assert not thread.is_alive()
    assert dev.done


@pytest.mark.timeout(20)
def test_thread_device_stops_on_context_term(zmq, devices):
    ctx = zmq.Context()
    dev = devices.ThreadProxy(zmq.ROUTER, zmq.DEALER)
    dev.context_factory = lambda: ctx
    dev.bind_in("inproc://t-in")
    dev.bind_out("inproc://t-out")
    dev.bind_mon("inproc://t-mon")
    dev.start()
    req = ctx.socket(zmq.REQ)
    req.connect("inproc://t-in")
    req.send(b"pending")  # unanswered: must not keep the device alive
    time.sleep(0.1)
    req.close(linger=0)
    ctx.term()
    dev.join(5)  # no error: a terminated context is a normal stop
    assert dev.done
    assert not dev.launcher.is_alive()


def test_class_defaults(zmq, devices):
    assert devices.ThreadDevice.context_factory == zmq.Context.instance
    assert devices.ProcessDevice.context_factory is zmq.Context
    proxy = devices.Proxy(zmq.ROUTER, zmq.DEALER)
    assert proxy.mon_type == zmq.PUB and proxy.device_type == zmq.QUEUE
    mq = devices.MonitoredQueue(zmq.XREP, zmq.XREQ)
    assert mq.mon_type == zmq.PUB
    assert devices.ProxySteerable(zmq.ROUTER, zmq.DEALER).ctrl_type is None
    with pytest.raises(TypeError):
        devices.Device(zmq.QUEUE)
    with pytest.raises(TypeError):
        devices.ThreadDevice(zmq.QUEUE, zmq.ROUTER)
    for name in devices.__all__:
        assert hasattr(devices, name)
