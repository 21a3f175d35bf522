"""zmqx.log: PUBHandler and TopicLogger over real sockets, and the ``-m zmqx.log`` CLI."""

# ruff: noqa: PLE1205 - TopicLogger methods take a topic before the format string

from __future__ import annotations

import importlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

from tests.conftest import wait_for_subscription

pytestmark = pytest.mark.timeout(60)


def handlers_of(zmq):
    return importlib.import_module(zmq.__name__ + ".log.handlers")


@pytest.fixture
def pub_sub(ctx, zmq):
    """(pub, sub) over inproc, the subscription in place."""
    pub = ctx.socket(zmq.PUB)
    sub = ctx.socket(zmq.SUB)
    pub.linger = sub.linger = 0
    sub.rcvtimeo = 5000
    addr = f"inproc://log-{uuid.uuid4().hex}"
    pub.bind(addr)
    sub.connect(addr)
    sub.subscribe(b"")
    wait_for_subscription(pub, sub)
    return pub, sub


@pytest.fixture
def logger():
    """A fresh logger at DEBUG that does not propagate; its handlers are removed afterwards."""
    log = logging.getLogger(f"test.log.{uuid.uuid4().hex}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)


def test_records_arrive_with_level_topics_and_default_formats(zmq, pub_sub, logger):
    pub, sub = pub_sub
    handler = handlers_of(zmq).PUBHandler(pub)
    logger.addHandler(handler)
    logger.info("plain %s", "info")
    assert sub.recv_multipart() == [b"INFO", b"plain info\n"]
    line = sys._getframe().f_lineno + 1
    logger.warning("careful")
    assert sub.recv_multipart() == [b"WARNING", f"WARNING test_log.py:{line} - careful\n".encode()]
    logger.debug("db.pool::%d connections", 3)
    topic, text = sub.recv_multipart()
    assert topic == b"DEBUG.db.pool"
    assert text.startswith(b"DEBUG test_log.py:") and text.endswith(b" - 3 connections\n")


def test_root_topic_and_subtopic(zmq, pub_sub, logger):
    pub, sub = pub_sub
    handler = handlers_of(zmq).PUBHandler(pub, root_topic="app")
    assert handler.root_topic == "app"
    logger.addHandler(handler)
    logger.error("disk::full")
    topic, text = sub.recv_multipart()
    assert topic == b"app.ERROR.disk"
    assert b" - full - None\n" in text  # the ERROR format shows exc_info
    handler.root_topic = b"svc"  # bytes are decoded
    assert handler.root_topic == "svc"
    record_msg = "cache::miss"
    logger.critical(record_msg)
    assert sub.recv_multipart()[0] == b"svc.CRITICAL.cache"


def test_set_formatter_per_level_and_for_all(zmq, pub_sub, logger):
    pub, sub = pub_sub
    handler = handlers_of(zmq).PUBHandler(pub)
    logger.addHandler(handler)
    handler.setFormatter(logging.Formatter("only-info: %(message)s"), logging.INFO)
    logger.info("a")
    assert sub.recv_multipart() == [b"INFO", b"only-info: a"]
    logger.critical("b")
    assert sub.recv_multipart()[1].startswith(b"CRITICAL test_log.py:")
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL):
        logger.log(level, "x")
        name = logging.getLevelName(level)
        assert sub.recv_multipart() == [name.encode(), f"[{name}] x".encode()]


def test_handler_binds_its_own_socket(zmq, ctx, logger):
    sub = ctx.socket(zmq.SUB)
    sub.linger = 0
    sub.rcvtimeo = 5000
    sub.subscribe(b"")
    addr = f"inproc://own-{uuid.uuid4().hex}"
    handler = handlers_of(zmq).PUBHandler(addr, context=ctx)
    assert handler.socket.type == zmq.PUB and handler.ctx is ctx
    logger.addHandler(handler)
    sub.connect(addr)
    wait_for_subscription(handler.socket, sub)
    logger.info("hello")
    assert sub.recv_multipart() == [b"INFO", b"hello\n"]
    handler.close()


def topic_logger(zmq, pub):
    module = handlers_of(zmq)
    log = module.TopicLogger(f"topics.{uuid.uuid4().hex}", logging.DEBUG)
    log.addHandler(module.PUBHandler(pub))
    return log


def test_topic_logger_log(zmq, pub_sub):
    pub, sub = pub_sub
    log = topic_logger(zmq, pub)
    log.log(logging.WARNING, "jobs.slow", "late by %ds", 3)
    topic, text = sub.recv_multipart()
    assert topic == b"WARNING.jobs.slow" and text.endswith(b" - late by 3s\n")


@pytest.mark.zmqx_only
def test_topic_logger_level_methods(zmq, pub_sub):
    """pyzmq's generated level methods all end up calling Logger.fatal: they fail there."""
    pub, sub = pub_sub
    log = topic_logger(zmq, pub)
    log.info("jobs.done", "finished %d", 7)
    assert sub.recv_multipart() == [b"INFO.jobs.done", b"finished 7\n"]
    log.debug("jobs.trace", "step")
    assert sub.recv_multipart()[0] == b"DEBUG.jobs.trace"
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("jobs.fail", "crashed")
    topic, text = sub.recv_multipart()
    assert topic == b"ERROR.jobs.fail" and b"crashed" in text and b"RuntimeError" in text


@pytest.mark.zmqx_only
def test_topic_logger_records_point_at_the_caller(zmq):
    module = handlers_of(zmq)
    log = module.TopicLogger(f"where.{uuid.uuid4().hex}", logging.DEBUG)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    log.addHandler(handler)
    log.warning("t", "here")
    log.log(logging.INFO, "t", "there")
    assert [os.path.basename(r.pathname) for r in records] == ["test_log.py"] * 2


def _read_lines(stream, into):
    for line in iter(stream.readline, ""):
        into.append(line)


@pytest.mark.timeout(90)
def test_cli_prints_records_and_exits_cleanly_on_sigint(zmq, ctx, logger):
    """A PUBHandler publishes; ``python -m <impl>.log`` prints; SIGINT ends it with no traceback."""
    pub = ctx.socket(zmq.PUB)
    pub.linger = 0
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    logger.addHandler(handlers_of(zmq).PUBHandler(pub, root_topic="svc"))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", zmq.__name__ + ".log", "--topic", "svc",
         f"tcp://127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not lines and time.monotonic() < deadline:  # until the subscription is in place
            logger.info("db::ready")
            time.sleep(0.1)
        assert lines, "the CLI printed nothing"
        logger.warning("disk::almost full")
        while time.monotonic() < deadline and not any("WARNING" in line for line in lines):
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            returncode = proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    reader.join(5)
    stderr = proc.stderr.read()
    assert returncode == 0, stderr
    assert "Traceback" not in stderr
    assert lines[0] == "svc.INFO.db | ready\n"
    warning = [line for line in lines if line.startswith("svc.WARNING.disk | ")]
    assert warning and warning[0].rstrip().endswith("- almost full")
