"""zmqx and pyzmq as independent peers over tcp: what one sends, the other gets."""

from __future__ import annotations

import pytest

import zmqx

pyzmq = pytest.importorskip("zmq")

pytestmark = pytest.mark.timeout(20)

# Which library binds and which connects, both ways round.
DIRECTIONS = [("zmqx", "pyzmq"), ("pyzmq", "zmqx")]
LIBRARIES = {"zmqx": zmqx, "pyzmq": pyzmq}


@pytest.fixture
def contexts():
    made = {"zmqx": zmqx.Context(), "pyzmq": pyzmq.Context()}
    yield made
    for ctx in made.values():
        ctx.destroy(linger=0)


def connected(contexts, binder, connector, bind_type, connect_type):
    a = contexts[binder].socket(getattr(LIBRARIES[binder], bind_type))
    b = contexts[connector].socket(getattr(LIBRARIES[connector], connect_type))
    for s in (a, b):
        s.linger = 0
        s.rcvtimeo = 5000
        s.sndtimeo = 5000
    port = a.bind_to_random_port("tcp://127.0.0.1")
    b.connect(f"tcp://127.0.0.1:{port}")
    return a, b


@pytest.mark.parametrize("binder,connector", DIRECTIONS)
def test_push_pull_in_order(contexts, binder, connector):
    push, pull = connected(contexts, binder, connector, "PUSH", "PULL")
    sent = [f"message {i}".encode() * (i % 7 + 1) for i in range(500)]
    for m in sent:
        push.send(m)
    assert [pull.recv() for _ in sent] == sent


@pytest.mark.parametrize("binder,connector", DIRECTIONS)
def test_multipart_whole_including_empty_and_large_frames(contexts, binder, connector):
    a, b = connected(contexts, binder, connector, "PAIR", "PAIR")
    message = [b"", b"header", bytes(range(256)) * 4096, b""]
    a.send_multipart(message)
    assert b.recv_multipart() == message
    b.send_multipart(message[::-1], copy=False)
    assert [bytes(f) for f in a.recv_multipart(copy=False)] == message[::-1]


@pytest.mark.parametrize("binder,connector", DIRECTIONS)
def test_req_rep_round_trips(contexts, binder, connector):
    rep, req = connected(contexts, binder, connector, "REP", "REQ")
    for i in range(50):
        req.send_json({"n": i})
        request = rep.recv_json()
        rep.send_json({"n": request["n"] * 2})
        assert req.recv_json() == {"n": i * 2}


@pytest.mark.parametrize("binder,connector", DIRECTIONS)
def test_router_routes_by_peer_identity(contexts, binder, connector):
    router, dealer = connected(contexts, binder, connector, "ROUTER", "DEALER")
    dealer.send_multipart([b"", b"hello"])
    identity, empty, body = router.recv_multipart()
    assert (empty, body) == (b"", b"hello")
    router.send_multipart([identity, b"", b"reply"])
    assert dealer.recv_multipart() == [b"", b"reply"]


@pytest.mark.parametrize("binder,connector", DIRECTIONS)
def test_pub_sub_subscription_filtering(contexts, binder, connector):
    pub, sub = connected(contexts, binder, connector, "PUB", "SUB")
    sub.setsockopt(LIBRARIES[connector].SUBSCRIBE, b"wanted")
    # a subscription reaches the publisher asynchronously: publish until it lands
    for _ in range(500):
        pub.send(b"wanted probe")
        if sub.poll(10):
            break
    while sub.poll(50):
        sub.recv()
    pub.send(b"unwanted 1")
    pub.send(b"wanted 1")
    assert sub.recv() == b"wanted 1"
    assert not sub.poll(100)


def test_zero_copy_numpy_to_pyzmq(contexts):
    np = pytest.importorskip("numpy")
    push, pull = connected(contexts, "zmqx", "pyzmq", "PUSH", "PULL")
    array = np.arange(1 << 20, dtype=np.int32)
    tracker = push.send(array, copy=False, track=True)
    received = np.frombuffer(pull.recv(copy=False).buffer, dtype=np.int32)
    assert np.array_equal(received, array)
    tracker.wait(5)
    assert tracker.done
