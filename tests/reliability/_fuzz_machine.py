"""A hypothesis state machine that drives zmqx with random, often wrong, calls.

Run as a script by test_fuzz_api.py, in a child process, so that an abort or a
segfault is seen as the child dying (with faulthandler's stacks) rather than
taking pytest down. Every call must return or raise a documented exception:
ZMQError and the other zmqx errors, TypeError, ValueError, BufferError,
OverflowError, and where an API documents it KeyError (Poller.unregister),
AttributeError (options as attributes) or RuntimeError (draft-only properties).
Anything else, a crash, or a hang is a failure.

    python _fuzz_machine.py MAX_EXAMPLES STEPS [SEED]

prints `RESULT {json}` with the number of examples and steps run.
"""

from __future__ import annotations

import copy
import faulthandler
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

import zmqx as zmq
from zmqx._core._core import monitored_queue

DOCUMENTED = (zmq.ZMQBaseError, TypeError, ValueError, BufferError, OverflowError)

SOCKET_TYPES = [
    zmq.PAIR,
    zmq.PUB,
    zmq.SUB,
    zmq.REQ,
    zmq.REP,
    zmq.DEALER,
    zmq.ROUTER,
    zmq.PULL,
    zmq.PUSH,
    zmq.XPUB,
    zmq.XSUB,
    zmq.STREAM,
]
PAIR_KINDS = [
    (zmq.PAIR, zmq.PAIR),
    (zmq.PUSH, zmq.PULL),
    (zmq.REQ, zmq.REP),
    (zmq.DEALER, zmq.ROUTER),
    (zmq.PUB, zmq.SUB),
    (zmq.XPUB, zmq.XSUB),
    (zmq.DEALER, zmq.DEALER),
    (zmq.ROUTER, zmq.DEALER),
    (zmq.PULL, zmq.PUSH),
]

# Socket options not fuzzed, and why:
#  LINGER (17): a random -1 would make Context.term wait forever for queued
#      messages, as libzmq documents; linger is set by a rule of its own in 0..50 ms.
#  SOCKS_PROXY (68): random text is a host name, looked up and connected to
#      (this machine may only talk to its own addresses).
#  USE_FD (89): hands libzmq a raw file descriptor it will later close, which is
#      os.close() on a random fd, not an API misuse zmqx can guard.
#  BINDTODEVICE (92): would tie sockets to a real interface.
EXCLUDED_OPTIONS = {17, 68, 89, 92}
# Context options not fuzzed: BLOCKY (70) for the same reason as LINGER; thread
# scheduling, priority and affinity (3, 4, 7, 8) of libzmq's I/O threads.
EXCLUDED_CONTEXT_OPTIONS = {3, 4, 7, 8, 70}

KNOWN_OPTIONS = sorted(int(o) for o in zmq.SocketOption if int(o) not in EXCLUDED_OPTIONS)

TMP = tempfile.mkdtemp(prefix="zxf")

OUTCOMES: Counter[str] = Counter()
STATS = Counter()


# ZMQX_FUZZ_TRACE=path: every rule writes a line (its name and arguments) to path,
# flushed before it runs, so that the steps before a crash can be read and replayed.
# A line "=== example N" starts each example.
TRACE = (
    open(os.environ["ZMQX_FUZZ_TRACE"], "a", buffering=1)
    if os.environ.get("ZMQX_FUZZ_TRACE")
    else None
)


def trace(line: str) -> None:
    if TRACE is not None:
        TRACE.write(line + "\n")
        TRACE.flush()


def describe(value: object) -> str:
    """A short, identity-revealing description of a rule argument for the trace."""
    if isinstance(value, zmq.Socket):
        state = "closed" if value.closed else "open"
        kind = getattr(value, "_type", "?")
        return (
            f"S{id(value) & 0xFFFFFF:06x}(t{kind},{state},h{value.underlying:x}"
            f"{',shadow' if value._shadow else ''})"
        )
    if isinstance(value, zmq.Context):
        return f"C{id(value) & 0xFFFFFF:06x}({'closed' if value.closed else 'open'})"
    if isinstance(value, zmq.Frame):
        return f"F{id(value) & 0xFFFFFF:06x}(len={len(value)})"
    if isinstance(value, zmq.Poller):
        return f"P{id(value) & 0xFFFFFF:06x}(n={len(value.sockets)})"
    if isinstance(value, (bytes, bytearray, memoryview)) and len(value) > 16:
        return f"{type(value).__name__}(len={len(value)})"
    if isinstance(value, np.ndarray):
        return f"ndarray(len={value.size})"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(describe(v) for v in value) + "]"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Defect(AssertionError):
    """zmqx did something it must never do (other than crash or hang)."""


def check_exception(e: BaseException) -> None:
    """A documented exception must also be well-formed."""
    repr(e)
    str(e)
    if isinstance(e, zmq.ZMQError) and e.errno is not None and not isinstance(e.errno, int):
        raise Defect(f"ZMQError.errno is {e.errno!r}")


def attempt(op: str, fn, *args, extra: tuple = (), **kwargs):
    """Call fn; a documented exception is an outcome, anything else a failure."""
    try:
        result = fn(*args, **kwargs)
    except DOCUMENTED + extra as e:
        check_exception(e)
        name = type(e).__name__
        if isinstance(e, zmq.ZMQError) and e.errno is not None:
            name += f"({zmq.constants.Errno(e.errno).name if e.errno in _ERRNOS else e.errno})"
        OUTCOMES[f"{op}: {name}"] += 1
        return e
    OUTCOMES[f"{op}: ok"] += 1
    return result


