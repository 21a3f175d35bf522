"""Tests for zmqx.utils: z85, jsonapi, monitor, strtypes, interop."""

from __future__ import annotations

import asyncio
import importlib
import json
import struct
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zmqx.utils import interop, jsonapi, monitor, strtypes, z85

try:
    import zmq as pyzmq
    import zmq.utils.jsonapi as py_jsonapi
    import zmq.utils.monitor as py_monitor
    import zmq.utils.z85 as py_z85
except ImportError:  # pragma: no cover - pyzmq is a test dependency
    pyzmq = py_jsonapi = py_monitor = py_z85 = None

needs_pyzmq = pytest.mark.skipif(pyzmq is None, reason="pyzmq not installed")


def _socket_lib():
    """zmqx if its socket layer is importable, else pyzmq (until the core lands)."""
    try:
        import zmqx
    except Exception:  # noqa: BLE001 - any failure to load the core means "not ready"
        zmqx = None
    if hasattr(zmqx, "Context") and hasattr(zmqx, "EVENT_CONNECTED"):
        return zmqx
    return pytest.importorskip("zmq")


# --------------------------------------------------------------------------- z85

SPEC_RAW = bytes([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])
SPEC_TEXT = b"HelloWorld"


def test_z85_spec_vector():
    assert z85.encode(SPEC_RAW) == SPEC_TEXT
    assert z85.decode(SPEC_TEXT) == SPEC_RAW
    assert z85.decode(SPEC_TEXT.decode()) == SPEC_RAW


def test_z85_alphabet():
    assert len(z85.Z85CHARS) == 85
    assert len(set(z85.Z85CHARS)) == 85
    assert all(0x21 <= c <= 0x7E for c in z85.Z85CHARS)
    assert z85.Z85MAP == {c: i for i, c in enumerate(z85.Z85CHARS)}


def test_z85_boundaries():
    assert z85.encode(b"") == b""
    assert z85.decode(b"") == b""
    assert z85.decode("") == b""
    assert z85.encode(b"\x00" * 4) == b"00000"
    assert z85.encode(b"\xff" * 4) == b"%nSc0"
    assert z85.decode(b"%nSc0") == b"\xff" * 4


@pytest.mark.parametrize("obj", [bytearray(SPEC_RAW), memoryview(SPEC_RAW)])
def test_z85_encode_buffers(obj):
    assert z85.encode(obj) == SPEC_TEXT


@pytest.mark.parametrize("obj", [bytearray(SPEC_TEXT), memoryview(SPEC_TEXT)])
def test_z85_decode_buffers(obj):
    assert z85.decode(obj) == SPEC_RAW


def test_z85_decode_multidim_buffer_counts_bytes():
    view = memoryview(SPEC_RAW).cast("I")
    assert z85.encode(view) == SPEC_TEXT


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 9])
def test_z85_encode_bad_length(n):
    with pytest.raises(ValueError, match="multiple of 4"):
        z85.encode(b"x" * n)


@pytest.mark.parametrize("n", [1, 4, 6, 9, 11])
def test_z85_decode_bad_length(n):
    with pytest.raises(ValueError, match="multiple of 5"):
        z85.decode(b"0" * n)


@pytest.mark.parametrize(
    "bad", [b'Hell"', b"Hell~", b"Hell ", b"\x00aaaa", b"0000\xff", b"00000,0000"]
)
def test_z85_decode_invalid_character(bad):
    with pytest.raises(ValueError):
        z85.decode(bad)
    # pyzmq raises KeyError here; keep such handlers working.
    with pytest.raises(KeyError):
        z85.decode(bad)


def test_z85_decode_non_ascii_str():
    with pytest.raises(ValueError):
        z85.decode("Hell\u00e9")


@pytest.mark.parametrize("bad", [b"%nSc1", b"#####", b"00000%nSd0"])
def test_z85_decode_overflow(bad):
    with pytest.raises(ValueError):
        z85.decode(bad)
    # pyzmq raises struct.error here; keep such handlers working.
    with pytest.raises(struct.error):
        z85.decode(bad)


@pytest.mark.parametrize("obj", ["abcd", 1234, [1, 2, 3, 4], None])
def test_z85_encode_rejects_non_buffers(obj):
    with pytest.raises(TypeError):
        z85.encode(obj)


raw_words = st.binary(max_size=256).map(lambda b: b[: len(b) - len(b) % 4])


@given(raw_words)
def test_z85_roundtrip(raw):
    text = z85.encode(raw)
    assert len(text) == len(raw) * 5 // 4
    assert set(text) <= set(z85.Z85CHARS)
    assert z85.decode(text) == raw
    assert z85.decode(text.decode("ascii")) == raw


