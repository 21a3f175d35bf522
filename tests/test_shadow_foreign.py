"""Context/Socket shadow and underlying: raw libzmq pointers shared with code
outside zmqx, here plain C calls into the same libzmq through ctypes."""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib

import pytest

import zmqx

pytestmark = pytest.mark.timeout(10)


@pytest.fixture(scope="module")
def libzmq():
    # the library zmqx itself is linked against, already loaded in this process
    name = ctypes.util.find_library("zmq")
    if name is None:
        pytest.skip("libzmq shared library not found by ctypes")
    lib = ctypes.CDLL(name)
    lib.zmq_ctx_new.restype = ctypes.c_void_p
    lib.zmq_ctx_term.argtypes = [ctypes.c_void_p]
    lib.zmq_socket.restype = ctypes.c_void_p
    lib.zmq_socket.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.zmq_close.argtypes = [ctypes.c_void_p]
    lib.zmq_bind.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.zmq_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.zmq_send.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    lib.zmq_recv.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    return lib


def test_zmqx_context_shadows_a_foreign_context(libzmq):
    raw_ctx = libzmq.zmq_ctx_new()
    raw_pull = libzmq.zmq_socket(raw_ctx, zmqx.PULL)
    assert libzmq.zmq_bind(raw_pull, b"inproc://foreign") == 0
    ctx = zmqx.Context.shadow(raw_ctx)
    assert ctx.underlying == raw_ctx
    push = ctx.socket(zmqx.PUSH)
    push.connect("inproc://foreign")  # inproc works only within one libzmq context
    push.send(b"across libraries")
    buf = ctypes.create_string_buffer(64)
    n = libzmq.zmq_recv(raw_pull, buf, 64, 0)
    assert buf.raw[:n] == b"across libraries"
    push.close()
    libzmq.zmq_close(raw_pull)
    del ctx  # a shadow never terminates what it does not own
    assert libzmq.zmq_ctx_term(raw_ctx) == 0


def test_foreign_code_uses_zmqx_pointers(libzmq):
    ctx = zmqx.Context()
    pull = ctx.socket(zmqx.PULL)
    pull.bind("inproc://zmqx-owned")
    raw_push = libzmq.zmq_socket(ctx.underlying, zmqx.PUSH)
    assert libzmq.zmq_connect(raw_push, b"inproc://zmqx-owned") == 0
    assert libzmq.zmq_send(raw_push, b"from C", 6, 0) == 6
    pull.rcvtimeo = 2000
    assert pull.recv() == b"from C"
    # a Socket shadowing the raw socket sends through it
    shadow = zmqx.Socket.shadow(raw_push)
    assert shadow.type == zmqx.PUSH
    shadow.send(b"via shadow")
    assert pull.recv() == b"via shadow"
    libzmq.zmq_close(raw_push)
    pull.close()
    ctx.term()


@pytest.mark.parametrize("submodule", ["", ".asyncio"])
def test_shadow_pyczmq_needs_pyczmq(zmq, submodule):
    """pyczmq (a dead project) is not installed: the import it needs fails, as in pyzmq."""
    try:
        import pyczmq  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pyczmq is installed")
    context_class = importlib.import_module(zmq.__name__ + submodule).Context
    with pytest.raises(ModuleNotFoundError) as info:
        context_class.shadow_pyczmq(object())
    assert info.value.name == "pyczmq"
