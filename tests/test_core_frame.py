"""Frame (Message) and MessageTracker."""

from __future__ import annotations

import gc
import threading
import time

import pytest

pytestmark = pytest.mark.timeout(10)


def test_message_is_frame(zmq):
    assert zmq.Message is zmq.Frame


def test_frame_construction_and_buffer(zmq):
    f = zmq.Frame(b"abc")
    assert len(f) == 3
    assert f.bytes == b"abc"
    assert bytes(f) == b"abc"
    mv = memoryview(f)
    assert mv.nbytes == 3
    assert mv.format == "B"
    assert bytes(mv) == b"abc"
    assert isinstance(f.buffer, memoryview)
    assert bytes(f.buffer) == b"abc"
    assert f.more is False
    assert f.tracker is None
    empty = zmq.Frame()
    assert len(empty) == 0
    assert empty.bytes == b""


def test_frame_from_buffers(zmq):
    np = pytest.importorskip("numpy")
    assert zmq.Frame(bytearray(b"ba")).bytes == b"ba"
    assert zmq.Frame(memoryview(b"mv")).bytes == b"mv"
    arr = np.arange(3, dtype=np.int16)
    assert zmq.Frame(arr).bytes == arr.tobytes()
    big = b"q" * (3 * zmq.COPY_THRESHOLD)
    assert zmq.Frame(big).bytes == big
    assert zmq.Frame(big, copy=True).bytes == big
    assert zmq.Frame(b"tiny", copy=False).bytes == b"tiny"


def test_frame_rejects_str(zmq):
    with pytest.raises(TypeError):
        zmq.Frame("text")


def test_frame_repr(zmq):
    r = repr(zmq.Frame(b"abc"))
    assert "Frame" in r
    assert "abc" in r


def test_frame_more_attribute_is_writable(zmq):
    f = zmq.Frame(b"x")
    f.more = True
    assert f.more is True


def test_frame_get_set_properties(zmq):
    f = zmq.Frame(b"x")
    assert f.get(zmq.MORE) == 0
    with pytest.raises(zmq.ZMQError) as info:
        f.set(zmq.MORE, 1)  # read-only in libzmq
    assert info.value.errno == zmq.EINVAL
    with pytest.raises(zmq.ZMQError) as info:
        f.get(9999)
    assert info.value.errno == zmq.EINVAL
    # metadata is only present on received frames
    with pytest.raises(zmq.ZMQError) as info:
        f.get("Socket-Type")
    assert info.value.errno == zmq.EINVAL


def test_received_frame_metadata_over_tcp(ctx, zmq, pair):
    push, pull = pair(ctx, zmq.PUSH, zmq.PULL, "tcp")
    push.send(b"x")
    assert pull.poll(2000)
    f = pull.recv(copy=False)
    assert f.get("Peer-Address") == "127.0.0.1"
    assert f.get("Socket-Type") == "PUSH"
    assert f.get(b"Socket-Type") == "PUSH"
    with pytest.raises(zmq.ZMQError) as info:
        f.get("No-Such-Property")
    assert info.value.errno == zmq.EINVAL


def test_received_frame_more(ctx, zmq, pair, transport):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR, transport)
    a.send_multipart([b"1", b"2", b"3"])
    assert b.poll(2000)
    frames = [b.recv(copy=False) for _ in range(3)]
    assert [f.more for f in frames] == [True, True, False]
    assert [f.get(zmq.MORE) for f in frames] == [1, 1, 0]


def test_received_frame_buffer_is_writable_memoryview(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"abcdef")
    f = b.recv(copy=False)
    mv = memoryview(f)
    assert mv.readonly is False
    assert bytes(mv[2:4]) == b"cd"


def test_frame_outlives_socket_and_context(zmq):
    c = zmq.Context()
    a = c.socket(zmq.PAIR)
    b = c.socket(zmq.PAIR)
    a.bind("inproc://outlive")
    b.connect("inproc://outlive")
    payload = b"p" * (2 * zmq.COPY_THRESHOLD)
    a.send(payload, copy=False)
    f = b.recv(copy=False)
    c.destroy(linger=0)
    assert f.bytes == payload
    assert bytes(memoryview(f)) == payload


def test_routing_id_and_group_are_draft_features(zmq):
    assert hasattr(zmq.Frame, "routing_id")
    assert hasattr(zmq.Frame, "group")
    if zmq.DRAFT_API:
        pytest.skip("draft API available: routing_id/group are functional")
    f = zmq.Frame(b"x")
    with pytest.raises(RuntimeError):
        _ = f.routing_id
    with pytest.raises(RuntimeError):
        _ = f.group
    with pytest.raises(RuntimeError):
        f.routing_id = 1


