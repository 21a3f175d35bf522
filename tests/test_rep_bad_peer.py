"""A REP socket after a peer that sent a request without its envelope and left.

libzmq's REP (rep_t::xrecv) copies each request's routing labels to the reply
pipe up to the empty delimiter; a request that ends without one is undone with
router_t::rollback(). That rollback clears the half-written reply (_more_out)
only while the peer's pipe still exists (_current_out): when the peer has
disconnected before the REP reads its request, _more_out stays set, so the next
request's routing id is taken for a body frame and dropped, and the reply to
that request goes nowhere: its client waits forever. One reply is lost per such
peer; the REP works again afterwards. Any peer can do it: a raw TCP client whose
bytes parse as ZMTP 1.0 frames, or a libzmq DEALER (ZMTP 3). libzmq 4.3 and its
master branch have this rollback; zmqx cannot reach that state from outside
(README: Differences from pyzmq), so the defect is pinned here on both
implementations.
"""

from __future__ import annotations

import socket
import time

import pytest

pytestmark = pytest.mark.timeout(60)

ARRIVES = 3000  # ms to wait for what must arrive
REPLY = 1000  # ms to wait for a reply (on loopback it takes well under one)
LIBZMQ_DEFECT = (
    "libzmq defect (router_t::rollback resets _more_out only when _current_out is set): "
    "after a peer sent a request without the empty delimiter and disconnected before "
    "the REP read it, the REP drops its reply to the next request"
)


def bad_peer_then_round_trips(zmq, ctx, bad_peer, rounds=2):
    """Whether each of `rounds` REQ clients, one after the other, got its reply,
    after `bad_peer` sent a request without a delimiter and left."""
    rep = ctx.socket(zmq.REP)
    rep.linger = 0
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    monitor = rep.get_monitor_socket(zmq.EVENT_DISCONNECTED)
    if bad_peer == "raw ZMTP 1.0":
        # ZMTP 1.0 frames (length, flags, body): an identity, then "junk" (more), "more"
        raw = socket.create_connection(("127.0.0.1", port))
        raw.sendall(b"\x04\x00abc" + b"\x05\x01junk" + b"\x05\x00more")
        # the REP has it queued (else a quick disconnect may discard it unread)
        assert rep.poll(ARRIVES), "the bad request did not arrive"
        raw.close()
    else:
        dealer = ctx.socket(zmq.DEALER)
        dealer.connect(f"tcp://127.0.0.1:{port}")
        dealer.send_multipart([b"junk", b"more"])
        assert rep.poll(ARRIVES), "the bad request did not arrive"
        dealer.close(linger=0)
    assert monitor.poll(ARRIVES), "the bad peer never disconnected"
    # the connection's end reaches the REP's pipe a moment after the event
    time.sleep(0.3)
    rep.disable_monitor()
    monitor.close(linger=0)
    replies = []
    for n in range(rounds):
        req = ctx.socket(zmq.REQ)
        req.linger = 0
        req.connect(f"tcp://127.0.0.1:{port}")
        req.send(b"ping %d" % n)
        assert rep.poll(ARRIVES), "the request did not arrive"
        assert rep.recv() == b"ping %d" % n
        rep.send(b"pong %d" % n)
        replies.append(bool(req.poll(REPLY)) and req.recv() == b"pong %d" % n)
        req.close()
    rep.close()
    return replies


@pytest.mark.xfail(strict=True, reason=LIBZMQ_DEFECT)
@pytest.mark.parametrize("bad_peer", ["raw ZMTP 1.0", "DEALER"])
def test_rep_replies_after_a_peer_left_a_request_without_delimiter(zmq, ctx, bad_peer):
    assert bad_peer_then_round_trips(zmq, ctx, bad_peer, rounds=1) == [True]


@pytest.mark.parametrize("bad_peer", ["raw ZMTP 1.0", "DEALER"])
def test_rep_loses_no_more_than_that_one_reply(zmq, ctx, bad_peer):
    """The extent the README promises: the round trips after the lost one work."""
    assert bad_peer_then_round_trips(zmq, ctx, bad_peer, rounds=3)[1:] == [True, True]


def test_rep_replies_while_that_peer_stays(zmq, ctx):
    """The condition: while the peer is connected, the rollback clears the state."""
    rep = ctx.socket(zmq.REP)
    rep.linger = 0
    port = rep.bind_to_random_port("tcp://127.0.0.1")
    raw = socket.create_connection(("127.0.0.1", port))
    raw.sendall(b"\x04\x00abc" + b"\x05\x01junk" + b"\x05\x00more")
    req = ctx.socket(zmq.REQ)
    req.linger = 0
    req.connect(f"tcp://127.0.0.1:{port}")
    time.sleep(0.1)  # the garbage is queued first
    req.send(b"ping")
    assert rep.poll(ARRIVES) and rep.recv() == b"ping"
    rep.send(b"pong")
    assert req.poll(ARRIVES) and req.recv() == b"pong"
    raw.close()