@given(st.lists(st.sampled_from(z85.Z85CHARS), max_size=100).map(bytes))
def test_z85_decode_matches_arithmetic(text):
    text = text[: len(text) - len(text) % 5]
    words = []
    for i in range(0, len(text), 5):
        word = 0
        for c in text[i : i + 5]:
            word = word * 85 + z85.Z85MAP[c]
        words.append(word)
    if any(w > 0xFFFFFFFF for w in words):
        with pytest.raises(ValueError):
            z85.decode(text)
    else:
        assert z85.decode(text) == b"".join(w.to_bytes(4, "big") for w in words)


@needs_pyzmq
@given(raw_words)
def test_z85_matches_pyzmq(raw):
    encoded = z85.encode(raw)
    assert encoded == py_z85.encode(raw)
    assert z85.decode(encoded) == py_z85.decode(encoded)


# ----------------------------------------------------------------------- jsonapi

JSON_SAMPLES = [
    None,
    True,
    0,
    -17,
    1.5,
    "",
    "plain",
    "caf\u00e9 \u2603 \U0001f600",
    [],
    {},
    [1, "two", 3.0, None, False],
    {"a": 1, "b": [1, 2, {"c": "d"}], "\u00e9": "\u00e8"},
    {"b": 1, "a": 2},
    (1, 2),
]


@pytest.mark.parametrize("value", JSON_SAMPLES)
def test_jsonapi_dumps_is_utf8_json(value):
    out = jsonapi.dumps(value)
    assert isinstance(out, bytes)
    assert out == json.dumps(value).encode("utf-8")


@pytest.mark.parametrize("value", JSON_SAMPLES)
def test_jsonapi_roundtrip(value):
    expected = list(value) if isinstance(value, tuple) else value
    assert jsonapi.loads(jsonapi.dumps(value)) == expected
    assert jsonapi.loads(jsonapi.dumps(value).decode()) == expected


@needs_pyzmq
@pytest.mark.parametrize("value", JSON_SAMPLES)
def test_jsonapi_dumps_matches_pyzmq(value):
    assert jsonapi.dumps(value) == py_jsonapi.dumps(value)


@needs_pyzmq
@pytest.mark.parametrize(
    "kwargs",
    [
        {"ensure_ascii": False},
        {"sort_keys": True},
        {"separators": (",", ":")},
        {"indent": 2},
    ],
)
def test_jsonapi_kwargs_match_pyzmq(kwargs):
    value = {"z": [1, "\u00e9"], "a": {"k": None}}
    assert jsonapi.dumps(value, **kwargs) == py_jsonapi.dumps(value, **kwargs)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
@settings(max_examples=200)
def test_jsonapi_roundtrip_hypothesis(value):
    data = jsonapi.dumps(value)
    assert jsonapi.loads(data) == value
    if py_jsonapi is not None:
        assert data == py_jsonapi.dumps(value)
        assert py_jsonapi.loads(data) == value


def test_jsonapi_loads_inputs():
    assert jsonapi.loads(b'{"a": [1]}') == {"a": [1]}
    assert jsonapi.loads('{"a": [1]}') == {"a": [1]}
    assert jsonapi.loads(bytearray(b"[1]")) == [1]
    assert jsonapi.loads('"\u00e9"') == "\u00e9"
    assert jsonapi.loads("\u00e9".join('""').encode("utf-8")) == "\u00e9"
    assert jsonapi.loads(b"1", parse_int=float) == 1.0


def test_jsonapi_errors():
    with pytest.raises(TypeError):
        jsonapi.dumps(object())
    with pytest.raises(TypeError):
        jsonapi.dumps(b"bytes are not JSON")
    with pytest.raises(UnicodeDecodeError):
        jsonapi.loads(b"\xff")
    with pytest.raises(ValueError):
        jsonapi.loads(b"not json")
    # bytes are always UTF-8: a BOM is not skipped, UTF-16 is not sniffed
    with pytest.raises(ValueError):
        jsonapi.loads(b"\xef\xbb\xbf1")
    with pytest.raises(UnicodeDecodeError):
        jsonapi.loads("1".encode("utf-16"))


# ----------------------------------------------------------------------- monitor

# Event ids from zmq.h (ZMQ_EVENT_*), all of which fit the v1 16-bit field.
EVENT_IDS = {
    "CONNECTED": 0x0001,
    "CONNECT_DELAYED": 0x0002,
    "CONNECT_RETRIED": 0x0004,
    "LISTENING": 0x0008,
    "BIND_FAILED": 0x0010,
    "ACCEPTED": 0x0020,
    "ACCEPT_FAILED": 0x0040,
    "CLOSED": 0x0080,
    "CLOSE_FAILED": 0x0100,
    "DISCONNECTED": 0x0200,
    "MONITOR_STOPPED": 0x0400,
    "HANDSHAKE_FAILED_NO_DETAIL": 0x0800,
    "HANDSHAKE_SUCCEEDED": 0x1000,
    "HANDSHAKE_FAILED_PROTOCOL": 0x2000,
    "HANDSHAKE_FAILED_AUTH": 0x4000,
}


