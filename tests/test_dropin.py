"""Drop-in details (issue 12): what a pyzmq program can see, zmqx shows the same.

Each test runs against both libraries, unless marked zmqx_only.
"""

from __future__ import annotations

import copy
import errno
import gc
import importlib
import os
import subprocess
import sys
import threading
import warnings
import weakref

import pytest

# ---------------------------------------------------------------------------
# options as attributes, seen by dir() (tab completion)
# ---------------------------------------------------------------------------


def test_dir_of_a_socket_lists_its_option_names(ctx, zmq):
    s = ctx.socket(zmq.DEALER)
    names = set(dir(s))
    assert {"IDENTITY", "LINGER", "RCVHWM", "SNDHWM", "SUBSCRIBE"} <= names
    assert set(zmq.constants.SocketOption.__members__) <= names
    assert {"send", "recv", "close", "closed"} <= names  # and the usual attributes
    s.close()


def test_dir_of_a_context_lists_its_option_names(ctx, zmq):
    names = set(dir(ctx))
    assert {"IO_THREADS", "MAX_SOCKETS"} <= names
    assert set(zmq.constants.ContextOption.__members__) <= names
    assert {"socket", "term", "destroy"} <= names


# ---------------------------------------------------------------------------
# Frame
# ---------------------------------------------------------------------------


def test_frame_metadata_by_subscription(ctx, zmq, pair):
    push, pull = pair(ctx, zmq.PUSH, zmq.PULL, "tcp")
    push.send(b"x")
    assert pull.poll(2000)
    frame = pull.recv(copy=False)
    assert frame["Socket-Type"] == frame.get("Socket-Type") == "PUSH"
    assert frame["Peer-Address"] == "127.0.0.1"
    assert frame[zmq.MORE] == 0
    with pytest.raises(zmq.ZMQError) as info:
        frame["User-Id"]  # set only by a ZAP handler
    assert info.value.errno == errno.EINVAL


def test_frame_buffer_is_the_same_memoryview_each_time(ctx, zmq, pair):
    frame = zmq.Frame(b"abc")
    assert frame.buffer is frame.buffer
    view = frame.buffer
    assert isinstance(view, memoryview) and bytes(view) == b"abc"
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    a.send(b"received")
    received = b.recv(copy=False)
    assert received.buffer is received.buffer
    assert bytes(received.buffer) == b"received"


def test_an_unused_frame_buffer_does_not_keep_the_frame_alive(zmq):
    frame = zmq.Frame(b"x" * 100)
    frame.buffer.release()
    ref = weakref.ref(frame)
    del frame
    assert ref() is None  # freed at once, without a gc pass


def test_small_untracked_send_returns_the_shared_finished_tracker(ctx, zmq, pair):
    a, b = pair(ctx, zmq.PAIR, zmq.PAIR)
    tracker = a.send(b"small", copy=False, track=True)
    assert tracker is zmq._FINISHED_TRACKER
    assert tracker.done
    assert b.recv() == b"small"


# ---------------------------------------------------------------------------
# Context
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("io_threads", [-1, -100])
def test_context_with_invalid_io_threads_raises_zmqerror(zmq, io_threads):
    with pytest.raises(zmq.ZMQError) as info:
        zmq.Context(io_threads=io_threads)
    assert info.value.errno == errno.EINVAL


def test_context_with_non_int_io_threads_raises_typeerror(zmq):
    with pytest.raises(TypeError):
        zmq.Context(io_threads="2")


def test_context_io_threads_applies(zmq):
    ctx = zmq.Context(io_threads=2)
    assert ctx.get(zmq.IO_THREADS) == 2
    ctx.term()


def test_collected_unterminated_context_warns_naming_it(zmq):
    ctx = zmq.Context()
    name = repr(ctx)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del ctx
        gc.collect()
    messages = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert any(name in message for message in messages), messages


def test_terminated_context_does_not_warn(zmq):
    ctx = zmq.Context()
    ctx.term()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del ctx
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy])
def test_copy_of_a_context_is_a_shadow(ctx, zmq, endpoints, copier):
    other = copier(ctx)
    assert isinstance(other, zmq.Context) and other is not ctx
    assert other.underlying == ctx.underlying
    # the same libzmq context: inproc endpoints are shared
    addr = endpoints.inproc()
    a = ctx.socket(zmq.PAIR)
    b = other.socket(zmq.PAIR)
    a.bind(addr)
    b.connect(addr)
    a.send(b"through the copy")
    assert b.poll(2000)
    assert b.recv() == b"through the copy"
    a.close()
    b.close()
    assert not ctx.closed


