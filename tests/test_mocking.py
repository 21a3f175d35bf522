"""unittest.mock over sockets and contexts, as people write unit tests of code that
uses them: Mock(spec=...) and create_autospec() read every name in dir(), so each
must either read or raise AttributeError. Options libzmq will not read (write-only,
of another socket type, newer than the linked libzmq) raise AttributeError, as in
pyzmq; zmqx's is also the ZMQError(EINVAL) that get() raises."""

from __future__ import annotations

import importlib
from unittest import mock

import pytest

SOCKET_TYPES = ("PAIR", "PUB", "SUB", "REQ", "REP", "ROUTER", "XPUB", "STREAM")
FLAVOURS = ("sync", "asyncio", "green")


@pytest.fixture(params=FLAVOURS)
def flavour_ctx(zmq, request):
    """A Context of the implementation in one flavour, destroyed at the end."""
    if request.param == "sync":
        ctx = zmq.Context()
    else:
        if request.param == "green":
            pytest.importorskip("gevent")
        ctx = importlib.import_module(f"{zmq.__name__}.{request.param}").Context()
    yield ctx
    ctx.destroy(linger=0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # socket_type, read by the specs
@pytest.mark.filterwarnings("ignore:.*TIMEO:UserWarning")  # green sockets warn at a read
@pytest.mark.parametrize("kind", SOCKET_TYPES)
def test_a_socket_is_a_mock_spec(zmq, flavour_ctx, kind):
    s = flavour_ctx.socket(getattr(zmq, kind))
    double = mock.Mock(spec=s)
    double.send(b"hello")
    double.send.assert_called_once_with(b"hello")
    double.recv.return_value = b"reply"
    assert double.recv() == b"reply"
    with pytest.raises(AttributeError):
        double.no_such_method()  # noqa: B018 - the spec refuses what the socket lacks
    strict = mock.create_autospec(s, instance=True)
    strict.bind("tcp://127.0.0.1:5555")
    with pytest.raises(TypeError):
        strict.bind()  # the autospec checks the real signature
    s.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_context_is_a_mock_spec(flavour_ctx):
    double = mock.Mock(spec=flavour_ctx)
    double.socket.return_value = "a socket"
    assert double.socket(1) == "a socket"
    assert isinstance(mock.create_autospec(flavour_ctx, instance=True).term, mock.Mock)


def test_unreadable_options_are_missing_attributes(zmq, impl_name):
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUB)
    for name in ("SUBSCRIBE", "ROUTER_MANDATORY", "xpub_verbose"):
        assert name.upper() in dir(s)
        assert not hasattr(s, name)
        with pytest.raises(AttributeError) as info:
            getattr(s, name)
        if impl_name == "zmqx":
            assert isinstance(info.value, zmq.ZMQError) and info.value.errno == zmq.EINVAL
    assert s.linger == -1  # readable options read as before
    s.close()
    with pytest.raises(zmq.ZMQError) as closed:
        s.LINGER  # noqa: B018 - a closed socket: an error, not a missing attribute
    assert not isinstance(closed.value, AttributeError)
    assert closed.value.errno == zmq.ENOTSOCK
    ctx.term()