def _frames(event: int, value: int, endpoint: bytes = b"tcp://127.0.0.1:5555") -> list[bytes]:
    return [struct.pack("=Hi", event, value), endpoint]


def _event_type():
    try:
        from zmqx.constants import Event
    except Exception:  # noqa: BLE001 - core not importable yet
        return None
    return Event


@pytest.mark.parametrize("name", sorted(EVENT_IDS))
def test_parse_every_event(name):
    event_id = EVENT_IDS[name]
    for value in (0, 1, 42, 0x10000011, 0x7FFFFFFF):
        endpoint = f"tcp://10.0.0.1:{event_id}".encode()
        result = monitor.parse_monitor_message(_frames(event_id, value, endpoint))
        assert set(result) == {"event", "value", "endpoint"}
        assert result["event"] == event_id
        assert isinstance(result["event"], int)
        assert result["value"] == value
        assert isinstance(result["value"], int)
        assert result["endpoint"] == endpoint
        Event = _event_type()
        if Event is not None:
            assert isinstance(result["event"], Event)
            assert result["event"] is Event[name]
        if pyzmq is not None:
            theirs = py_monitor.parse_monitor_message(_frames(event_id, value, endpoint))
            assert int(theirs["event"]) == int(result["event"])
            assert int(theirs["value"]) == int(result["value"])
            assert theirs["endpoint"] == result["endpoint"]


def test_parse_native_byte_order():
    header = (0x0020).to_bytes(2, sys.byteorder) + (9).to_bytes(4, sys.byteorder)
    result = monitor.parse_monitor_message([header, b"ipc://x"])
    assert (result["event"], result["value"]) == (0x20, 9)


def test_parse_accepts_tuple_and_empty_endpoint():
    result = monitor.parse_monitor_message(tuple(_frames(1, 3, b"")))
    assert (result["event"], result["value"], result["endpoint"]) == (1, 3, b"")


def test_parse_endpoint_passed_through():
    endpoint = bytearray(b"tcp://[::1]:1")
    assert (
        monitor.parse_monitor_message([struct.pack("=Hi", 1, 0), endpoint])["endpoint"] is endpoint
    )


@pytest.mark.parametrize(
    "msg",
    [
        [],
        [struct.pack("=Hi", 1, 0)],
        [struct.pack("=Hi", 1, 0), b"a", b"b"],
        # v2 monitor format (8-byte event, value count, value(s), endpoint) is not accepted
        [struct.pack("=Q", 1), struct.pack("=Q", 1), struct.pack("=Q", 0), b"tcp://x"],
        [b"", b"a"],
        [struct.pack("=Hi", 1, 0)[:5], b"a"],
        [struct.pack("=Hi", 1, 0) + b"\x00", b"a"],
    ],
)
def test_parse_malformed(msg):
    with pytest.raises(RuntimeError, match="Invalid event message format"):
        monitor.parse_monitor_message(msg)
    if pyzmq is not None:
        with pytest.raises(RuntimeError):
            py_monitor.parse_monitor_message(msg)


@given(st.integers(0, 0x7FFF), st.integers(0, 0x7FFFFFFF), st.binary(max_size=40))
def test_parse_matches_pyzmq(event, value, endpoint):
    ours = monitor.parse_monitor_message(_frames(event, value, endpoint))
    assert (int(ours["event"]), int(ours["value"]), ours["endpoint"]) == (event, value, endpoint)
    if pyzmq is not None:
        theirs = py_monitor.parse_monitor_message(_frames(event, value, endpoint))
        assert (int(theirs["event"]), int(theirs["value"])) == (event, value)


def _monitor_pair(zmq, ctx):
    """A PAIR pair: what is sent on the first arrives like monitor events on the second."""
    a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    for sock in (a, b):
        sock.linger = 0
    endpoint = f"inproc://monitor-frames-{id(a):x}"
    a.bind(endpoint)
    b.connect(endpoint)
    return a, b


@pytest.mark.timeout(10)
def test_recv_monitor_message_passes_flags():
    zmq = _socket_lib()
    with zmq.Context() as ctx:
        events, sock = _monitor_pair(zmq, ctx)
        with pytest.raises(zmq.Again):
            monitor.recv_monitor_message(sock, zmq.NOBLOCK)  # nothing there: NOBLOCK seen
        events.send_multipart(_frames(0x8, 12, b"tcp://*:1"))
        result = monitor.recv_monitor_message(sock)
        assert (result["event"], result["value"], result["endpoint"]) == (8, 12, b"tcp://*:1")


