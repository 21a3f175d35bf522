"""A hostile round against one authenticator, run as a child process by test_auth.py.

    python zap_fuzz.py IMPLEMENTATION VARIANT WORKDIR    (zmqx|pyzmq, thread|asyncio|ioloop)

Malformed ZAP requests (seeded random: wrong frame counts, bad versions, random
bytes, wrong key lengths, unknown mechanisms, empty and huge frames) are sent to
the running authenticator, each of which must be answered with 400; then real
PLAIN and CURVE clients must still be accepted or refused as configured, and
stop() must return at once. The verdict is printed as one JSON line. A child,
because an authenticator that dies can make stop() block forever (pyzmq's does).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import pathlib
import random
import sys
import threading
import time
import warnings

from auth_helpers import (
    auth_module,
    curve_opts,
    delivered,
    make_curve_dirs,
    not_delivered,
    push_pull,
)

SEED = 1927
ROUNDS = 160  # random malformed requests, after the fixed ones
ANSWER_MS = 3000  # a request unanswered for this long counts as never answered
STOP_LIMIT = 5.0  # seconds stop() may take before it counts as hung
HUGE = 4 * 1024 * 1024
MECHANISMS = (b"NULL", b"PLAIN", b"CURVE", b"GSSAPI")


def header(version=b"1.0", request_id=b"fuzz"):
    return [version, request_id, b"", b"127.0.0.1", b""]  # the domain libzmq sends by default


def fixed_requests():
    """One of each kind of malformation, the ones that killed authenticators first."""
    return [
        header() + [b"CURVE", b"12345"],  # the key of issue 19
        [b"1.0"],  # no request id even
        [b"1.0", b"id"],
        header()[:4],
        header(b"2.0") + [b"NULL"],
        header(b"") + [b"NULL"],
        header() + [b"CURVE", b"k" * 31],
        header() + [b"CURVE", b"k" * 33],
        header() + [b"CURVE", b"k" * 36],  # Z85 can encode it, but it is no key
        header() + [b"CURVE"],
        header() + [b"CURVE", b"k" * 32, b"extra"],
        header() + [b"PLAIN", b"user"],
        header() + [b"PLAIN", b"user", b"password", b"extra"],
        header() + [b"NULL", b"extra"],
        header() + [b"GSSAPI"],
        header() + [b"KERBEROS", b"x"],
        header() + [b""],
        [b""] * 7,
        header() + [b"CURVE", b"k" * HUGE],
        [b"v" * HUGE] + header()[1:] + [b"NULL"],
        header() + [b"M" * HUGE],
    ]


def random_request(rng):
    """A request with at least one malformation, chosen at random."""
    def blob(limit=48):
        return rng.randbytes(rng.randrange(limit))

    kind = rng.choice(("frames", "version", "bytes", "key", "mechanism", "credentials", "empty"))
    if kind == "frames":
        return [b"1.0"] + [blob() for _ in range(rng.randrange(5))]
    if kind == "version":
        version = rng.choice((b"", b"1", b"1.1", b"0.9", b"1.0\x00", blob(8)))
        return header(version if version != b"1.0" else b"9") + [rng.choice(MECHANISMS)]
    if kind == "bytes":
        frames = [blob() for _ in range(rng.randrange(1, 12))]
        frames[0] = b"#" + frames[0]  # never the version by chance
        return frames
    if kind == "key":
        length = rng.choice((0, 1, 16, 31, 33, 40, 64, 1000))
        return header(request_id=blob(16)) + [b"CURVE", rng.randbytes(length)]
    if kind == "mechanism":
        mechanism = rng.choice((b"null", b"CURVE2", b" PLAIN", b"X" * 300, blob(12)))
        if mechanism in MECHANISMS:
            mechanism = b"?"
        return header() + [mechanism] + [blob() for _ in range(rng.randrange(3))]
    if kind == "credentials":
        mechanism = rng.choice(MECHANISMS)
        right = {b"NULL": 0, b"PLAIN": 2, b"CURVE": 1, b"GSSAPI": 1}[mechanism]
        count = rng.choice([n for n in range(5) if n != right])
        return header() + [mechanism] + [rng.randbytes(32) for _ in range(count)]
    return [b""] * rng.randrange(1, 12)


def fuzz(zmq, ctx, requests):
    """Send each request; returns (count answered as they must be, first failure)."""
    req = ctx.socket(zmq.REQ)
    req.linger = 0
    req.rcvtimeo = ANSWER_MS
    req.connect("inproc://zeromq.zap.01")
    try:
        for done, request in enumerate(requests):
            req.send_multipart(request)
            try:
                reply = req.recv_multipart()
            except zmq.Again:
                return done, f"never answered: {summary(request)}"
            expected_id = request[1] if len(request) > 1 else b""
            if len(reply) != 6 or reply[:3] != [b"1.0", expected_id, b"400"]:
                return done, f"answered {summary(reply)} to {summary(request)}"
        return len(requests), None
    finally:
        req.close()


def summary(frames):
    return [f[:12] + (b"...(%d)" % len(f) if len(f) > 12 else b"") for f in frames]


def real_clients(zmq, ctx, keys):
    """Whether each real client's message got through, by client."""
    plain_ok = {"plain_username": b"admin", "plain_password": b"secret"}
    plain_bad = {"plain_username": b"admin", "plain_password": b"guess"}
    stranger = zmq.curve_keypair()
    passed = {}
    for name, server_opts, client_opts in (
        ("plain-right", {"plain_server": True}, plain_ok),
        ("plain-wrong", {"plain_server": True}, plain_bad),
        ("curve-trusted", *curve_opts(keys["server"], keys["client"])),
        ("curve-stranger", *curve_opts(keys["server"], stranger)),
    ):
        server, client = push_pull(ctx, zmq, server_opts, client_opts)
        good = name.endswith(("right", "trusted"))
        passed[name] = bool(delivered(server, client)) if good else not not_delivered(
            server, client)
        server.close()
        client.close()
    return passed


