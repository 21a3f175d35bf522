"""send/recv and friends over real sockets."""

from __future__ import annotations

import json
import pickle

import pytest

pytestmark = pytest.mark.timeout(10)


def wait_in(sock, timeout_ms=2000):
    assert sock.poll(timeout_ms), "nothing arrived in time"


# ---------------------------------------------------------------------------
# send / recv
# ---------------------------------------------------------------------------


def test_send_recv_each_transport(ctx, zmq, pair, transport):
    push, pull = pair(ctx, zmq.PUSH, zmq.PULL, transport)
    assert push.send(b"hello") is None
    wait_in(pull)
    assert pull.recv() == b"hello"
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, transport)
    b.send(b"")
    wait_in(a)
    assert a.recv() == b""
    payload = bytes(range(256)) * 1000
    a.send(payload)
    wait_in(b)
    assert b.recv() == payload


def test_send_accepts_buffers(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(bytearray(b"ba"))
    a.send(memoryview(b"mv"))
    a.send(memoryview(b"0123456789")[2:5])
    assert b.recv() == b"ba"
    assert b.recv() == b"mv"
    assert b.recv() == b"234"


def test_send_rejects_str(ctx, zmq, pair):
    a, _b = pair(ctx, zmq.PAIR, zmq.PAIR)
    with pytest.raises(TypeError):
        a.send("text")
    with pytest.raises(TypeError):
        a.send(12)


def test_sndmore_and_rcvmore(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"x", zmq.SNDMORE)
    a.send(b"y", flags=zmq.SNDMORE)
    a.send(b"z")
    assert b.recv() == b"x"
    assert b.rcvmore == 1
    assert b.getsockopt(zmq.RCVMORE) == 1
    assert b.recv() == b"y"
    assert b.recv() == b"z"
    assert b.rcvmore == 0


def test_recv_copy_false_returns_frame(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"frame-data")
    f = b.recv(copy=False)
    assert isinstance(f, zmq.Frame)
    assert f.bytes == b"frame-data"
    assert bytes(f) == b"frame-data"
    assert f.more is False
    assert f.tracker is None


def test_recv_track_true_with_copy_false(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"x")
    f = b.recv(copy=False, track=True)
    assert isinstance(f.tracker, zmq.MessageTracker)
    assert f.tracker.done


def test_send_return_values(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    # copy=True: nothing to track, returns None (track is ignored)
    assert a.send(b"x") is None
    assert a.send(b"x", track=True) is None
    # copy=False, track=False, large message: untracked zero-copy -> None
    big = b"b" * (2 * zmq.COPY_THRESHOLD)
    assert a.send(big, copy=False) is None
    # copy=False below the copy threshold: copied, tracker already done
    t = a.send(b"small", copy=False)
    assert isinstance(t, zmq.MessageTracker)
    assert t.done
    t = a.send(b"small", copy=False, track=True)
    assert isinstance(t, zmq.MessageTracker)
    assert t.done
    for _ in range(5):
        b.recv()


def test_send_frame_returns_its_tracker(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    f = zmq.Frame(b"payload")
    assert a.send(f) is None  # untracked frame
    assert b.recv() == b"payload"
    with pytest.raises(ValueError):
        a.send(zmq.Frame(b"untracked"), track=True)
    big = b"f" * (2 * zmq.COPY_THRESHOLD)
    tf = zmq.Frame(big, track=True)
    t = a.send(tf, copy=False)
    assert t is tf.tracker
    assert b.recv() == big


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "numpy"])
def test_zero_copy_send_of_buffers(ctx, zmq, pair, transport, kind):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, transport)
    raw = bytes(range(256)) * 1024  # 256 KiB > COPY_THRESHOLD
    if kind == "bytes":
        obj = raw
    elif kind == "bytearray":
        obj = bytearray(raw)
    elif kind == "memoryview":
        obj = memoryview(bytearray(raw))
    else:
        np = pytest.importorskip("numpy")
        obj = np.frombuffer(raw, dtype=np.uint8).copy()
    t = a.send(obj, copy=False, track=True)
    assert isinstance(t, zmq.MessageTracker)
    wait_in(b)
    f = b.recv(copy=False)
    assert f.bytes == raw
    assert memoryview(f).nbytes == len(raw)


def test_zero_copy_numpy_multidimensional(ctx, zmq, pair):
    np = pytest.importorskip("numpy")
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    arr = np.arange(200 * 300, dtype=np.float64).reshape(200, 300)
    a.send(arr, copy=False)
    got = np.frombuffer(b.recv(), dtype=np.float64).reshape(200, 300)
    assert (got == arr).all()