@pytest.mark.timeout(10)
def test_recv_monitor_message_async():
    zmq = _socket_lib()
    aio = importlib.import_module(zmq.__name__ + ".asyncio")

    async def main():
        ctx = aio.Context()
        events, sock = _monitor_pair(zmq, ctx)
        pending = monitor.recv_monitor_message(sock)
        assert not isinstance(pending, dict)
        await events.send_multipart(_frames(0x200, 5, b"tcp://h:2"))
        try:
            return await asyncio.wait_for(pending, 5)
        finally:
            ctx.destroy(linger=0)

    result = asyncio.run(main())
    assert (result["event"], result["value"], result["endpoint"]) == (0x200, 5, b"tcp://h:2")


@pytest.mark.timeout(10)
def test_recv_monitor_message_malformed():
    zmq = _socket_lib()
    with zmq.Context() as ctx:
        events, sock = _monitor_pair(zmq, ctx)
        events.send(b"x")
        with pytest.raises(RuntimeError):
            monitor.recv_monitor_message(sock)


@pytest.mark.timeout(10)
def test_recv_monitor_message_real_connect():
    zmq = _socket_lib()
    ctx = zmq.Context()
    server = ctx.socket(zmq.REP)
    client = ctx.socket(zmq.REQ)
    mon = client.get_monitor_socket(zmq.EVENT_CONNECTED)
    try:
        server.setsockopt(zmq.LINGER, 0)
        client.setsockopt(zmq.LINGER, 0)
        port = server.bind_to_random_port("tcp://127.0.0.1")
        endpoint = f"tcp://127.0.0.1:{port}"
        client.connect(endpoint)
        assert mon.poll(5000), "no monitor event within 5s"
        result = monitor.recv_monitor_message(mon)
        assert result["event"] == zmq.EVENT_CONNECTED
        assert isinstance(result["value"], int)  # the connected socket's fd
        assert result["endpoint"] == endpoint.encode()
        Event = _event_type()
        if Event is not None:
            assert isinstance(result["event"], Event)
        with pytest.raises(zmq.Again):
            monitor.recv_monitor_message(mon, zmq.NOBLOCK)
    finally:
        client.disable_monitor()
        mon.close(0)
        client.close(0)
        server.close(0)
        ctx.term()


@pytest.mark.timeout(10)
def test_recv_monitor_message_real_listening_all_events():
    zmq = _socket_lib()
    ctx = zmq.Context()
    server = ctx.socket(zmq.PUB)
    mon = server.get_monitor_socket()
    try:
        server.setsockopt(zmq.LINGER, 0)
        port = server.bind_to_random_port("tcp://127.0.0.1")
        assert mon.poll(5000)
        result = monitor.recv_monitor_message(mon)
        assert result["event"] == zmq.EVENT_LISTENING
        assert result["endpoint"] == f"tcp://127.0.0.1:{port}".encode()
    finally:
        server.disable_monitor()
        mon.close(0)
        server.close(0)
        ctx.term()


# ---------------------------------------------------------------- strtypes / interop


def test_strtypes():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert strtypes.cast_bytes("caf\u00e9") == "caf\u00e9".encode("utf-8")
        assert strtypes.cast_bytes(b"x") == b"x"
        assert strtypes.cast_bytes("\u00e9", "latin-1") == b"\xe9"
        assert strtypes.cast_unicode(b"caf\xc3\xa9") == "caf\u00e9"
        assert strtypes.cast_unicode("x") == "x"
        assert strtypes.cast_unicode(b"\xff", errors="replace") == "\ufffd"
        assert strtypes.asbytes is strtypes.b is strtypes.cast_bytes
        assert strtypes.u is strtypes.cast_unicode
        with pytest.raises(TypeError):
            strtypes.cast_bytes(5)
        with pytest.raises(TypeError):
            strtypes.cast_unicode(bytearray(b"x"))
    assert caught and all(issubclass(w.category, DeprecationWarning) for w in caught)
    assert all(w.filename == __file__ for w in caught)
    assert strtypes.bytes is bytes
    assert strtypes.unicode is str
    assert strtypes.basestring == (str,)


def test_interop_cast_int_addr():
    assert interop.cast_int_addr(12345) == 12345
    for bad in (1.5, "0x10", None, b"\x00"):
        with pytest.raises(ValueError):
            interop.cast_int_addr(bad)


def test_interop_cast_cffi_pointer():
    cffi = pytest.importorskip("cffi")
    ffi = cffi.FFI()
    buf = ffi.new("char[8]")
    assert interop.cast_int_addr(buf) == int(ffi.cast("size_t", buf))
