"""zmqx has every public module, name and class attribute of pyzmq.

Walks pyzmq's installed package (the reference) and looks each thing up in zmqx.
By nature a comparison of the two, so it does not take the `zmq` fixture. What
zmqx leaves out on purpose is listed below, each with its reason.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import types
import warnings

import pytest
import zmq as pyzmq

# pyzmq modules that zmqx does not have, and why.
OMITTED_MODULES = {
    # pyzmq's second backend, for PyPy; zmqx has one, its compiled core
    # (zmqx.backend.cython). Not even importable in this pyzmq build.
    "zmq.backend.cffi": "no cffi backend",
    # a command-line script (`python -m zmq.curve_keygen`) with no importable
    # API; zmqx's command is `zmqx keygen`
    "zmq.curve_keygen": "script",
    # the mixin behind pyzmq's `sock.linger = 0`; zmqx's Socket and Context
    # implement options as attributes themselves, and no program subclasses it
    "zmq.sugar.attrsettr": "internal mixin",
    # the thread that frees pyzmq's zero-copy buffers; zmqx releases them without
    # a thread. Public code names it only in packagers' hidden-import lists.
    "zmq.utils.garbage": "no collector thread",
}

# (module, name) pairs that zmqx does not have, and why.
OMITTED_NAMES = {
    # the options for which pyzmq's gevent sockets emulate timeouts; zmqx.green
    # applies RCVTIMEO/SNDTIMEO through its own readiness machine
    ("zmq.green.core", "TIMEOS"): "green internals",
}

# Names outside their module's __all__ that pyzmq programs use all the same.
BEYOND_ALL = {
    "zmq.asyncio": ["ProactorSelectorThreadWarning", "Future", "SelectorEventLoop"],
    "zmq.backend": ["monitored_queue", "select_backend"],
    "zmq.backend.cython": ["monitored_queue"],
    # pyzmq's zmq.devices also leaks its loop variable `submod`: not an API
    "zmq.devices": ["proxy", "DeviceType", "BackgroundDevice"],
}

# The modules the walk must reach: if pyzmq renamed them, the walk would
# quietly check less.
EXPECTED_MODULES = {
    "zmq",
    "zmq.asyncio",
    "zmq.auth",
    "zmq.auth.thread",
    "zmq.backend",
    "zmq.backend.cython",
    "zmq.constants",
    "zmq.decorators",
    "zmq.devices",
    "zmq.error",
    "zmq.eventloop.zmqstream",
    "zmq.green",
    "zmq.log.handlers",
    "zmq.ssh.tunnel",
    "zmq.sugar",
    "zmq.sugar.socket",
    "zmq.utils.monitor",
    "zmq.utils.win32",
}


def _pyzmq_modules() -> list[str]:
    names = ["zmq"]
    with warnings.catch_warnings():  # walking imports packages, deprecated ones too
        warnings.simplefilter("ignore", DeprecationWarning)
        found = list(pkgutil.walk_packages(pyzmq.__path__, "zmq.", onerror=lambda name: None))
    for info in found:
        parts = info.name.split(".")
        if parts[1] == "tests" or any(part.startswith("_") for part in parts):
            continue
        names.append(info.name)
    return sorted(names)


# importing every module imports the deprecated ones too (eventloop.ioloop...)
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


PYZMQ_MODULES = _pyzmq_modules()


def _zmqx_name(name: str) -> str:
    return "zmqx" + name[len("zmq") :]


def _public_names(module: types.ModuleType) -> list[str]:
    """The module's __all__ (and BEYOND_ALL); without one, its names that are
    neither private nor imported from outside pyzmq (stdlib modules, typing
    helpers, tornado...)."""
    if hasattr(module, "__all__"):
        return [*module.__all__, *BEYOND_ALL.get(module.__name__, [])]
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or name == "TYPE_CHECKING" or isinstance(value, types.ModuleType):
            continue
        origin = getattr(value, "__module__", None)
        if isinstance(origin, str) and origin.split(".")[0] != "zmq":
            continue
        names.append(name)
    return names


def _import_reference(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as error:  # e.g. the cffi backend of a cython build
        pytest.skip(f"pyzmq's {name} does not import here: {error}")


def test_the_walk_reaches_the_modules_it_is_meant_to_check():
    assert EXPECTED_MODULES <= set(PYZMQ_MODULES)
    assert set(OMITTED_MODULES) <= set(PYZMQ_MODULES)  # no stale entries


@pytest.mark.parametrize("name", [m for m in PYZMQ_MODULES if m not in OMITTED_MODULES])
def test_module_names(name):
    reference = _import_reference(name)
    ours = importlib.import_module(_zmqx_name(name))
    missing = [
        attr
        for attr in _public_names(reference)
        if (name, attr) not in OMITTED_NAMES and not hasattr(ours, attr)
    ]
    assert not missing, f"{_zmqx_name(name)} lacks {missing}"


@pytest.mark.parametrize("name", [m for m in PYZMQ_MODULES if m not in OMITTED_MODULES])
def test_class_attributes(name):
    """Every public attribute of every pyzmq class a public module names (Socket,
    Context, Frame, Poller, MessageTracker, the asyncio, green and tornado
    classes, ZMQStream, devices, authenticators, log handlers...)."""
    reference = _import_reference(name)
    ours = importlib.import_module(_zmqx_name(name))
    missing = []
    for attr in _public_names(reference):
        cls = getattr(reference, attr, None)
        if not (inspect.isclass(cls) and cls.__module__.split(".")[0] == "zmq"):
            continue
        if issubclass(cls, BaseException) or not hasattr(ours, attr):
            continue  # exceptions' attributes are Python's; a missing class fails above
        counterpart = getattr(ours, attr)
        missing += [
            f"{attr}.{member}"
            for member in dir(cls)
            if not member.startswith("_") and not hasattr(counterpart, member)
        ]
    assert not missing, f"{_zmqx_name(name)} lacks {missing}"


def test_omissions_are_still_missing():
    """An omission that zmqx has since filled belongs out of the lists."""
    for name in OMITTED_MODULES:
        with pytest.raises(ImportError):
            importlib.import_module(_zmqx_name(name))
    for name, attr in OMITTED_NAMES:
        assert not hasattr(importlib.import_module(_zmqx_name(name)), attr)


# ---- names beyond __all__, and the lazily loaded modules -----------------------


def test_devices_asyncio_and_utils_names_are_the_usual_objects():
    import asyncio

    import zmqx.asyncio
    import zmqx.devices

    assert zmqx.devices.proxy is zmqx.proxy
    assert zmqx.devices.DeviceType is zmqx.constants.DeviceType
    assert zmqx.asyncio.Future is asyncio.Future
    assert zmqx.asyncio.SelectorEventLoop is asyncio.SelectorEventLoop
    assert not hasattr(zmqx.devices, "submod")


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.timeout(120)
def test_import_zmqx_loads_neither_backend_nor_sugar():
    out = _run(
        "import sys, zmqx\n"
        "print(sorted(m for m in sys.modules if m.startswith(('zmqx.backend', 'zmqx.sugar'))))\n"
        # pyzmq loads both with zmq: attribute access works without an import
        "print(zmqx.sugar.socket.Socket is zmqx.Socket, zmqx.backend.Frame is zmqx.Frame)\n"
    )
    assert out.split("\n")[:2] == ["[]", "True True"]


@pytest.mark.timeout(120)
def test_install_as_zmq_resolves_backend_and_sugar_imports():
    out = _run(
        "import zmqx\n"
        "zmqx.install_as_zmq()\n"
        "import zmq.sugar.socket\n"
        "import zmq.backend.cython\n"
        "from zmq.backend import Socket\n"
        "from zmq.sugar.context import Context\n"
        "from zmq.utils.win32 import allow_interrupt\n"
        "import zmq\n"
        "print(zmq.sugar.socket.Socket is zmqx.Socket, Context is zmqx.Context,\n"
        "      issubclass(zmqx.Socket, Socket), zmq.backend.cython.Frame is zmqx.Frame,\n"
        "      allow_interrupt.__module__)\n"
    )
    assert out.split() == ["True", "True", "True", "True", "zmqx.utils.win32"]