_ERRNOS = {int(x) for x in getattr(zmq.constants, "Errno", [])}


def is_error(value: object) -> bool:
    return isinstance(value, BaseException)


# ---- strategies -----------------------------------------------------------------

names = st.sampled_from(["a", "b", "c", "d"])
no_scheme = st.text(max_size=20).filter(lambda s: "://" not in s)

bad_endpoints = st.one_of(
    no_scheme,
    st.binary(max_size=20).filter(lambda b: b"://" not in b),
    st.none(),
    st.integers(),
    st.sampled_from(
        [
            "",
            "tcp://",
            "tcp://127.0.0.1",
            "tcp://127.0.0.1:notaport",
            "tcp://127.0.0.1:99999",
            "tcp://127.0.0.1:-1",
            "tcp://[::1",
            "tcp://:5",
            "tcp://127.0.0.1:0x10",
            "tcp://256.1.1.1:5555",
            "inproc://",
            "ipc://",
            "ipc://" + "x" * 300,
            "udp://127.0.0.1:5",
            "pgm://127.0.0.1;239.192.1.1:5555",
            "bogus://x",
            "inproc://a\0b",
            "tcp://127.0.0.1:5\0",
            "ws://127.0.0.1:5",
            "tipc://x",
            "vmci://1:2",
        ]
    ),
)
good_endpoints = st.one_of(
    names.map(lambda n: f"inproc://fuzz-{n}"),
    names.map(lambda n: f"ipc://{TMP}/{n}"),
    st.just("tcp://127.0.0.1:*"),
)

small_data = st.one_of(
    st.binary(max_size=64),
    st.just(b""),
    st.binary(max_size=64).map(bytearray),
    st.binary(max_size=64).map(memoryview),
    st.integers(0, 300_000).map(lambda n: np.zeros(n, dtype=np.uint8)),
    st.integers(0, 200_000).map(bytearray),
    st.integers(0, 200_000).map(lambda n: b"z" * n),
)
bad_data = st.one_of(
    st.text(max_size=8),
    st.integers(),
    st.none(),
    st.floats(allow_nan=False),
    st.builds(object),
    st.lists(st.binary(max_size=3), max_size=2),
    st.builds(lambda: np.zeros((4, 4), dtype=np.uint8)[:, 1]),  # not contiguous
    st.builds(lambda: memoryview(b"abcdef")[::2]),  # not contiguous
)
data = st.one_of(small_data, small_data, bad_data)

flags = st.one_of(
    st.sampled_from([0, zmq.DONTWAIT, zmq.SNDMORE, zmq.DONTWAIT | zmq.SNDMORE]),
    st.integers(-(2**40), 2**40),
    st.just("x"),
)
option_ids = st.one_of(
    st.sampled_from(KNOWN_OPTIONS),
    st.integers(-3, 130).filter(lambda o: o not in EXCLUDED_OPTIONS),
    st.just(2**40),
    st.just("x"),
)
option_values = st.one_of(
    st.integers(-3, 1000),
    st.integers(-(2**70), 2**70),
    st.binary(max_size=64),
    st.text(max_size=8),
    st.none(),
    st.floats(allow_nan=False),
    st.just([1]),
    st.binary(max_size=40).map(bytearray),
    st.just(True),
)
timeouts_ms = st.integers(0, 20)
lingers = st.one_of(st.none(), st.integers(0, 50), st.just("x"), st.just(2**40))


