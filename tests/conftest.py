"""Shared fixtures for the zmqx core behaviour suite.

Every behaviour test receives the implementation under test through the
``zmq`` fixture, which is parametrized over:

* ``"zmqx"``  -- this project.  If ``import zmqx`` fails the test *errors*
  with the import failure, unless ``ZMQX_TESTS_SKIP_ZMQX=1`` is set (handy
  while the compiled core is not built yet), in which case it is skipped.
* ``"pyzmq"`` -- the reference implementation, skipped if not installed.

Tests marked ``@pytest.mark.zmqx_only`` (or requesting the ``zmqx_only``
fixture) describe behaviour that only zmqx promises; they are generated for
the zmqx implementation only.

``--soak`` enables tests marked ``soak`` and makes the ``soak`` fixture
return a larger multiplier, so reliability loops run longer. ``--wheels`` enables
tests marked ``wheels``, which install what ``make wheels`` put in dist/.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid

import pytest

IMPLEMENTATIONS = ("zmqx", "pyzmq")
# module name to import for each implementation
_MODULE_NAMES = {"zmqx": "zmqx", "pyzmq": "zmq"}

SOAK_FACTOR = 20
TRANSPORTS = ("inproc", "ipc", "tcp")


# ---------------------------------------------------------------------------
# options / markers
# ---------------------------------------------------------------------------


def pytest_addoption(parser):
    group = parser.getgroup("zmqx")
    group.addoption(
        "--soak",
        action="store_true",
        default=False,
        help="run soak (long reliability) tests and lengthen reliability loops",
    )
    group.addoption(
        "--wheels",
        action="store_true",
        default=False,
        help="install dist/'s sdist and wheel in fresh venvs (make wheels builds them)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "zmqx_only: behaviour only zmqx promises; not run against pyzmq",
    )


def _soak_enabled(config) -> bool:
    return bool(config.getoption("--soak", default=False))


def pytest_generate_tests(metafunc):
    if "flavour" in metafunc.fixturenames:
        from flavours import FLAVOURS

        metafunc.parametrize("flavour", list(FLAVOURS), scope="function")
    if "zmq" not in metafunc.fixturenames:
        return
    only_zmqx = (
        metafunc.definition.get_closest_marker("zmqx_only") is not None
        or "zmqx_only" in metafunc.fixturenames
    )
    impls = ("zmqx",) if only_zmqx else IMPLEMENTATIONS
    metafunc.parametrize("zmq", impls, indirect=True, scope="function")


def pytest_collection_modifyitems(config, items):
    soak = _soak_enabled(config)
    skip_soak = pytest.mark.skip(reason="soak test: enable with --soak")
    wheels = config.getoption("--wheels", default=False)
    skip_wheels = pytest.mark.skip(reason="needs dist/: run by make wheels (--wheels)")
    for item in items:
        is_soak = item.get_closest_marker("soak") is not None
        if is_soak and not soak:
            item.add_marker(skip_soak)
        if item.get_closest_marker("wheels") is not None and not wheels:
            item.add_marker(skip_wheels)
        if soak and (is_soak or "soak" in getattr(item, "fixturenames", ())):
            # reliability tests run SOAK_FACTOR times longer: scale their timeout
            marker = item.get_closest_marker("timeout")
            base = marker.args[0] if marker is not None and marker.args else 60
            item.add_marker(pytest.mark.timeout(base * SOAK_FACTOR), append=False)


# ---------------------------------------------------------------------------
# implementation fixture
# ---------------------------------------------------------------------------

_import_errors: dict[str, BaseException] = {}


def _load(impl: str):
    name = _MODULE_NAMES[impl]
    try:
        return importlib.import_module(name), None
    except Exception as exc:  # noqa: BLE001 - ImportError, or a crash inside the package
        return None, exc


@pytest.fixture
def zmq(request):
    """The implementation under test: the ``zmqx`` or the ``zmq`` (pyzmq) module."""
    impl = request.param
    mod, exc = _load(impl)
    if mod is None:
        if impl == "zmqx":
            if os.environ.get("ZMQX_TESTS_SKIP_ZMQX") == "1":
                pytest.skip(f"zmqx not importable ({exc!r}); ZMQX_TESTS_SKIP_ZMQX=1")
            pytest.fail(f"import zmqx failed: {exc!r}", pytrace=False)
        pytest.skip(f"pyzmq not importable: {exc!r}")
    if impl == "pyzmq" and request.node.get_closest_marker("zmqx_only"):
        pytest.skip("zmqx-only behaviour")
    return mod


@pytest.fixture
def impl_name(zmq):
    """'zmqx' or 'pyzmq'."""
    return "pyzmq" if zmq.__name__ == "zmq" else "zmqx"


@pytest.fixture
def zmqx_only(zmq):
    """Requesting this fixture restricts a test to the zmqx implementation."""
    return zmq


@pytest.fixture
def ctx(zmq):
    """A fresh Context of the implementation under test, destroyed at teardown."""
    c = zmq.Context()
    yield c
    if not c.closed:
        c.destroy(linger=0)


@pytest.fixture
def flavoured(zmq, flavour):
    """The implementation under test in one flavour (see tests/flavours.py)."""
    from flavours import Flavoured

    try:
        f = Flavoured(zmq, flavour)
    except ImportError as exc:
        if zmq.__name__ == "zmqx":
            raise  # every flavour is zmqx's to provide
        pytest.skip(f"pyzmq has no {flavour} flavour: {exc}")
    yield f
    f.close()


@pytest.fixture
def soak(request):
    """Multiplier for reliability loops: 1 normally, SOAK_FACTOR with --soak."""
    return SOAK_FACTOR if _soak_enabled(request.config) else 1


# ---------------------------------------------------------------------------
# endpoints and connected pairs
# ---------------------------------------------------------------------------


class _Endpoints:
    """Creates endpoint addresses for the three transports."""

    def __init__(self, tmp_path):
        self._tmp_path = tmp_path
        self._short_dir = None

    def _ipc_dir(self, max_len: int) -> str:
        base = str(self._tmp_path)
        # "ipc://" is not counted in the path limit, but leave room for the name
        if len(base) + 16 < max_len:
            return base
        if self._short_dir is None:
            self._short_dir = tempfile.mkdtemp(prefix="zx")
        return self._short_dir

    def inproc(self) -> str:
        return f"inproc://t-{uuid.uuid4().hex}"

    def ipc(self, zmq) -> str:
        d = self._ipc_dir(getattr(zmq, "IPC_PATH_MAX_LEN", 100) or 100)
        return f"ipc://{d}/{uuid.uuid4().hex[:10]}.ipc"

    def cleanup(self):
        if self._short_dir is not None:
            shutil.rmtree(self._short_dir, ignore_errors=True)


@pytest.fixture
def endpoints(tmp_path):
    eps = _Endpoints(tmp_path)
    yield eps
    eps.cleanup()


def _module_of(ctx):
    return sys.modules[type(ctx).__module__.split(".")[0]]


def _socket_type(mod, t):
    return getattr(mod, t) if isinstance(t, str) else t


def wait_for_subscription(pub, sub, timeout=5.0, topic=b""):
    """Publish probes on ``pub`` until ``sub`` receives one, then drain.

    Works around the PUB/SUB slow-joiner problem without fixed sleeps.
    ``sub`` must be subscribed to ``topic``.
    """
    pollin = 1  # ZMQ_POLLIN
    deadline = time.monotonic() + timeout
    probe = topic + b"\x00__probe__"
    while time.monotonic() < deadline:
        pub.send(probe)
        if sub.poll(20, pollin):
            # drain every probe that is in flight
            while sub.poll(50, pollin):
                sub.recv()
            return
    raise TimeoutError("subscription did not propagate")


def term_returns_after(ctx, drop_sockets) -> bool:
    """Whether ctx.term() returns (within 5 s) after drop_sockets() made sockets of
    ctx and dropped them unclosed, with the garbage collector off: term() waits
    for every socket not closed, so only reference counting can have closed them."""
    import gc
    import warnings

    gc.disable()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # unclosed, on purpose
            drop_sockets()
            terminating = threading.Thread(target=ctx.term, daemon=True)
            terminating.start()
            terminating.join(5)
    finally:
        gc.enable()
    return not terminating.is_alive()


def make_pair(ctx, type_a, type_b, transport="inproc", endpoints=None, **_):
    """Create ``a`` (bound) and ``b`` (connected to a) over ``transport``.

    ``type_a``/``type_b`` are socket type numbers or names ("PUSH").
    For PUB/XPUB -> SUB pairs ``b`` is subscribed to everything and the
    subscription is known to have reached ``a`` when this returns.
    """
    mod = _module_of(ctx)
    a = ctx.socket(_socket_type(mod, type_a))
    b = ctx.socket(_socket_type(mod, type_b))
    a.linger = 0
    b.linger = 0
    if transport == "inproc":
        addr = endpoints.inproc() if endpoints else f"inproc://p-{uuid.uuid4().hex}"
        a.bind(addr)
    elif transport == "ipc":
        if endpoints is None:
            raise ValueError("ipc pairs need the endpoints fixture")
        addr = endpoints.ipc(mod)
        a.bind(addr)
    elif transport == "tcp":
        port = a.bind_to_random_port("tcp://127.0.0.1")
        addr = f"tcp://127.0.0.1:{port}"
    else:
        raise ValueError(f"unknown transport {transport!r}")
    b.connect(addr)
    if b.type == mod.SUB:
        b.setsockopt(mod.SUBSCRIBE, b"")
        if a.type in (mod.PUB, mod.XPUB):
            wait_for_subscription(a, b)
    return a, b


@pytest.fixture
def pair(endpoints):
    """``pair(ctx, type_a, type_b, transport="inproc") -> (bound, connected)``."""

    def _pair(ctx, type_a, type_b, transport="inproc"):
        return make_pair(ctx, type_a, type_b, transport, endpoints=endpoints)

    return _pair


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


# ---------------------------------------------------------------------------
# threads
# ---------------------------------------------------------------------------


class BgThread(threading.Thread):
    """Daemon thread that records its return value or exception."""

    def __init__(self, target, *args, **kwargs):
        super().__init__(daemon=True)
        self._fn = target
        self._args = args
        self._kwargs = kwargs
        self.result = None
        self.exc: BaseException | None = None
        self.finished_at: float | None = None

    def run(self):
        try:
            self.result = self._fn(*self._args, **self._kwargs)
        except BaseException as e:  # noqa: BLE001 - recorded for the test
            self.exc = e
        finally:
            self.finished_at = time.monotonic()


@pytest.fixture
def bg():
    """``bg(fn, *args) -> started BgThread``; threads are joined at teardown."""
    threads: list[BgThread] = []

    def start(fn, *args, **kwargs):
        t = BgThread(fn, *args, **kwargs)
        threads.append(t)
        t.start()
        return t

    yield start
    for t in threads:
        t.join(5)
