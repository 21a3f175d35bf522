"""Socket: the compiled socket plus serialization, options as attributes, and
the conveniences of pyzmq's API."""

from __future__ import annotations

import errno
import sys

import zmqx
from zmqx._core import _core
from zmqx._options import is_plain_attribute, option_named, read_option
from zmqx.constants import EVENT_ALL, PAIR, SocketOption, SocketType
from zmqx.error import ZMQBindError, ZMQError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, Generic, TypeVar

    from typing_extensions import Buffer, Self

    from zmqx._core._core import MessageTracker
    from zmqx.context import Context

    _T = TypeVar("_T")
    _R = TypeVar("_R")
    _SocketT_co = TypeVar("_SocketT_co", bound="Socket", covariant=True)
else:
    from zmqx._typing import TYPE_PARAMETER as _SocketT_co
    from zmqx._typing import Generic

__all__ = ["Socket"]

# pickle.DEFAULT_PROTOCOL, without importing pickle until it is used
_PICKLE_PROTOCOL = 4 if sys.version_info < (3, 14) else 5


class _SocketContext(Generic[_SocketT_co]):
    """What bind() and connect() return: usable as a context manager that undoes
    the bind (unbind) or connect (disconnect) at exit."""

    __slots__ = ("addr", "kind", "socket")

    def __init__(self, socket: _SocketT_co, kind: str, addr: str | bytes) -> None:
        self.socket = socket
        self.kind = kind  # "bind" or "connect"
        if kind == "bind" and isinstance(addr, str) and addr.endswith((":0", ":*")):
            # a wildcard port: what to unbind is the port actually chosen
            addr = socket.get(zmqx.LAST_ENDPOINT).decode()
        self.addr = addr

    def __enter__(self) -> _SocketT_co:
        return self.socket

    def __exit__(self, *exc: object) -> None:
        if self.socket.closed:
            return
        undo = self.socket.unbind if self.kind == "bind" else self.socket.disconnect
        try:
            undo(self.addr)
        except ZMQError as e:
            if e.errno not in (errno.ENOENT, zmqx.ENOTSOCK):
                raise

    def __repr__(self) -> str:
        return f"<SocketContext({self.kind}={self.addr!r})>"