class ZmqxMachine(RuleBasedStateMachine):
    contexts = Bundle("contexts")
    sockets = Bundle("sockets")
    frames = Bundle("frames")
    pollers = Bundle("pollers")
    trackers = Bundle("trackers")
    endpoints = Bundle("endpoints")

    def __init__(self) -> None:
        super().__init__()
        STATS["examples"] += 1
        trace(f"=== example {STATS['examples']}")
        self.all_contexts: list[zmq.Context] = []
        self.all_sockets: list[zmq.Socket] = []
        self.monitored: list[zmq.Socket] = []
        self._spare = None

    # ---- helpers -------------------------------------------------------------

    def _step(self) -> None:
        STATS["steps"] += 1
        if TRACE is not None:
            caller = sys._getframe(1)
            args = {k: v for k, v in caller.f_locals.items() if k != "self"}
            trace(
                f"{caller.f_code.co_name} "
                + " ".join(f"{k}={describe(v)}" for k, v in args.items())
            )

    def _track_socket(self, sock):
        if isinstance(sock, zmq.Socket):
            self.all_sockets.append(sock)
        return sock

    # Rules that add to a bundle always add the same number of objects, whatever
    # happened at run time: hypothesis replays choices, and a bundle whose size
    # depended on timing would make its replays diverge. A failed creation adds
    # a dead object instead, which the other rules then misuse.
    def _dead_context(self):
        ctx = zmq.Context()
        ctx.term()
        return ctx

    def _dead_socket(self):
        if self._spare is None or self._spare.closed:
            self._spare = zmq.Context()
            self.all_contexts.append(self._spare)
        sock = self._spare.socket(zmq.PAIR)
        sock.close()
        return sock

    def _new_context(self, io_threads=1):
        ctx = attempt("Context()", zmq.Context, io_threads)
        if is_error(ctx):
            return None
        ctx.set(zmq.BLOCKY, 0)  # new sockets linger 0: term never waits long
        self.all_contexts.append(ctx)
        return ctx

    @staticmethod
    def _bound_timeout(sock, option, ms):
        # Blocking calls always have a bound, whatever the fuzzer set before.
        try:
            sock.setsockopt(option, ms)
        except DOCUMENTED:
            pass

    def _run_thread(self, target, limit=3.0):
        """Run target in a thread; the thread must finish within limit seconds."""
        box: dict = {}

        def run():
            try:
                box["result"] = target()
            except BaseException as e:  # noqa: BLE001 - judged by _judge_thread
                box["error"] = e

        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t, box

    @staticmethod
    def _judge_thread(t, box, what, limit):
        t.join(limit)
        if t.is_alive():
            raise Defect(f"{what}: thread still blocked {limit} s later")
        err = box.get("error")
        if err is not None:
            if not isinstance(err, DOCUMENTED):
                raise err
            check_exception(err)
            OUTCOMES[f"{what}: {type(err).__name__}"] += 1
        else:
            OUTCOMES[f"{what}: ok"] += 1

    # ---- contexts --------------------------------------------------------------

    @initialize(target=contexts)
    def first_context(self):
        self._step()
        ctx = self._new_context()
        assert ctx is not None
        return ctx

    @rule(target=contexts, io_threads=st.one_of(st.integers(0, 2), st.just(-1), st.just("x")))
    def new_context(self, io_threads):
        self._step()
        ctx = self._new_context(io_threads)
        return ctx if ctx is not None else self._dead_context()

    @rule(target=contexts, ctx=contexts)
    def shadow_context(self, ctx):
        self._step()
        shadow = attempt("Context(shadow)", zmq.Context, shadow=ctx)
        return self._dead_context() if is_error(shadow) else shadow

    @rule(target=contexts)
    def instance(self):
        self._step()
        ctx = zmq.Context.instance()
        attempt("instance().set", ctx.set, zmq.BLOCKY, 0)
        self.all_contexts.append(ctx)
        return ctx

    def _end_context(self, ctx, how, linger):
        """destroy() or term() in a thread. term() waits for every socket of the
        libzmq context (shadows share it), so this thread closes what is still
        open; meanwhile those sockets' calls must raise ContextTerminated."""
        self._close_monitored_first()
        if how == "destroy":
            t, box = self._run_thread(lambda: ctx.destroy(linger=linger))
        else:
            t, box = self._run_thread(ctx.term)
        t.join(0.01)
        if t.is_alive():
            handle = ctx.underlying
            for sock in self.all_sockets:
                if sock.closed or sock.context is None or sock.context.closed:
                    continue
                if sock.context.underlying != handle:
                    continue
                attempt("recv during term", sock.recv, zmq.DONTWAIT)
                attempt("close during term", sock.close, linger=0)
        self._judge_thread(t, box, f"Context.{how}", 5.0)
        if box.get("error") is None and not ctx.closed:
            raise Defect(f"Context.{how}() returned but the context is not closed")

    @rule(ctx=contexts, linger=st.one_of(st.none(), st.integers(0, 20)))
    def destroy(self, ctx, linger):
        self._step()
        self._end_context(ctx, "destroy", 0 if linger is None else linger)

    @rule(ctx=contexts)
    def term(self, ctx):
        self._step()
        self._end_context(ctx, "term", None)

    @rule(
        ctx=contexts,
        option=st.one_of(st.integers(-2, 80), st.just(2**40), st.just("x")),
        value=st.one_of(st.integers(-2, 100), st.just(2**40), st.just(None)),
    )
    def context_options(self, ctx, option, value):
        self._step()
        if option in EXCLUDED_CONTEXT_OPTIONS:
            return
        attempt("Context.set", ctx.set, option, value)
        attempt("Context.get", ctx.get, option)

    # ---- sockets ---------------------------------------------------------------

    @rule(
        target=sockets,
        ctx=contexts,
        socket_type=st.one_of(st.sampled_from(SOCKET_TYPES), st.integers(-3, 40), st.just("x")),
        kwargs=st.one_of(
            st.just({}),
            st.just({"rcvhwm": 5}),
            st.just({"bogus_option": 1}),
            st.just({"linger": "x"}),
            st.just({"copy_threshold": 10}),
        ),
    )
    def new_socket(self, ctx, socket_type, kwargs):
        self._step()
        sock = attempt("Context.socket", ctx.socket, socket_type, **kwargs)
        if is_error(sock):
            return self._dead_socket()
        return self._track_socket(sock)

    @rule(
        target=sockets,
        ctx=contexts,
        kind=st.sampled_from(PAIR_KINDS),
        transport=st.sampled_from(["inproc", "ipc", "tcp"]),
    )
    def connected_pair(self, ctx, kind, transport):
        self._step()
        a = attempt("pair socket", ctx.socket, kind[0])
        if is_error(a):
            return multiple(self._dead_socket(), self._dead_socket())
        self._track_socket(a)
        b = attempt("pair socket", ctx.socket, kind[1])
        if is_error(b):
            return multiple(a, self._dead_socket())
        self._track_socket(b)
        if transport == "tcp":
            r = attempt("bind", a.bind, "tcp://127.0.0.1:*")
            addr = None if is_error(r) else a.getsockopt(zmq.LAST_ENDPOINT).decode()
        else:
            STATS["endpoint_serial"] += 1
            addr = (
                f"inproc://pair-{STATS['endpoint_serial']}"
                if transport == "inproc"
                else f"ipc://{TMP}/p{STATS['endpoint_serial']}"
            )
            if is_error(attempt("bind", a.bind, addr)):
                addr = None
        if addr is not None:
            attempt("connect", b.connect, addr)
        if kind[1] == zmq.SUB:
            attempt("subscribe", b.setsockopt, zmq.SUBSCRIBE, b"")
        return multiple(a, b)

    @rule(target=sockets, sock=sockets)
    def shadow_socket(self, sock):
        self._step()
        shadow = attempt("Socket(shadow)", zmq.Socket, sock)
        return self._dead_socket() if is_error(shadow) else shadow

    @rule(sock=sockets, linger=lingers)
    def close(self, sock, linger):
        self._step()
        r = attempt("close", sock.close, linger=linger)
        if not is_error(r) and sock.closed is not True:
            raise Defect("close() returned but the socket is not closed")

    @rule(sock=sockets, linger=st.integers(0, 50))
    def set_linger(self, sock, linger):
        self._step()
        attempt("setsockopt LINGER", sock.setsockopt, zmq.LINGER, linger)

    @rule(target=endpoints, sock=sockets, addr=st.one_of(good_endpoints, bad_endpoints))
    def bind(self, sock, addr):
        self._step()
        r = attempt("bind", sock.bind, addr)
        if is_error(r):
            return addr  # a failed bind's endpoint is still a fine thing to connect to
        last = attempt("LAST_ENDPOINT", sock.getsockopt, zmq.LAST_ENDPOINT)
        return addr if is_error(last) else last.decode()

    @rule(sock=sockets, addr=st.one_of(endpoints, good_endpoints, bad_endpoints))
    def connect(self, sock, addr):
        self._step()
        attempt("connect", sock.connect, addr)

    @rule(
        sock=sockets, addr=st.one_of(endpoints, good_endpoints, bad_endpoints), unbind=st.booleans()
    )
    def unbind_or_disconnect(self, sock, addr, unbind):
        self._step()
        attempt(
            "unbind" if unbind else "disconnect", sock.unbind if unbind else sock.disconnect, addr
        )

    @rule(sock=sockets, option=option_ids, value=option_values)
    def setsockopt(self, sock, option, value):
        self._step()
        attempt("setsockopt", sock.setsockopt, option, value)

    @rule(sock=sockets, option=option_ids)
    def getsockopt(self, sock, option):
        self._step()
        attempt("getsockopt", sock.getsockopt, option)

    @rule(
        sock=sockets,
        name=st.sampled_from(
            [
                "rcvhwm",
                "sndhwm",
                "hwm",
                "identity",
                "routing_id",
                "type",
                "bogus_option",
                "rcvtimeo",
                "events",
                "fd",
                "last_endpoint",
                "immediate",
                "subscribe",
                "maxmsgsize",
            ]
        ),
        value=st.one_of(st.none(), option_values),
        set_it=st.booleans(),
    )
    def option_attribute(self, sock, name, value, set_it):
        self._step()
        if set_it:
            attempt("setattr option", setattr, sock, name, value, extra=(AttributeError,))
        else:
            attempt("getattr option", getattr, sock, name, extra=(AttributeError,))

    @rule(sock=sockets)
    def inspect(self, sock):
        self._step()
        repr(sock)
        assert isinstance(sock.closed, bool)
        assert isinstance(sock.underlying, int)
        attempt("fileno", sock.fileno)
        attempt("type", lambda: sock.type)

    # ---- messages ------------------------------------------------------------

    @rule(
        target=trackers,
        sock=sockets,
        payload=st.one_of(data, frames),
        flags=flags,
        copy=st.booleans(),
        track=st.booleans(),
        timeout=timeouts_ms,
    )
    def send(self, sock, payload, flags, copy, track, timeout):
        self._step()
        self._bound_timeout(sock, zmq.SNDTIMEO, timeout)
        r = attempt("send", sock.send, payload, flags, copy=copy, track=track)
        if isinstance(r, zmq.MessageTracker):
            return r
        return zmq.MessageTracker()

    @rule(target=frames, sock=sockets, flags=flags, copy=st.booleans(), timeout=timeouts_ms)
    def recv(self, sock, flags, copy, timeout):
        self._step()
        self._bound_timeout(sock, zmq.RCVTIMEO, timeout)
        r = attempt("recv", sock.recv, flags, copy=copy)
        if isinstance(r, zmq.Frame):
            return r
        return zmq.Frame(b"")

    @rule(
        target=trackers,
        sock=sockets,
        parts=st.one_of(
            st.lists(st.one_of(small_data, frames), min_size=0, max_size=4),
            st.lists(data, max_size=3),
            bad_data,
        ),
        flags=flags,
        copy=st.booleans(),
        track=st.booleans(),
        timeout=timeouts_ms,
    )
    def send_multipart(self, sock, parts, flags, copy, track, timeout):
        self._step()
        self._bound_timeout(sock, zmq.SNDTIMEO, timeout)
        r = attempt("send_multipart", sock.send_multipart, parts, flags, copy=copy, track=track)
        return r if isinstance(r, zmq.MessageTracker) else zmq.MessageTracker()

    @rule(sock=sockets, flags=flags, copy=st.booleans(), timeout=timeouts_ms)
    def recv_multipart(self, sock, flags, copy, timeout):
        self._step()
        self._bound_timeout(sock, zmq.RCVTIMEO, timeout)
        r = attempt("recv_multipart", sock.recv_multipart, flags, copy=copy)
        if isinstance(r, list):
            for part in r:
                bytes(part)

    @rule(
        sock=sockets,
        buffer=st.one_of(
            st.integers(0, 100).map(bytearray),
            st.just(b"readonly"),
            st.builds(lambda: memoryview(bytearray(8))),
            st.builds(lambda: np.zeros(16, np.uint8)),
            st.just(None),
            st.just("text"),
        ),
        nbytes=st.one_of(st.just(0), st.integers(-2, 200), st.just(2**70), st.just("x")),
        flags=flags,
        timeout=timeouts_ms,
    )
    def recv_into(self, sock, buffer, nbytes, flags, timeout):
        self._step()
        self._bound_timeout(sock, zmq.RCVTIMEO, timeout)
        attempt("recv_into", sock.recv_into, buffer, nbytes=nbytes, flags=flags)

    @rule(
        sock=sockets,
        which=st.sampled_from(["string", "json", "pyobj-send", "serialized"]),
        value=st.one_of(
            st.text(max_size=10),
            st.integers(),
            st.just({"a": [1]}),
            st.builds(object),
            st.binary(max_size=5),
        ),
        timeout=timeouts_ms,
    )
    def serialization(self, sock, which, value, timeout):
        self._step()
        self._bound_timeout(sock, zmq.SNDTIMEO, timeout)
        self._bound_timeout(sock, zmq.RCVTIMEO, timeout)
        if which == "string":
            attempt("send_string", sock.send_string, value, zmq.DONTWAIT)
            attempt("recv_string", sock.recv_string, zmq.DONTWAIT)
        elif which == "json":
            attempt("send_json", sock.send_json, value, zmq.DONTWAIT)
            attempt("recv_json", sock.recv_json, zmq.DONTWAIT)
        elif which == "pyobj-send":
            # only sending: unpickling what a fuzzer sent may raise anything pickle raises
            attempt(
                "send_pyobj",
                sock.send_pyobj,
                value,
                zmq.DONTWAIT,
                extra=(__import__("pickle").PicklingError, AttributeError),
            )
        else:
            attempt(
                "send_serialized",
                sock.send_serialized,
                value,
                lambda v: [v if isinstance(v, bytes) else str(v).encode()],
                zmq.DONTWAIT,
            )

    @rule(
        sock=sockets,
        timeout=st.one_of(timeouts_ms, st.just(-1)),
        events=st.one_of(
            st.sampled_from([zmq.POLLIN, zmq.POLLOUT, zmq.POLLIN | zmq.POLLOUT]), st.integers(-2, 8)
        ),
    )
    def socket_poll(self, sock, timeout, events):
        self._step()
        if timeout < 0:
            timeout = 5  # a forever poll is only tested where something will wake it
        attempt("Socket.poll", sock.poll, timeout, events)

    # ---- frames and trackers ---------------------------------------------------

    @rule(
        target=frames,
        payload=data,
        track=st.booleans(),
        copy=st.one_of(st.none(), st.booleans()),
        copy_threshold=st.one_of(st.none(), st.integers(-1, 100_000), st.just("x")),
    )
    def new_frame(self, payload, track, copy, copy_threshold):
        self._step()
        frame = attempt(
            "Frame()", zmq.Frame, payload, track=track, copy=copy, copy_threshold=copy_threshold
        )
        return zmq.Frame(b"") if is_error(frame) else frame

    @rule(
        frame=frames,
        op=st.sampled_from(
            [
                "bytes",
                "buffer",
                "len",
                "copy",
                "get-more",
                "get-srcfd",
                "get-str",
                "get-bogus",
                "set",
                "routing_id",
                "set_routing_id",
                "group",
                "set_group",
                "tracker",
                "repr",
                "memoryview-write",
            ]
        ),
        value=st.one_of(st.integers(-2, 2**33), st.text(max_size=20), st.binary(max_size=20)),
    )
    def frame_op(self, frame, op, value):
        self._step()
        draft = (RuntimeError,)
        if op == "bytes":
            attempt("Frame.bytes", lambda: frame.bytes)
        elif op == "buffer":
            attempt("Frame.buffer", lambda: bytes(frame.buffer))
        elif op == "len":
            assert len(frame) >= 0
        elif op == "copy":
            other = attempt("Frame copy", copy.copy, frame)
            if not is_error(other) and bytes(other) != bytes(frame):
                raise Defect("a copied Frame has other bytes")
        elif op == "get-more":
            attempt("Frame.get", frame.get, zmq.MORE)
        elif op == "get-srcfd":
            attempt("Frame.get", frame.get, zmq.SRCFD)
        elif op == "get-str":
            attempt("Frame.get", frame.get, "Peer-Address")
        elif op == "get-bogus":
            attempt("Frame.get", frame.get, value)
        elif op == "set":
            attempt("Frame.set", frame.set, zmq.MORE, value)
        elif op == "routing_id":
            attempt("Frame.routing_id", lambda: frame.routing_id, extra=draft)
        elif op == "set_routing_id":
            attempt("Frame.routing_id=", setattr, frame, "routing_id", value, extra=draft)
        elif op == "group":
            attempt("Frame.group", lambda: frame.group, extra=draft)
        elif op == "set_group":
            attempt("Frame.group=", setattr, frame, "group", value, extra=draft)
        elif op == "tracker":
            tracker = frame.tracker
            if tracker is not None:
                attempt("tracker.wait", tracker.wait, 0.001)
        elif op == "repr":
            repr(frame)
            str(frame)
        elif op == "memoryview-write":

            def write():
                with memoryview(frame) as view:
                    if len(view) and not view.readonly:
                        view[0] = view[0]

            attempt("Frame write", write)

    @rule(tracker=trackers, timeout=st.one_of(st.just(0), st.floats(0, 0.01), st.just(None)))
    def tracker_wait(self, tracker, timeout):
        self._step()
        if timeout is None:
            timeout = 0.01
        attempt("MessageTracker.wait", tracker.wait, timeout)
        assert isinstance(tracker.done, bool)

    @rule(
        towatch=st.lists(
            st.one_of(trackers, frames, st.builds(threading.Event), st.just("junk")), max_size=3
        )
    )
    def new_tracker(self, towatch):
        self._step()
        t = attempt("MessageTracker()", zmq.MessageTracker, *towatch)
        if not is_error(t):
            attempt("MessageTracker.wait", t.wait, 0)

    @rule(
        payload=st.sampled_from(["bytearray", "numpy"]),
        size=st.integers(65_536, 300_000),
        sock=sockets,
    )
    def resize_exported_buffer(self, payload, size, sock):
        """Growing a bytearray that libzmq still sends from must be refused."""
        self._step()
        buf = bytearray(size) if payload == "bytearray" else np.zeros(size, np.uint8)
        r = attempt("send zero-copy", sock.send, buf, zmq.DONTWAIT, copy=False)
        if payload == "bytearray":
            attempt("resize exported", buf.extend, b"x" * 10)
        else:
            attempt("resize exported", buf.resize, (size + 10,), refcheck=False)
        del r

    # ---- huge and empty messages ----------------------------------------------

    @rule(
        ctx=contexts,
        size=st.sampled_from([0, 1, 65_535, 65_536, 8 << 20, 64 << 20]),
        copy=st.booleans(),
        kind=st.sampled_from(["numpy", "bytes", "frame"]),
    )
    def big_message(self, ctx, size, copy, kind):
        """A fresh inproc pair moves one big or empty message and must keep it whole."""
        self._step()
        if kind == "bytes" and size > 8 << 20:
            size = 8 << 20
        a = attempt("socket", ctx.socket, zmq.PAIR)
        if is_error(a):
            return
        self._track_socket(a)
        b = attempt("socket", ctx.socket, zmq.PAIR)
        if is_error(b):
            a.close()
            return
        self._track_socket(b)
        STATS["endpoint_serial"] += 1
        addr = f"inproc://big-{STATS['endpoint_serial']}"
        try:
            a.bind(addr)
            b.connect(addr)
            if kind == "numpy":
                payload = np.zeros(size, np.uint8)
                if size:
                    payload[-1] = 7
            elif kind == "bytes":
                payload = b"\x07" * size
            else:
                payload = zmq.Frame(np.full(size, 7, np.uint8), copy=copy)
            a.send(payload, copy=copy)
            got = b.recv(copy=copy)
            if len(got) != size or (size and memoryview(got)[-1] != 7):
                raise Defect(f"{size}-byte message arrived as {len(got)} bytes or altered")
        except zmq.ZMQError as e:
            check_exception(e)  # e.g. the context was terminated
        finally:
            a.close(linger=0)
            b.close(linger=0)

    # ---- pollers ---------------------------------------------------------------

    @rule(target=pollers)
    def new_poller(self):
        self._step()
        return zmq.Poller()

    @rule(
        poller=pollers,
        obj=st.one_of(sockets, st.integers(-1, 2), st.builds(object), st.just("x"), st.just(3.5)),
        events=st.one_of(
            st.sampled_from([zmq.POLLIN, zmq.POLLOUT, zmq.POLLERR, 0]), st.integers(-2, 2**33)
        ),
        unregister=st.booleans(),
    )
    def poller_register(self, poller, obj, events, unregister):
        self._step()
        if unregister:
            attempt("Poller.unregister", poller.unregister, obj, extra=(KeyError,))
        else:
            attempt("Poller.register", poller.register, obj, events)

    @rule(poller=pollers, timeout=st.one_of(timeouts_ms, st.just(None), st.just(-1), st.just("x")))
    def poller_poll(self, poller, timeout):
        self._step()
        if timeout is None or timeout == -1:
            timeout = 10  # forever is tested where something wakes it
        r = attempt("Poller.poll", poller.poll, timeout)
        if isinstance(r, list):
            for obj, ev in r:
                assert ev != 0 and (obj in poller), "poll returned an unregistered object"

    @rule(poller=pollers, obj=st.one_of(sockets, st.integers(0, 2)), timeout=timeouts_ms)
    def poller_from_two_threads(self, poller, obj, timeout):
        """One thread waits in a Poller while this one registers and polls it too:
        the second poll is refused (EBUSY), nothing is corrupted."""
        self._step()
        t, box = self._run_thread(lambda: poller.poll(timeout + 10))
        time.sleep(0.002)
        attempt("Poller.register (other thread polling)", poller.register, obj, zmq.POLLIN)
        attempt("Poller.poll (other thread polling)", poller.poll, 0)
        attempt(
            "Poller.unregister (other thread polling)", poller.unregister, obj, extra=(KeyError,)
        )
        self._judge_thread(t, box, "Poller.poll in a thread", 3.0)

    @rule(
        rlist=st.lists(sockets, max_size=3),
        wlist=st.lists(sockets, max_size=2),
        timeout=st.one_of(st.just(0), st.floats(0, 0.01)),
    )
    def select(self, rlist, wlist, timeout):
        self._step()
        attempt("select", zmq.select, rlist, wlist, [], timeout)

    # ---- threads -----------------------------------------------------------------

    @rule(
        sock=sockets,
        op=st.sampled_from(["recv", "recv_multipart", "send", "poll", "Poller.poll", "recv_into"]),
        other=st.sampled_from(
            ["send", "recv", "getsockopt", "setsockopt", "poll", "bind", "close-now"]
        ),
        linger=st.one_of(st.none(), st.integers(0, 10)),
        via=st.sampled_from(["socket", "socket", "context", "shadow"]),
    )
    def close_while_blocked(self, sock, op, other, linger, via):
        """One thread blocks in sock; this one uses it (EBUSY), then closes it:
        the blocked call must wake promptly with ZMQError(ENOTSOCK)."""
        self._step()
        if sock.closed:
            return
        # a generous timeout, so that a missed wake-up shows as slowness, not a hang
        self._bound_timeout(sock, zmq.RCVTIMEO, 3000)
        self._bound_timeout(sock, zmq.SNDTIMEO, 3000)
        if op == "recv":
            target = sock.recv
        elif op == "recv_multipart":
            target = sock.recv_multipart
        elif op == "send":

            def target():
                # fill the pipe, so that the last send waits
                for _ in range(100_000):
                    sock.send(b"x")
        elif op == "poll":

            def target():
                return sock.poll(3000)
        elif op == "Poller.poll":

            def target():
                poller = zmq.Poller()
                poller.register(sock, zmq.POLLIN)
                return poller.poll(3000)
        else:

            def target():
                return sock.recv_into(bytearray(10))

        t, box = self._run_thread(target)
        time.sleep(0.01)
        if other == "send":
            attempt("concurrent send", sock.send, b"y", zmq.DONTWAIT)
        elif other == "recv":
            attempt("concurrent recv", sock.recv, zmq.DONTWAIT)
        elif other == "getsockopt":
            attempt("concurrent getsockopt", sock.getsockopt, zmq.EVENTS)
        elif other == "setsockopt":
            attempt("concurrent setsockopt", sock.setsockopt, zmq.SNDHWM, 5)
        elif other == "poll":
            attempt("concurrent poll", sock.poll, 0)
        elif other == "bind":
            attempt("concurrent bind", sock.bind, "inproc://concurrent-bind")
        if via == "shadow":
            # another Socket object on the same libzmq socket closes it
            shadow = attempt("Socket(shadow)", zmq.Socket, sock)
            closer = shadow.close if isinstance(shadow, zmq.Socket) else sock.close
        elif via == "context":

            def closer(linger=None):
                self._end_context(sock.context, "destroy", linger)
        else:
            closer = sock.close
        attempt(f"close via {via} from other thread", closer, linger=linger)
        self._judge_thread(t, box, f"blocked {op} then close via {via}", 2.5)

    @rule(
        sock=sockets,
        ops=st.lists(st.sampled_from(["send", "recv", "poll", "events"]), min_size=1, max_size=4),
    )
    def two_threads(self, sock, ops):
        """Two threads hammer one socket: each call succeeds or raises EBUSY/Again."""
        self._step()
        stop = time.monotonic() + 0.02

        def hammer():
            n = 0
            while time.monotonic() < stop:
                op = ops[n % len(ops)]
                n += 1
                try:
                    if op == "send":
                        sock.send(b"h", zmq.DONTWAIT)
                    elif op == "recv":
                        sock.recv(zmq.DONTWAIT)
                    elif op == "poll":
                        sock.poll(1)
                    else:
                        sock.getsockopt(zmq.EVENTS)
                except DOCUMENTED as e:
                    check_exception(e)
            return n

        t, box = self._run_thread(hammer)
        attempt("hammer", hammer)
        self._judge_thread(t, box, "hammer thread", 3.0)

    # ---- proxies -----------------------------------------------------------------

    @rule(
        front=sockets,
        back=sockets,
        capture=st.one_of(st.none(), sockets),
        kind=st.sampled_from(["proxy_steerable", "monitored_queue", "proxy-bad-args"]),
        commands=st.lists(
            st.sampled_from([b"PAUSE", b"RESUME", b"STATISTICS", b"BOGUS", b""]), max_size=3
        ),
        traffic=st.booleans(),
    )
    def proxy(self, front, back, capture, kind, commands, traffic):
        """Run a proxy on fuzzed sockets in a thread, poke at its sockets from here
        (EBUSY), steer it, and stop it with TERMINATE (or see it fail at once)."""
        self._step()
        if kind == "proxy-bad-args":
            attempt("proxy(bad)", zmq.proxy, front, "not a socket")
            attempt("proxy(bad)", zmq.proxy, None, back)
            attempt("monitored_queue(bad)", monitored_queue, front, back, None)
            attempt("device(bad)", zmq.device, 99, front, "not a socket")
            return
        ctx = front.context
        if ctx is None or ctx.closed or front.closed:
            attempt("proxy(closed)", zmq.proxy, front, back)
            return
        STATS["endpoint_serial"] += 1
        addr = f"inproc://control-{STATS['endpoint_serial']}"
        control = attempt("control socket", ctx.socket, zmq.PAIR)
        if is_error(control):
            return
        self._track_socket(control)
        steer = ctx.socket(zmq.PAIR)
        self._track_socket(steer)
        try:
            control.bind(addr)
            steer.connect(addr)
        except zmq.ZMQError:
            control.close(linger=0)
            steer.close(linger=0)
            return
        if kind == "proxy_steerable":
            t, box = self._run_thread(lambda: zmq.proxy_steerable(front, back, capture, control))
        else:
            mon = capture if capture is not None else control
            t, box = self._run_thread(lambda: monitored_queue(front, back, mon))
        time.sleep(0.005)
        attempt("use proxied socket", front.send, b"poke", zmq.DONTWAIT)
        if traffic and not back.closed:
            attempt("use proxied socket", back.recv, zmq.DONTWAIT)
            # other Socket objects on the same libzmq sockets (shadows) must not
            # reach libzmq while the proxy's thread is inside it
            busy = {front.underlying, back.underlying} - {0}
            for other in self.all_sockets:
                if other is not front and other is not back and other.underlying in busy:
                    attempt("use proxied socket via shadow", other.send, b"x", zmq.DONTWAIT)
                    attempt("use proxied socket via shadow", other.recv, zmq.DONTWAIT)
        for command in commands:
            attempt("steer", steer.send, command, zmq.DONTWAIT)
        attempt("steer", steer.send, b"TERMINATE", zmq.DONTWAIT)
        if kind == "monitored_queue":
            # monitored_queue has no control socket: stop it by terminating... its
            # sockets' context would also end the test's other sockets, so close
            # the monitored sockets instead and wake it with the context's end only
            # if that does not stop it.
            t.join(0.05)
            if t.is_alive():
                attempt("close proxied", front.close, linger=0)
                attempt("close proxied", back.close, linger=0)
                t.join(0.2)
            if t.is_alive():
                attempt("destroy to stop monitored_queue", ctx.destroy, linger=0)
        self._judge_thread(t, box, kind, 5.0)
        attempt("close", control.close, linger=0)
        attempt("close", steer.close, linger=0)

    # ---- monitoring --------------------------------------------------------------

    @rule(
        sock=sockets,
        how=st.sampled_from(["get", "disable", "raw", "raw-bad", "stop"]),
        events=st.one_of(st.just(zmq.EVENT_ALL), st.integers(-1, 2**20)),
    )
    def monitor(self, sock, how, events):
        """Monitoring. libzmq's monitor socket is a PAIR whose sends block while it
        has no peer: with nobody connected to the monitor endpoint, the socket's I/O
        thread stops at its first event and stopping the monitor never returns (in
        pyzmq too). So every monitor gets a peer here, and monitored sockets are
        closed before their peers (see _close_monitored_first)."""
        self._step()
        if how == "get":
            mon = attempt("get_monitor_socket", sock.get_monitor_socket)
            if isinstance(mon, zmq.Socket):
                self._track_socket(mon)
                self.monitored.append(sock)
        elif how == "disable":
            attempt("disable_monitor", sock.disable_monitor)
        elif how == "raw":
            STATS["endpoint_serial"] += 1
            addr = f"inproc://mon-{STATS['endpoint_serial']}"
            if not is_error(attempt("monitor", sock.monitor, addr, events)):
                peer = self._track_socket(sock.context.socket(zmq.PAIR))
                peer.connect(addr)
                self.monitored.append(sock)
        elif how == "raw-bad":
            attempt("monitor", sock.monitor, "tcp://127.0.0.1:1", events)
            attempt("monitor", sock.monitor, 12, events)
        else:
            attempt("monitor(None)", sock.monitor, None)

    def _close_monitored_first(self):
        for sock in self.monitored:
            attempt("close monitored", sock.close, linger=0)

    # ---- invariants and teardown ---------------------------------------------------

    @invariant()
    def objects_report_state(self):
        for sock in self.all_sockets[-20:]:
            assert isinstance(sock.closed, bool)
            if not sock.closed:
                try:
                    sock.getsockopt(zmq.TYPE)
                except zmq.ZMQError as e:
                    raise Defect(
                        f"{sock!r} says it is open, but getsockopt(TYPE) raised "
                        f"{e!r}: it refers to a closed libzmq socket"
                    ) from e
        for ctx in self.all_contexts:
            assert isinstance(ctx.closed, bool)
            if not ctx.closed:
                try:
                    ctx.get(zmq.IO_THREADS)
                except zmq.ZMQError as e:
                    raise Defect(
                        f"{ctx!r} says it is open, but get(IO_THREADS) raised "
                        f"{e!r}: it refers to a terminated libzmq context"
                    ) from e

    def teardown(self):
        trace("--- teardown")
        self._close_monitored_first()
        for sock in self.all_sockets:
            attempt("teardown close", sock.close, linger=0)
        for ctx in self.all_contexts:
            t, box = self._run_thread(lambda c=ctx: c.destroy(linger=0))
            self._judge_thread(t, box, "teardown destroy", 10.0)
        attempt("teardown instance", zmq.Context.instance().destroy, linger=0)