def test_context_instance_on_subclasses(zmq):
    class Base(zmq.Context):
        _instance = None  # a singleton apart from zmq.Context's own

    class Inherits(Base):
        pass

    class Own(Base):
        _instance = None

    base = Base.instance()
    try:
        assert Base.instance() is base
        assert Inherits.instance() is base  # inherits Base's instance
        own = Own.instance()
        assert own is not base and type(own) is Own
        assert Own.instance() is own
        own.term()
    finally:
        base.term()
    # terminated: the next call makes a new one
    again = Base.instance()
    assert again is not base and not again.closed
    again.term()


def test_context_instance_made_first_by_a_subclass(zmq):
    class Base(zmq.Context):
        _instance = None

    class Child(Base):
        pass

    child = Child.instance()
    base = Base.instance()
    assert type(child) is Child and type(base) is Base and child is not base
    child.term()
    base.term()


def test_context_repr_without_sockets(zmq):
    ctx = zmq.Context()
    assert repr(ctx).startswith(f"<{zmq.__name__}.Context() at 0x")
    s = ctx.socket(zmq.PAIR)
    assert "(1 socket)" in repr(ctx)
    s.close()
    ctx.term()
    assert repr(ctx).endswith(" closed>")


# ---------------------------------------------------------------------------
# Socket
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["classmethod", "constructor"])
def test_a_shadow_keeps_the_socket_it_shadows_alive(ctx, zmq, endpoints, how):
    original = ctx.socket(zmq.PAIR)
    original.linger = 0
    ref = weakref.ref(original)
    shadow = zmq.Socket.shadow(original) if how == "classmethod" else zmq.Socket(original)
    assert shadow._shadow_obj is original
    assert shadow.underlying == original.underlying
    del original
    gc.collect()
    assert ref() is not None and not ref().closed
    addr = endpoints.inproc()
    shadow.bind(addr)
    peer = ctx.socket(zmq.PAIR)
    peer.connect(addr)
    shadow.send(b"via the shadow")
    assert peer.poll(2000)
    assert peer.recv() == b"via the shadow"
    peer.close()
    ref().close()


def test_bind_and_connect_results_name_call_and_address(ctx, zmq, endpoints):
    s = ctx.socket(zmq.PAIR)
    addr = endpoints.inproc()
    assert repr(s.bind(addr)) == f"<SocketContext(bind={addr!r})>"
    other = ctx.socket(zmq.PAIR)
    assert repr(other.connect(addr)) == f"<SocketContext(connect={addr!r})>"
    result = s.bind("tcp://127.0.0.1:0")
    endpoint = s.last_endpoint.decode()
    assert repr(result) == f"<SocketContext(bind={endpoint!r})>"
    assert result.kind == "bind" and result.addr == endpoint and result.socket is s
    s.close()
    other.close()


def test_too_long_ipc_path_error_names_the_limit(ctx, zmq):
    if not zmq.has("ipc"):
        pytest.skip("no ipc transport")
    s = ctx.socket(zmq.PAIR)
    path = "/tmp/" + "x" * (zmq.IPC_PATH_MAX_LEN + 10)
    with pytest.raises(zmq.ZMQError) as info:
        s.bind(f"ipc://{path}")
    assert info.value.errno == errno.ENAMETOOLONG
    assert str(zmq.IPC_PATH_MAX_LEN) in str(info.value)
    assert "IPC_PATH_MAX_LEN" in str(info.value)
    s.close()


# ---------------------------------------------------------------------------
# devices
# ---------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_devices_take_any_int_as_device_type(zmq, endpoints):
    devices = importlib.import_module(f"{zmq.__name__}.devices")
    assert devices.ThreadDevice(zmq.PULL, zmq.PUSH, -1).device_type == zmq.PULL
    assert devices.Device(99, zmq.PULL, zmq.PUSH).device_type == 99
    # a socket type given as device_type: the device forwards all the same
    ctx = zmq.Context()
    dev = devices.ThreadDevice(zmq.PUSH, zmq.PULL, zmq.PUSH)
    dev.context_factory = lambda: ctx  # stopped by terminating it
    addr_in, addr_out = endpoints.inproc(), endpoints.inproc()
    dev.bind_in(addr_in)
    dev.bind_out(addr_out)
    dev.setsockopt_in(zmq.LINGER, 0)
    dev.setsockopt_out(zmq.LINGER, 0)
    dev.start()
    push, pull = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    push.linger = pull.linger = 0
    push.connect(addr_in)
    pull.connect(addr_out)
    push.send(b"through")
    assert pull.poll(10000)
    assert pull.recv() == b"through"
    push.close()
    pull.close()
    terminator = threading.Thread(target=ctx.term, daemon=True)
    terminator.start()
    terminator.join(10)
    assert not terminator.is_alive(), "the device did not stop"