class Socket(_core.Socket):
    """A ZeroMQ socket (not thread-safe: use it from one thread at a time).

    Make sockets with `Context.socket(type)`. Socket options read and write as
    attributes too: `sock.linger = 0`, `sock.identity`, `sock.RCVTIMEO`.
    """

    _monitor_socket: Socket | None = None
    # What this socket shadows (a Socket or an address), kept reachable as
    # pyzmq keeps it: the original is not collected under the shadow.
    _shadow_obj: _core.Socket | int | None = None

    def __init__(
        self,
        ctx_or_socket: _core.Context | _core.Socket | None = None,
        socket_type: int = 0,
        *,
        shadow: _core.Socket | int = 0,
        copy_threshold: int | None = None,
    ) -> None:
        if copy_threshold is None:
            copy_threshold = zmqx.COPY_THRESHOLD
        super().__init__(ctx_or_socket, socket_type, shadow=shadow, copy_threshold=copy_threshold)
        if isinstance(ctx_or_socket, _core.Socket):
            shadow = ctx_or_socket
        if shadow:
            self._shadow_obj = shadow

    @classmethod
    def shadow(cls, address: int | _core.Socket) -> Self:
        """Wrap the libzmq socket at address (e.g. another library's `underlying`)."""
        return cls(shadow=address)

    def __copy__(self, memo: object = None) -> Self:
        """A shadow: another Socket object on the same libzmq socket."""
        return type(self).shadow(self)

    __deepcopy__ = __copy__

    # ---- options as attributes ----------------------------------------------

    if TYPE_CHECKING:
        # The Context that made this socket (None for a socket shadowed by
        # address, which this declaration leaves out for the common case).
        @property
        def context(self) -> Context: ...

    def __dir__(self) -> list[str]:
        """Attributes, plus the option names that read and write as attributes."""
        return sorted({*super().__dir__(), *SocketOption.__members__})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        found = option_named(name, SocketOption)
        if found is None:
            raise AttributeError(f"{type(self).__name__} has no such option: {name.upper()}")
        upper, option = found
        if upper == "HWM":
            return self.get_hwm()
        return read_option(self.get, upper, option)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.lower() in ("subscribe", "unsubscribe"):
            # options, though methods of the same names exist
            getattr(self, name.lower())(value)
            return
        if is_plain_attribute(self, name):
            object.__setattr__(self, name, value)
            return
        found = option_named(name, SocketOption)
        if found is None:
            raise AttributeError(f"{type(self).__name__} has no such option: {name.upper()}")
        upper, option = found
        if upper == "HWM":
            self.set_hwm(value)
        else:
            self.set(option, value)

    def get_hwm(self) -> int:
        """The high-water mark: SNDHWM (`set_hwm` keeps RCVHWM equal to it).

        :returns: the most messages queued per peer before sending blocks or drops.
        """
        return self.get(zmqx.SNDHWM)

    def set_hwm(self, value: int) -> None:
        """Set SNDHWM and RCVHWM to the same value (0: no limit).

        Best set before `bind`/`connect`. Set later, libzmq applies it to the
        existing connections too; zmqx first lets the peers finish any
        disconnect in progress, which libzmq 4.3 would otherwise crash on
        (see the migrating guide), so the call may take up to 100 ms.

        :raises TypeError: if `value` is not an int.
        """
        self.set(zmqx.SNDHWM, value)
        self.set(zmqx.RCVHWM, value)

    @property
    def hwm(self) -> int:
        """SNDHWM and RCVHWM together."""
        return self.get_hwm()

    @hwm.setter
    def hwm(self, value: int) -> None:
        self.set_hwm(value)

    def setsockopt_string(self, option: int, optval: str, encoding: str = "utf-8") -> None:
        """Set a text option (e.g. `ROUTING_ID`, `ZAP_DOMAIN`) from a str.

        :param optval: the value, encoded with `encoding` before it is set.
        :raises TypeError: if `optval` is not a str.
        :raises ZMQError: EINVAL if libzmq refuses the option or value.
        """
        if not isinstance(optval, str):
            raise TypeError(f"expected str, got {type(optval).__name__}")
        self.set(option, optval.encode(encoding))

    def getsockopt_string(self, option: int, encoding: str = "utf-8") -> str:
        """Get a text option (e.g. `LAST_ENDPOINT`) decoded to str.

        :raises TypeError: if `option` is not a text or binary option.
        """
        value = self.get(option)
        if not isinstance(value, bytes):
            raise TypeError(f"option {option} is not a text option")
        return value.decode(encoding)

    setsockopt_unicode = setsockopt_string
    getsockopt_unicode = getsockopt_string
    set_string = setsockopt_string
    get_string = getsockopt_string

    @property
    def type(self) -> SocketType:
        """The socket's type (SocketType)."""
        return SocketType(self._type)

    @property
    def socket_type(self) -> SocketType:
        """Deprecated spelling of `type`."""
        import warnings

        warnings.warn("Socket.socket_type is deprecated, use Socket.type",
                      DeprecationWarning, stacklevel=2)
        return SocketType(self._type)

    def subscribe(self, topic: str | bytes) -> None:
        """On a SUB socket: receive the messages that start with `topic`.

        :param topic: a prefix; a str is encoded to UTF-8, and ``b""`` matches
            every message.
        """
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.set(zmqx.SUBSCRIBE, topic)

    def unsubscribe(self, topic: str | bytes) -> None:
        """On a SUB socket: undo one `subscribe` of the same `topic`."""
        if isinstance(topic, str):
            topic = topic.encode("utf-8")
        self.set(zmqx.UNSUBSCRIBE, topic)

    # ---- endpoints -----------------------------------------------------------

    def bind(self, addr: str | bytes) -> _SocketContext[Self]:  # type: ignore[override]
        """Accept connections on the endpoint `addr`.

        :param addr: e.g. ``"tcp://127.0.0.1:5555"`` (port ``*`` or ``0``: any
            free one, see `LAST_ENDPOINT`), ``"ipc:///tmp/name"``, ``"inproc://name"``.
        :returns: an object that, used in a ``with`` block, unbinds at its end.
        :raises ZMQError: EADDRINUSE (the address is taken), EINVAL (a malformed
            endpoint), EPROTONOSUPPORT (an unknown transport), ENOTSOCK (closed).
        """
        super().bind(addr)
        return _SocketContext(self, "bind", addr)

    def connect(self, addr: str | bytes) -> _SocketContext[Self]:  # type: ignore[override]
        """Connect to the endpoint `addr`; libzmq connects (and reconnects) in the
        background, so the peer need not be there yet.

        :returns: an object that, used in a ``with`` block, disconnects at its end.
        :raises ZMQError: EINVAL (a malformed endpoint), EPROTONOSUPPORT (an
            unknown transport), ENOTSOCK (closed).
        """
        super().connect(addr)
        return _SocketContext(self, "connect", addr)

    def bind_to_random_port(
        self, addr: str, min_port: int = 49152, max_port: int = 65536, max_tries: int = 100
    ) -> int:
        """Bind to a free port of `addr` (e.g. ``"tcp://127.0.0.1"``, no port).

        With the default range the operating system picks the port, so the
        call cannot fail for want of one; with another range, up to `max_tries`
        random ports of ``[min_port, max_port)`` are tried.

        :returns: the port.
        :raises ZMQBindError: if no port of the range was free.
        """
        import random

        if min_port == 49152 and max_port == 65536:
            # the default range is the OS's ephemeral range: let the OS choose
            super().bind(f"{addr}:*")
            endpoint = self.get(zmqx.LAST_ENDPOINT).decode()
            return int(endpoint.rsplit(":", 1)[-1])
        for _ in range(max_tries):
            port = random.randrange(min_port, max_port)
            try:
                super().bind(f"{addr}:{port}")
            except ZMQError as e:
                if e.errno not in (errno.EADDRINUSE, errno.EACCES):
                    raise
            else:
                return port
        raise ZMQBindError("Could not bind socket to random port.")

    # ---- serialization -------------------------------------------------------

    def send_string(
        self, u: str, flags: int = 0, copy: bool = True, encoding: str = "utf-8", **kwargs: Any
    ) -> MessageTracker | None:
        """Send a str as one frame, encoded with `encoding`.

        :raises TypeError: if `u` is not a str.
        """
        if not isinstance(u, str):
            raise TypeError("str objects only")
        return self.send(u.encode(encoding), flags=flags, copy=copy, **kwargs)

    def recv_string(self, flags: int = 0, encoding: str = "utf-8") -> str:
        """Receive one frame and decode it with `encoding`.

        :raises UnicodeDecodeError: if the frame is not valid in `encoding`.
        """
        return self._deserialize(self.recv(flags), lambda data: data.decode(encoding))

    send_unicode = send_string
    recv_unicode = recv_string

    def send_pyobj(
        self, obj: object, flags: int = 0, protocol: int = _PICKLE_PROTOCOL, **kwargs: Any
    ) -> MessageTracker | None:
        """Send `obj` pickled with `protocol`, as one frame.

        The receiver must trust this sender: unpickling can run any code.
        """
        import pickle

        tracker: MessageTracker | None = self.send(pickle.dumps(obj, protocol), flags=flags,
                                                   **kwargs)
        return tracker

    def recv_pyobj(self, flags: int = 0) -> Any:
        """Receive one frame and unpickle it.

        Only for peers you trust: unpickling can run any code.
        """
        import pickle

        return self._deserialize(self.recv(flags), pickle.loads)

    def send_json(self, obj: object, flags: int = 0, **kwargs: Any) -> MessageTracker | None:
        """Send `obj` as JSON text, UTF-8 encoded, in one frame.

        Keywords go to `json.dumps`, except those of `send` (``copy``, ``track``,
        ``routing_id``, ``group``).

        :raises TypeError: if `obj` cannot be represented as JSON.
        """
        from zmqx.utils import jsonapi

        send_kwargs = {k: kwargs.pop(k) for k in ("copy", "track", "routing_id", "group")
                       if k in kwargs}
        tracker: MessageTracker | None = self.send(jsonapi.dumps(obj, **kwargs), flags=flags,
                                                   **send_kwargs)
        return tracker

    def recv_json(self, flags: int = 0, **kwargs: Any) -> Any:
        """Receive one frame of JSON and return the object it holds.

        Keywords go to `json.loads`.

        :raises ValueError: if the frame is not valid JSON.
        """
        from zmqx.utils import jsonapi

        return self._deserialize(self.recv(flags), lambda data: jsonapi.loads(data, **kwargs))

    def send_serialized(
        self,
        msg: _T,
        serialize: Callable[[_T], Iterable[Buffer]],
        flags: int = 0,
        copy: bool = True,
        **kwargs: Any,
    ) -> MessageTracker | None:
        """Send ``serialize(msg)``, a list of bytes-like frames, as one message.

        :raises IndexError: (also a ValueError) if `serialize` returns no frames.
        """
        frames = serialize(msg)
        return self.send_multipart(frames, flags=flags, copy=copy, **kwargs)

    def recv_serialized(
        self, deserialize: Callable[[list[Any]], _T], flags: int = 0, copy: bool = True
    ) -> _T:
        """Receive a multipart message and return deserialize(frames): frames are
        bytes, or Frames if copy=False."""
        return self._deserialize(self.recv_multipart(flags, copy=copy), deserialize)

    def _deserialize(self, received: _R, load: Callable[[_R], _T]) -> _T:
        """load(received): the step after a receive that every recv_<kind> shares
        (zmqx.asyncio applies it to the future's result instead)."""
        return load(received)

    # ---- monitoring ----------------------------------------------------------

    def get_monitor_socket(self, events: int | None = None, addr: str | None = None) -> Socket:
        """A PAIR socket that receives this socket's connection events.

        Decode each event with `zmqx.utils.monitor.recv_monitor_message`.
        Calling again while monitoring returns the same socket.

        :param events: the events to report, e.g. ``EVENT_CONNECTED |
            EVENT_DISCONNECTED`` (default: all).
        :param addr: the inproc endpoint to publish them on (default: one
            named after this socket).
        """
        if self._monitor_socket is not None and not self._monitor_socket.closed:
            return self._monitor_socket
        if addr is None:
            addr = f"inproc://monitor.s-{self.underlying:x}"
        self.monitor(addr, EVENT_ALL if events is None else events)
        # of this socket's class: an asyncio socket's monitor is an asyncio socket
        monitor_socket = type(self)(self.context, PAIR)
        monitor_socket.connect(addr)
        self._monitor_socket = monitor_socket
        return monitor_socket

    def disable_monitor(self) -> None:
        """Stop the monitor started by get_monitor_socket()."""
        self._monitor_socket = None
        self.monitor(None, 0)

    # ---- lifecycle -----------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        cls = type(self)
        try:
            kind = SocketType(self._type).name
        except ValueError:
            kind = str(self._type)
        state = " closed" if self.closed else ""
        return f"<{cls.__module__}.{cls.__name__}(zmq.{kind}) at {id(self):#x}{state}>"


Socket.__module__ = "zmqx"