# ---------------------------------------------------------------------------
# trackers
# ---------------------------------------------------------------------------


def test_frame_tracker(zmq):
    assert zmq.Frame(b"x").tracker is None
    small = zmq.Frame(b"x", track=True)  # copied: nothing to wait for
    assert isinstance(small.tracker, zmq.MessageTracker)
    assert small.tracker.done
    big = zmq.Frame(b"x" * (2 * zmq.COPY_THRESHOLD), track=True)
    assert isinstance(big.tracker, zmq.MessageTracker)
    assert not big.tracker.done  # the frame still shares memory with its data
    del big


def test_tracker_event_is_none_when_nothing_is_tracked(zmq):
    assert zmq.Frame(b"x").tracker_event is None
    assert zmq.Frame(b"x" * (2 * zmq.COPY_THRESHOLD)).tracker_event is None  # untracked
    assert zmq.Frame(b"x", track=True).tracker_event is None  # copied


def test_tracker_event_is_set_once_libzmq_releases_the_buffer(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    f = zmq.Frame(b"e" * 200_000, track=True)
    event = f.tracker_event
    assert isinstance(event, threading.Event)
    assert not event.is_set()
    assert not event.wait(0.05)
    a.send(f, copy=False)
    got = b.recv(copy=False)
    assert got.tracker_event is None  # a received frame tracks nothing
    tracker = zmq.MessageTracker(event)  # an Event is something a tracker watches
    del f, got  # the sent message and our frame both hold the buffer
    gc.collect()
    assert event.wait(2)
    assert event.is_set()
    tracker.wait(2)
    assert tracker.done


def test_tracker_event_is_set_by_libzmq_alone(zmq, zmqx_only):
    f = zmq.Frame(b"e" * 200_000, track=True)
    event = f.tracker_event
    assert event is f.tracker_event
    for call in (event.set, event.clear):  # would make the tracker lie
        with pytest.raises(TypeError):
            call()
    assert not event.is_set() and not f.tracker.done


def test_empty_message_tracker_is_done(zmq):
    t = zmq.MessageTracker()
    assert t.done
    assert t.wait() is None


def test_tracker_lifecycle_inproc(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    big = b"z" * 200_000
    t = a.send(big, copy=False, track=True)
    assert isinstance(t, zmq.MessageTracker)
    assert not t.done
    t0 = time.monotonic()
    with pytest.raises(zmq.NotDone):
        t.wait(0.1)
    assert 0.08 <= time.monotonic() - t0 < 2
    # inproc hands the same message to the peer: still not done while held
    got = b.recv(copy=False)
    assert got.bytes == big
    with pytest.raises(zmq.NotDone):
        t.wait(0.05)
    assert not t.done
    del got
    gc.collect()
    assert t.wait(2) is None
    assert t.done


def test_tracker_done_after_tcp_send(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PUSH, zmq.PULL, "tcp")
    t = a.send(b"y" * 200_000, copy=False, track=True)
    assert b.poll(2000)
    b.recv()
    t.wait(2)
    assert t.done


def test_tracker_of_sent_frame(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    f = zmq.Frame(b"w" * 200_000, track=True)
    t = a.send(f, copy=False)
    assert t is f.tracker
    got = b.recv(copy=False)
    del got
    gc.collect()
    time.sleep(0.05)
    # our own frame `f` still references the data
    assert not t.done
    del f
    gc.collect()
    t.wait(2)
    assert t.done


def test_tracker_with_copy_threshold_zero(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.copy_threshold = 0  # always zero-copy, even for tiny messages
    t = a.send(b"tiny", copy=False, track=True)
    assert not t.done
    f = b.recv(copy=False)
    assert not t.done
    del f
    gc.collect()
    t.wait(2)
    assert t.done


def test_multipart_tracker(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    big = b"m" * 200_000
    t = a.send_multipart([big, big], copy=False, track=True)
    assert isinstance(t, zmq.MessageTracker)
    assert not t.done
    frames = b.recv_multipart(copy=False)
    assert not t.done
    del frames
    gc.collect()
    t.wait(2)
    assert t.done


def test_tracker_done_after_close_with_linger_zero(ctx, zmq):
    s = ctx.socket(zmq.PUSH)
    s.connect("tcp://127.0.0.1:1")  # never connects: message is queued
    t = s.send(b"n" * 200_000, copy=False, track=True)
    with pytest.raises(zmq.NotDone):
        t.wait(0.05)
    s.close(linger=0)
    t.wait(2)
    assert t.done