class Runner:
    """Starts, configures and stops one authenticator variant on `ctx`."""

    def __init__(self, zmq, variant, ctx, keys):
        self.loop = None
        if variant == "thread":
            self.auth = auth_module(zmq, "thread").ThreadAuthenticator(ctx)
            self._setup(keys)
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            module = auth_module(zmq, variant)
        cls = module.AsyncioAuthenticator if variant == "asyncio" else module.IOLoopAuthenticator
        # the loop runs in its own thread, so this one can drive blocking clients
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

        async def make():
            self.auth = cls(ctx)
            self._setup(keys)

        asyncio.run_coroutine_threadsafe(make(), self.loop).result(10)

    def _setup(self, keys):
        self.auth.start()
        self.auth.configure_plain("*", {"admin": "secret"})
        self.auth.configure_curve("*", keys["trusted"])

    def stop(self):
        """Seconds stop() took, or None if it had not returned after STOP_LIMIT."""
        started = time.monotonic()
        done = threading.Event()

        def stop():
            self.auth.stop()
            done.set()

        if self.loop is None:
            threading.Thread(target=stop, daemon=True).start()
        else:
            self.loop.call_soon_threadsafe(stop)
        return time.monotonic() - started if done.wait(STOP_LIMIT) else None


def main(implementation, variant, workdir):
    zmq = importlib.import_module({"zmqx": "zmqx", "pyzmq": "zmq"}[implementation])
    errors = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = errors.append
    logging.getLogger("zmq.auth").addHandler(handler)
    logging.getLogger("zmq.auth").propagate = False

    rng = random.Random(SEED)
    requests = fixed_requests() + [random_request(rng) for _ in range(ROUNDS)]
    ctx = zmq.Context()
    keys = make_curve_dirs(zmq, pathlib.Path(workdir))
    runner = Runner(zmq, variant, ctx, keys)
    answered, failure = fuzz(zmq, ctx, requests)
    verdict = {
        "answered": answered,
        "requests": len(requests),
        "failure": failure,
        "every_one_logged": len(errors) >= answered,
        # after a failure, the clients wait for an authenticator that is gone
        "clients": real_clients(zmq, ctx, keys) if failure is None else None,
        "stop_seconds": runner.stop(),
    }
    print(json.dumps(verdict), flush=True)
    os._exit(0)  # a hung authenticator thread would keep the context from terminating


if __name__ == "__main__":
    main(*sys.argv[1:])