# ---------------------------------------------------------------------------
# multipart
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("copy", [True, False])
def test_multipart_roundtrip(ctx, zmq, pair, transport, copy):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, transport)
    parts = [b"", b"a", b"", b"b" * 10, b"c" * 100_000]
    a.send_multipart(parts, copy=copy)
    wait_in(b)
    got = b.recv_multipart(copy=copy)
    if copy:
        assert got == parts
    else:
        assert all(isinstance(f, zmq.Frame) for f in got)
        assert [f.bytes for f in got] == parts
        assert [f.more for f in got] == [True] * (len(parts) - 1) + [False]


def test_multipart_many_frames(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    parts = [str(i).encode() for i in range(1000)]
    a.send_multipart(parts)
    assert b.recv_multipart() == parts


def test_multipart_mixed_buffers(ctx, zmq, pair):
    np = pytest.importorskip("numpy")
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send_multipart(
        [bytearray(b"ba"), memoryview(b"mv"), np.arange(4, dtype=np.int32), zmq.Frame(b"fr")],
        copy=False,
    )
    got = b.recv_multipart()
    assert got[:2] == [b"ba", b"mv"]
    assert got[2] == np.arange(4, dtype=np.int32).tobytes()
    assert got[3] == b"fr"


def test_multipart_with_sndmore_flag_prefix(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send_multipart([b"1", b"2"], flags=zmq.SNDMORE)
    a.send(b"3")
    assert b.recv_multipart() == [b"1", b"2", b"3"]


def test_multipart_rejects_str_before_sending_anything(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    with pytest.raises(TypeError):
        a.send_multipart([b"ok", "not bytes"])
    # nothing (not even the first part) was sent
    a.send(b"next")
    assert b.recv_multipart() == [b"next"]


def test_multipart_of_no_parts_raises_indexerror_and_sends_nothing(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    with pytest.raises(IndexError):  # pyzmq's class
        a.send_multipart([])
    a.send(b"next")
    assert b.recv_multipart() == [b"next"]


def test_multipart_return_values(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    assert a.send_multipart([b"a", b"b"]) is None
    t = a.send_multipart([b"a", b"b"], copy=False)
    assert isinstance(t, zmq.MessageTracker)
    b.recv_multipart()
    b.recv_multipart()


def test_router_dealer_envelopes(ctx, zmq, pair, transport):
    router, dealer = pair(ctx, zmq.ROUTER, zmq.DEALER, transport)
    # a routing id must be set before connecting
    d2 = ctx.socket(zmq.DEALER)
    d2.linger = 0
    d2.identity = b"dealer-2"
    d2.connect(router.last_endpoint.decode())
    dealer.send_multipart([b"", b"anonymous"])
    wait_in(router)
    anon_id, _, body = router.recv_multipart()
    assert body == b"anonymous"
    assert len(anon_id) == 5 and anon_id[0] == 0  # libzmq generated id
    d2.send_multipart([b"", b"req"])
    wait_in(router)
    ident, empty, body = router.recv_multipart()
    assert (ident, empty, body) == (b"dealer-2", b"", b"req")
    router.send_multipart([ident, b"", b"rep"])
    wait_in(d2)
    assert d2.recv_multipart() == [b"", b"rep"]


def test_req_rep(ctx, zmq, pair, transport):
    rep, req = pair(ctx, zmq.REP, zmq.REQ, transport)
    for i in range(5):
        req.send_string(f"q{i}")
        wait_in(rep)
        assert rep.recv_string() == f"q{i}"
        rep.send_string(f"a{i}")
        wait_in(req)
        assert req.recv_string() == f"a{i}"


def test_pub_sub(ctx, zmq, pair, transport):
    pub, sub = pair(ctx, zmq.PUB, zmq.SUB, transport)
    for i in range(10):
        pub.send_multipart([b"topic", str(i).encode()])
    got = []
    while len(got) < 10 and sub.poll(2000):
        got.append(sub.recv_multipart())
    assert got == [[b"topic", str(i).encode()] for i in range(10)]


# ---------------------------------------------------------------------------
# recv_into
# ---------------------------------------------------------------------------


def test_recv_into_exact_and_short(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"hey")
    buf = bytearray(10)
    n = b.recv_into(buf)
    assert n == 3
    assert buf == b"hey" + b"\x00" * 7


def test_recv_into_truncates(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"hello world")
    a.send(b"next")
    buf = bytearray(5)
    n = b.recv_into(buf)
    assert n == 11  # the full size is reported
    assert buf == b"hello"
    # the rest of the frame was discarded
    assert b.recv() == b"next"


def test_recv_into_nbytes(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"hello world")
    buf = bytearray(10)
    n = b.recv_into(buf, nbytes=3)
    assert n == 11
    assert buf == b"hel" + b"\x00" * 7
    with pytest.raises(ValueError):
        b.recv_into(bytearray(4), nbytes=10)
    with pytest.raises(ValueError):
        b.recv_into(bytearray(4), nbytes=-1)
    with pytest.raises(TypeError):
        b.recv_into(bytearray(4), 2)  # nbytes is keyword-only


def test_recv_into_buffer_types(ctx, zmq, pair):
    np = pytest.importorskip("numpy")
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"mv-data")
    mv = memoryview(bytearray(16))
    assert b.recv_into(mv) == 7
    assert bytes(mv[:7]) == b"mv-data"
    a.send(np.arange(4, dtype=np.int32))
    arr = np.zeros(4, dtype=np.int32)
    assert b.recv_into(arr) == 16
    assert arr.tolist() == [0, 1, 2, 3]
    with pytest.raises(BufferError):
        b.recv_into(b"read-only bytes")


def test_recv_into_flags_and_discard(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    with pytest.raises(zmq.Again):
        b.recv_into(bytearray(4), flags=zmq.NOBLOCK)
    a.send(b"discard me")
    a.send(b"keep")
    assert b.recv_into(bytearray()) == 10
    assert b.recv() == b"keep"


def test_recv_into_multipart(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send_multipart([b"first", b"second"])
    buf = bytearray(10)
    assert b.recv_into(buf) == 5
    assert b.rcvmore == 1
    assert b.recv_into(buf) == 6
    assert b.rcvmore == 0
    assert buf[:6] == b"second"


# ---------------------------------------------------------------------------
# serialisation helpers
# ---------------------------------------------------------------------------


def test_send_recv_string(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send_string("héllo")
    assert b.recv() == "héllo".encode()
    a.send_string("héllo", encoding="latin-1")
    assert b.recv() == b"h\xe9llo"
    a.send_string("héllo", encoding="utf-16")
    assert b.recv_string(encoding="utf-16") == "héllo"
    a.send_string("x", flags=zmq.SNDMORE)
    a.send_string("y")
    assert b.recv_multipart() == [b"x", b"y"]
    with pytest.raises(TypeError):
        a.send_string(b"bytes")
    with pytest.raises(zmq.Again):
        b.recv_string(flags=zmq.NOBLOCK)
    with pytest.raises(zmq.Again):
        b.recv_string(zmq.NOBLOCK)


def test_send_recv_json(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    obj = {"a": [1, 2, None], "b": "ü", "c": 1.5}
    a.send_json(obj)
    raw = b.recv()
    assert json.loads(raw) == obj
    a.send_json(obj)
    assert b.recv_json() == obj
    a.send_json({"b": 1, "a": 2}, sort_keys=True)  # kwargs go to json.dumps
    assert b.recv() == b'{"a": 2, "b": 1}'
    with pytest.raises(zmq.Again):
        b.recv_json(zmq.DONTWAIT)


def test_send_recv_pyobj(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    obj = {"x": {1, 2}, "y": (1, "two", 3.0)}
    a.send_pyobj(obj)
    assert b.recv_pyobj() == obj
    a.send_pyobj(obj, protocol=2)
    raw = b.recv()
    assert raw[:2] == b"\x80\x02"
    assert pickle.loads(raw) == obj
    a.send_pyobj(obj)
    raw = b.recv()
    assert raw[:2] == bytes([0x80, pickle.DEFAULT_PROTOCOL])
    with pytest.raises(zmq.Again):
        b.recv_pyobj(zmq.NOBLOCK)


def test_send_recv_serialized(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)

    def ser(o):
        return [json.dumps(o).encode(), b"tail"]

    a.send_serialized({"k": 1}, serialize=ser)
    assert b.recv_multipart() == [b'{"k": 1}', b"tail"]
    a.send_serialized({"k": 2}, serialize=ser)
    out = b.recv_serialized(lambda frames: (json.loads(frames[0]), len(frames)))
    assert out == ({"k": 2}, 2)
    a.send_serialized(5, serialize=lambda o: [str(o).encode()], copy=False)
    kinds = b.recv_serialized(lambda frames: [type(f) for f in frames], copy=False)
    assert kinds == [zmq.Frame]