# ---------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------


def test_versions_agree_and_report_the_pyzmq_api_level(zmq):
    assert zmq.pyzmq_version() == zmq.__version__
    info = zmq.pyzmq_version_info()
    assert info[:3] == tuple(int(part) for part in zmq.__version__.split(".")[:3])
    assert info >= (27,)  # the gate real programs use: "needs PyZMQ >= 13.1.0"
    assert isinstance(zmq.__revision__, str)


@pytest.mark.zmqx_only
def test_zmqx_release_is_readable_under_its_own_name(zmq):
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    assert f'version = "{zmq.zmqx_version()}"' in pyproject.read_text()
    assert zmq.zmqx_version() == zmq.__zmqx_version__
    assert zmq.zmqx_version_info() == tuple(int(p) for p in zmq.__zmqx_version__.split("."))


@pytest.mark.zmqx_only
@pytest.mark.timeout(60)
def test_version_gate_passes_through_install_as_zmq(zmq):
    script = (
        "import zmqx; zmqx.install_as_zmq()\n"
        "import zmq\n"
        "assert zmq.pyzmq_version_info() >= (13, 1, 0), zmq.pyzmq_version()\n"
        "assert zmq.__version__ == zmq.pyzmq_version()\n"
        "print(zmq.__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
        env=dict(os.environ), check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "zmqx"


# ---------------------------------------------------------------------------
# found by walking pyzmq's API name by name
# ---------------------------------------------------------------------------


def test_module_level_names_of_pyzmq(zmq):
    ctx = zmq.SyncContext()  # pyzmq's names for the non-asyncio classes
    assert isinstance(ctx, zmq.Context)
    s = zmq.SyncSocket(ctx, zmq.PAIR)
    assert isinstance(s, zmq.Socket)
    s.close()
    ctx.term()
    assert isinstance(zmq.PYZMQ_DRAFT_API, bool)
    assert zmq.DRAFT_API <= zmq.PYZMQ_DRAFT_API
    assert issubclass(zmq.DraftFDWarning, RuntimeWarning)
    assert zmq.utils.__name__ == f"{zmq.__name__}.utils"  # no import needed
    assert "_FINISHED_TRACKER" in zmq.__all__


def test_stopwatch_measures_microseconds(zmq):
    import time

    with pytest.warns(DeprecationWarning):
        watch = zmq.Stopwatch()
    watch.start()
    time.sleep(0.02)
    elapsed = watch.stop()
    assert isinstance(elapsed, int) and 15_000 <= elapsed < 5_000_000


def test_join_and_leave_need_the_draft_api(ctx, zmq):
    if zmq.DRAFT_API:
        pytest.skip("libzmq has the draft API: see test_radio_dish_groups")
    s = ctx.socket(zmq.PAIR)
    for call in (s.join, s.leave):
        with pytest.raises(RuntimeError):
            call("group")
    s.close()


@pytest.mark.timeout(20)
def test_radio_dish_groups(ctx, zmq, endpoints):
    if not zmq.DRAFT_API:
        pytest.skip("libzmq without the draft API")
    radio, dish = ctx.socket(zmq.RADIO), ctx.socket(zmq.DISH)
    radio.linger = dish.linger = 0
    addr = endpoints.inproc()
    dish.bind(addr)
    radio.connect(addr)
    dish.join("news")
    dish.rcvtimeo = 5000
    while not dish.poll(50):
        radio.send(b"hello", group="news")
    frame = dish.recv(copy=False)
    assert frame.bytes == b"hello" and frame.group == "news"
    dish.leave(b"news")


def test_again_errno_is_the_errno_member(zmq):
    assert zmq.Again().errno is zmq.EAGAIN
    assert repr(zmq.Again().errno) == repr(zmq.EAGAIN)


def test_zmq_poll_and_strerror_signatures(ctx, zmq):
    import inspect

    assert inspect.signature(zmq.zmq_poll).parameters["timeout"].default == -1
    assert zmq.strerror(errno=errno.EAGAIN) == zmq.strerror(errno.EAGAIN)
    s = ctx.socket(zmq.PAIR)
    assert zmq.zmq_poll([(s, zmq.POLLIN)], 0) == []
    s.close()
