"""pyzmq's module layout: zmq.sugar.* and zmq.backend.* name the public objects
(the sugar classes are zmq's own, the backend's Context/Socket/Frame their bases),
and the backend's base classes work on their own."""

from __future__ import annotations

import importlib

import pytest

pytestmark = pytest.mark.timeout(20)

SUGAR_MODULES = ["context", "frame", "poll", "socket", "tracker", "version"]
BASE_CLASSES = {"Context", "Socket", "Frame", "Message"}


def _module(zmq, name):
    return importlib.import_module(f"{zmq.__name__}.{name}")


@pytest.mark.parametrize("name", SUGAR_MODULES)
def test_sugar_modules_name_the_public_objects(zmq, name):
    module = _module(zmq, f"sugar.{name}")
    assert module.__all__
    for attr in module.__all__:
        assert getattr(module, attr) is getattr(zmq, attr), f"sugar.{name}.{attr}"


def test_sugar_stopwatch(zmq):
    assert _module(zmq, "sugar.stopwatch").Stopwatch is zmq.Stopwatch


def test_sugar_package_names_the_public_objects(zmq):
    sugar = _module(zmq, "sugar")
    assert {"Socket", "Context", "Frame", "Poller", "ZMQError", "device"} <= set(sugar.__all__)
    for attr in sugar.__all__:
        assert getattr(sugar, attr) is getattr(zmq, attr), attr
    assert zmq.sugar is sugar  # reachable as an attribute, as pyzmq imports it with zmq


@pytest.mark.parametrize("name", ["backend", "backend.cython"])
def test_backend_names_the_bases_and_the_functions(zmq, name):
    backend = _module(zmq, name)
    for attr in _module(zmq, "backend.select").public_api:
        ours = getattr(backend, attr)
        if attr in BASE_CLASSES:
            assert issubclass(getattr(zmq, attr), ours), attr
        else:
            assert ours is getattr(zmq, attr), attr
    assert callable(backend.monitored_queue)


def test_backend_socket_works_on_its_own(zmq):
    backend = _module(zmq, "backend")
    ctx = backend.Context()
    a = backend.Socket(ctx, zmq.PAIR)
    b = backend.Socket(ctx, zmq.PAIR)
    try:
        a.bind("inproc://backend-socket")
        b.connect("inproc://backend-socket")
        a.send(b"from the base class")
        assert b.recv() == b"from the base class"
        assert b.get(zmq.TYPE) == zmq.PAIR
    finally:
        a.close()
        b.close()
        ctx.term()


def test_select_backend(zmq):
    select = _module(zmq, "backend.select")
    namespace = select.select_backend(f"{zmq.__name__}.backend.cython")
    assert set(namespace) == {*select.public_api, "monitored_queue"}
    assert namespace["Socket"] is _module(zmq, "backend").Socket
    with pytest.raises(ImportError):
        select.select_backend(f"{zmq.__name__}.no_such_backend")
    with pytest.raises(AttributeError):
        select.select_backend("json")  # a module, but no backend