def main() -> int:
    max_examples = int(sys.argv[1])
    steps = int(sys.argv[2])
    faulthandler.enable()
    budget = float(os.environ.get("ZMQX_FUZZ_BUDGET", "0"))
    if budget:
        # a hang prints every thread's stack and exits, so the parent sees where
        faulthandler.dump_traceback_later(budget, exit=True)
    started = time.monotonic()
    status = 0
    try:
        run_state_machine_as_test(
            ZmqxMachine,
            settings=settings(
                max_examples=max_examples,
                stateful_step_count=steps,
                deadline=None,
                database=None,
                derandomize=os.environ.get("ZMQX_FUZZ_DERANDOMIZE") == "1",
                suppress_health_check=list(HealthCheck),
                # Shrinking replays the failing example many times, and a timing
                # defect costs seconds per replay: on request only.
                phases=[Phase.explicit, Phase.generate]
                + ([Phase.shrink] if os.environ.get("ZMQX_FUZZ_SHRINK") == "1" else []),
                print_blob=True,
            ),
        )
    except BaseException:  # noqa: BLE001 - printed, and the exit status says it
        traceback.print_exc()
        status = 1
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    summary = {
        "examples": STATS["examples"],
        "steps": STATS["steps"],
        "seconds": round(time.monotonic() - started, 2),
        "outcomes": len(OUTCOMES),
        "status": status,
    }
    print("OUTCOMES " + json.dumps(dict(sorted(OUTCOMES.items()))))
    print("RESULT " + json.dumps(summary))
    sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
