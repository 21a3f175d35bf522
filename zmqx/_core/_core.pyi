"""Type stub of zmqx's compiled core (zmqx/_core/_core.pyx and its .pxi files).

Where a return type depends on the arguments, overloads say how: `recv()` is
bytes and `recv(copy=False)` a Frame; `getsockopt` of a text or binary option
named by its constant (`LAST_ENDPOINT`, `IDENTITY`...) is bytes, of any other
option constant an int, and of an arbitrary int `int | bytes`.
"""

import asyncio
import builtins
import threading
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, Final, Literal, TypeAlias, TypeVar, overload
from weakref import WeakSet

from _typeshed import HasFileno
from typing_extensions import Buffer

from zmqx.constants import SocketOption
from zmqx.error import Again as Again
from zmqx.error import ContextTerminated as ContextTerminated
from zmqx.error import InterruptedSystemCall as InterruptedSystemCall
from zmqx.error import NotDone as NotDone
from zmqx.error import ZMQError as ZMQError

COPY_THRESHOLD: int
EXIT_TIMEOUT: float
IPC_PATH_MAX_LEN: Final[int]

# Options whose value is bytes (binary blobs, text, CURVE keys); see options.pxi.
# Aliases are listed too (IDENTITY beside ROUTING_ID): mypy tells them apart.
_BytesOption: TypeAlias = Literal[
    SocketOption.ROUTING_ID,
    SocketOption.SUBSCRIBE,
    SocketOption.UNSUBSCRIBE,
    SocketOption.LAST_ENDPOINT,
    SocketOption.PLAIN_USERNAME,
    SocketOption.PLAIN_PASSWORD,
    SocketOption.CURVE_PUBLICKEY,
    SocketOption.CURVE_SECRETKEY,
    SocketOption.CURVE_SERVERKEY,
    SocketOption.ZAP_DOMAIN,
    SocketOption.CONNECT_ROUTING_ID,
    SocketOption.GSSAPI_PRINCIPAL,
    SocketOption.GSSAPI_SERVICE_PRINCIPAL,
    SocketOption.SOCKS_PROXY,
    SocketOption.XPUB_WELCOME_MSG,
    SocketOption.BINDTODEVICE,
    SocketOption.IDENTITY,
    SocketOption.CONNECT_RID,
    SocketOption.TCP_ACCEPT_FILTER,
    SocketOption.METADATA,
    SocketOption.SOCKS_USERNAME,
    SocketOption.SOCKS_PASSWORD,
    SocketOption.WSS_KEY_PEM,
    SocketOption.WSS_CERT_PEM,
    SocketOption.WSS_TRUST_PEM,
    SocketOption.WSS_HOSTNAME,
]

# Every other socket option: an int (C int or int64).
_IntOption: TypeAlias = Literal[
    SocketOption.AFFINITY,
    SocketOption.RATE,
    SocketOption.RECOVERY_IVL,
    SocketOption.SNDBUF,
    SocketOption.RCVBUF,
    SocketOption.RCVMORE,
    SocketOption.FD,
    SocketOption.EVENTS,
    SocketOption.TYPE,
    SocketOption.LINGER,
    SocketOption.RECONNECT_IVL,
    SocketOption.BACKLOG,
    SocketOption.RECONNECT_IVL_MAX,
    SocketOption.MAXMSGSIZE,
    SocketOption.SNDHWM,
    SocketOption.RCVHWM,
    SocketOption.MULTICAST_HOPS,
    SocketOption.RCVTIMEO,
    SocketOption.SNDTIMEO,
    SocketOption.ROUTER_MANDATORY,
    SocketOption.TCP_KEEPALIVE,
    SocketOption.TCP_KEEPALIVE_CNT,
    SocketOption.TCP_KEEPALIVE_IDLE,
    SocketOption.TCP_KEEPALIVE_INTVL,
    SocketOption.IMMEDIATE,
    SocketOption.XPUB_VERBOSE,
    SocketOption.ROUTER_RAW,
    SocketOption.IPV6,
    SocketOption.MECHANISM,
    SocketOption.PLAIN_SERVER,
    SocketOption.CURVE_SERVER,
    SocketOption.PROBE_ROUTER,
    SocketOption.REQ_CORRELATE,
    SocketOption.REQ_RELAXED,
    SocketOption.CONFLATE,
    SocketOption.ROUTER_HANDOVER,
    SocketOption.TOS,
    SocketOption.GSSAPI_SERVER,
    SocketOption.GSSAPI_PLAINTEXT,
    SocketOption.HANDSHAKE_IVL,
    SocketOption.XPUB_NODROP,
    SocketOption.BLOCKY,
    SocketOption.XPUB_MANUAL,
    SocketOption.STREAM_NOTIFY,
    SocketOption.INVERT_MATCHING,
    SocketOption.HEARTBEAT_IVL,
    SocketOption.HEARTBEAT_TTL,
    SocketOption.HEARTBEAT_TIMEOUT,
    SocketOption.XPUB_VERBOSER,
    SocketOption.CONNECT_TIMEOUT,
    SocketOption.TCP_MAXRT,
    SocketOption.THREAD_SAFE,
    SocketOption.MULTICAST_MAXTPDU,
    SocketOption.VMCI_BUFFER_SIZE,
    SocketOption.VMCI_BUFFER_MIN_SIZE,
    SocketOption.VMCI_BUFFER_MAX_SIZE,
    SocketOption.VMCI_CONNECT_TIMEOUT,
    SocketOption.USE_FD,
    SocketOption.GSSAPI_PRINCIPAL_NAMETYPE,
    SocketOption.GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
    SocketOption.IPC_FILTER_PID,
    SocketOption.IPC_FILTER_UID,
    SocketOption.IPC_FILTER_GID,
    SocketOption.IPV4ONLY,
    SocketOption.DELAY_ATTACH_ON_CONNECT,
    SocketOption.FAIL_UNROUTABLE,
    SocketOption.ROUTER_BEHAVIOR,
    SocketOption.ZAP_ENFORCE_DOMAIN,
    SocketOption.LOOPBACK_FASTPATH,
    SocketOption.MULTICAST_LOOP,
    SocketOption.ROUTER_NOTIFY,
    SocketOption.XPUB_MANUAL_LAST_VALUE,
    SocketOption.IN_BATCH_SIZE,
    SocketOption.OUT_BATCH_SIZE,
    SocketOption.WSS_TRUST_SYSTEM,
    SocketOption.ONLY_FIRST_SUBSCRIBE,
    SocketOption.RECONNECT_STOP,
    SocketOption.HELLO_MSG,
    SocketOption.DISCONNECT_MSG,
    SocketOption.PRIORITY,
    SocketOption.HWM,
    SocketOption.BUSY_POLL,
    SocketOption.HICCUP_MSG,
    SocketOption.XSUB_VERBOSE_UNSUBSCRIBE,
    SocketOption.TOPICS_COUNT,
    SocketOption.NORM_MODE,
    SocketOption.NORM_UNICAST_NACK,
    SocketOption.NORM_BUFFER_SIZE,
    SocketOption.NORM_SEGMENT_SIZE,
    SocketOption.NORM_BLOCK_SIZE,
    SocketOption.NORM_NUM_PARITY,
    SocketOption.NORM_NUM_AUTOPARITY,
    SocketOption.NORM_PUSH,
]

# What Poller and select take: sockets, file descriptors, objects with fileno().
_Pollable: TypeAlias = Socket | int | HasFileno
_R = TypeVar("_R", bound=_Pollable)
_W = TypeVar("_W", bound=_Pollable)
_X = TypeVar("_X", bound=_Pollable)

class MessageTracker:
    events: set[threading.Event]
    peers: set[MessageTracker]
    def __init__(self, *towatch: Frame | MessageTracker | threading.Event) -> None: ...
    @property
    def done(self) -> bool: ...
    def wait(self, timeout: float | None = -1) -> None: ...

_FINISHED_TRACKER: MessageTracker

class Frame:
    more: bool
    def __init__(
        self,
        data: Buffer | None = None,
        track: bool = False,
        copy: bool | None = None,
        copy_threshold: int | None = None,
    ) -> None: ...
    @property
    def tracker(self) -> MessageTracker | None: ...
    def __buffer__(self, flags: int, /) -> memoryview: ...  # the C-level buffer protocol
    def __len__(self) -> int: ...
    def __copy__(self) -> Frame: ...
    def fast_copy(self) -> Frame: ...
    @property
    def tracker_event(self) -> threading.Event | None: ...
    @property
    def buffer(self) -> memoryview: ...
    def __bytes__(self) -> builtins.bytes: ...
    @overload
    def get(self, option: str | builtins.bytes) -> str: ...
    @overload
    def get(self, option: int) -> int: ...
    def set(self, option: int, value: int) -> None: ...
    @property
    def routing_id(self) -> int | None: ...
    @routing_id.setter
    def routing_id(self, value: int | None) -> None: ...
    @property
    def group(self) -> str | None: ...
    @group.setter
    def group(self, value: str | builtins.bytes) -> None: ...
    # last: in this class body the name `bytes` is this property from here on
    @property
    def bytes(self) -> builtins.bytes: ...

Message = Frame

class Context:
    _sockets: WeakSet[Socket]
    def __init__(self, io_threads: int | Context = 1, shadow: Context | int = 0) -> None: ...
    @property
    def _shadow(self) -> bool: ...
    @property
    def underlying(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def term(self) -> None: ...
    def destroy(self, linger: int | None = None) -> None: ...
    def set(self, option: int, optval: int) -> None: ...
    def get(self, option: int) -> int: ...

class Socket:
    copy_threshold: int
    def __init__(
        self,
        ctx_or_socket: Context | Socket | None = None,
        socket_type: int = 0,
        *,
        shadow: Socket | int = 0,
        copy_threshold: int | None = None,
    ) -> None: ...
    @property
    def context(self) -> Context: ...
    @property
    def _type(self) -> int: ...
    @property
    def _shadow(self) -> bool: ...
    @property
    def closed(self) -> bool: ...
    @property
    def underlying(self) -> int: ...
    def close(self, linger: int | None = None) -> None: ...
    def bind(self, addr: str | bytes) -> None: ...
    def connect(self, addr: str | bytes) -> None: ...
    def unbind(self, addr: str | bytes) -> None: ...
    def disconnect(self, addr: str | bytes) -> None: ...
    @overload
    def setsockopt(self, option: _BytesOption, optval: Buffer) -> None: ...
    @overload
    def setsockopt(self, option: _IntOption, optval: int) -> None: ...
    @overload
    def setsockopt(self, option: int, optval: int | Buffer) -> None: ...
    @overload
    def getsockopt(self, option: _BytesOption) -> bytes: ...
    @overload
    def getsockopt(self, option: _IntOption) -> int: ...
    @overload
    def getsockopt(self, option: int) -> int | bytes: ...
    set = setsockopt
    get = getsockopt
    def fileno(self) -> int: ...
    # send: None for a copied send (the default), a MessageTracker for
    # copy=False with track=True, and maybe one otherwise (a Frame's own tracker,
    # or one that is already done for a small buffer sent with copy=False).
    @overload
    def send(  # type: ignore[overload-overlap]  # a Frame is also a Buffer
        self,
        data: Frame,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        routing_id: int | None = None,
        group: str | bytes | None = None,
    ) -> MessageTracker | None: ...
    @overload
    def send(
        self,
        data: Buffer,
        flags: int = 0,
        copy: Literal[True] = True,
        track: bool = False,
        routing_id: None = None,
        group: None = None,
    ) -> None: ...
    @overload
    def send(
        self,
        data: Buffer,
        flags: int = 0,
        *,
        copy: Literal[False],
        track: Literal[True],
        routing_id: int | None = None,
        group: str | bytes | None = None,
    ) -> MessageTracker: ...
    @overload
    def send(
        self,
        data: Buffer,
        flags: int,
        copy: Literal[False],
        track: Literal[True],
        routing_id: int | None = None,
        group: str | bytes | None = None,
    ) -> MessageTracker: ...
    @overload
    def send(
        self,
        data: Buffer,
        flags: int = 0,
        copy: bool = True,
        track: bool = False,
        routing_id: int | None = None,
        group: str | bytes | None = None,
    ) -> MessageTracker | None: ...
    @overload
    def recv(self, flags: int = 0, copy: Literal[True] = True, track: bool = False) -> bytes: ...
    @overload
    def recv(self, flags: int = 0, *, copy: Literal[False], track: bool = False) -> Frame: ...
    @overload
    def recv(self, flags: int, copy: Literal[False], track: bool = False) -> Frame: ...
    @overload
    def recv(self, flags: int = 0, copy: bool = True, track: bool = False) -> bytes | Frame: ...
    @overload
    def send_multipart(
        self,
        msg_parts: Iterable[Buffer],
        flags: int = 0,
        *,
        copy: Literal[False],
        track: Literal[True],
    ) -> MessageTracker: ...
    @overload
    def send_multipart(
        self,
        msg_parts: Iterable[Buffer],
        flags: int,
        copy: Literal[False],
        track: Literal[True],
    ) -> MessageTracker: ...
    @overload
    def send_multipart(
        self, msg_parts: Iterable[Buffer], flags: int = 0, copy: bool = True, track: bool = False
    ) -> MessageTracker | None: ...
    @overload
    def recv_multipart(
        self, flags: int = 0, copy: Literal[True] = True, track: bool = False
    ) -> list[bytes]: ...
    @overload
    def recv_multipart(
        self, flags: int = 0, *, copy: Literal[False], track: bool = False
    ) -> list[Frame]: ...
    @overload
    def recv_multipart(
        self, flags: int, copy: Literal[False], track: bool = False
    ) -> list[Frame]: ...
    @overload
    def recv_multipart(
        self, flags: int = 0, copy: bool = True, track: bool = False
    ) -> list[bytes] | list[Frame]: ...
    def recv_into(self, buffer: Buffer, /, *, nbytes: int = 0, flags: int = 0) -> int: ...
    def poll(self, timeout: float | None = None, flags: int = ...) -> int: ...
    def monitor(self, addr: str | bytes | None, events: int = ...) -> None: ...
    def join(self, group: str | bytes) -> None: ...
    def leave(self, group: str | bytes) -> None: ...

# ---- the readiness machine of event loops (watcher.pxi) ----------------------

SEND: Final[int]
SEND_MULTIPART: Final[int]
RECV: Final[int]
RECV_MULTIPART: Final[int]
RECV_INTO: Final[int]
POLL: Final[int]

class _NotReady:
    def __bool__(self) -> Literal[False]: ...

NOT_READY: Final[_NotReady]

class Done:
    """A finished operation's future (for trio): awaiting it returns at once."""
    def __init__(self, result: object = None, error: BaseException | None = None) -> None: ...
    @staticmethod
    def failed(error: BaseException) -> Done: ...
    def done(self) -> bool: ...
    def cancelled(self) -> bool: ...
    def cancel(self) -> bool: ...
    def result(self) -> Any: ...
    def exception(self) -> BaseException | None: ...
    def __await__(self) -> Generator[Any, None, Any]: ...

class Waiter:
    @property
    def op(self) -> int: ...
    @property
    def future(self) -> Any: ...
    def dropped(self) -> None: ...
    def give_back(self, result: object) -> None: ...

class Wrappers:
    """The Python objects on each libzmq object, by address (core-internal)."""

class HandOver:
    def __init__(self, action: Callable[[], object]) -> None: ...
    def run(self) -> None: ...

class Watcher:
    def __init__(self, socket: Socket, driver: Any) -> None: ...
    @property
    def driver(self) -> Any: ...
    @property
    def loop(self) -> Any: ...
    def submit(
        self,
        op: int,
        payload: object = None,
        flags: int = 0,
        copy: builtins.bool = True,
        track: builtins.bool = False,
        nbytes: int = 0,
        timeout_ms: int = -2,
    ) -> Any: ...
    def attempt(
        self,
        op: int,
        payload: object = None,
        flags: int = 0,
        copy: builtins.bool = True,
        track: builtins.bool = False,
        nbytes: int = 0,
    ) -> Any: ...
    def enqueue(
        self,
        op: int,
        payload: object = None,
        flags: int = 0,
        copy: builtins.bool = True,
        track: builtins.bool = False,
        nbytes: int = 0,
        timeout_ms: int = -2,
    ) -> Any: ...
    def relay(
        self,
        op: int,
        payload: object = None,
        flags: int = 0,
        copy: builtins.bool = True,
        track: builtins.bool = False,
        nbytes: int = 0,
        timeout_ms: int = -2,
    ) -> Any: ...
    def serve(self) -> None: ...
    def detach(self) -> None: ...
    def give_back(self, waiter: Waiter, result: object) -> None: ...

def finish_handed_over_close(holder: Socket) -> None: ...
def close_and_tell(holder: Socket, done: threading.Event) -> None: ...
def given_back_events(socket: Socket) -> int: ...
def watcher_of(socket: Socket) -> Watcher | None: ...
def running_loop() -> asyncio.AbstractEventLoop | None: ...
class EmptyMessageError(IndexError, ValueError): ...

def checked_message(msg_parts: Iterable[Buffer]) -> list[Buffer]: ...

class LoopSocket(Socket):
    """The message methods of a Socket in an event loop (see its subclasses)."""

class WaitingSocket(LoopSocket):
    """Blocking methods block only the calling green thread."""

    def _current_loop(self) -> Any: ...
    def _serving(self) -> Watcher: ...

class FutureSocket(LoopSocket):
    """Blocking methods return futures of the running asyncio loop."""

    def _serving(self) -> Watcher: ...
    def _start_poll(self, flags: int, timeout_ms: int) -> Any: ...
    def send(  # type: ignore[override]
        self,
        data: Any,
        flags: int = 0,
        copy: builtins.bool = True,
        track: builtins.bool = False,
        routing_id: int | None = None,
        group: str | None = None,
    ) -> asyncio.Future[MessageTracker | None]: ...
    @overload  # type: ignore[override]
    def recv(
        self, flags: int = 0, copy: Literal[True] = True, track: builtins.bool = False
    ) -> asyncio.Future[builtins.bytes]: ...
    @overload
    def recv(
        self, flags: int = 0, *, copy: Literal[False], track: builtins.bool = False
    ) -> asyncio.Future[Frame]: ...
    @overload
    def recv(
        self, flags: int, copy: Literal[False], track: builtins.bool = False
    ) -> asyncio.Future[Frame]: ...
    @overload
    def recv(
        self, flags: int = 0, copy: builtins.bool = True, track: builtins.bool = False
    ) -> asyncio.Future[builtins.bytes | Frame]: ...
    def send_multipart(  # type: ignore[override]
        self,
        msg_parts: Iterable[Buffer],
        flags: int = 0,
        copy: builtins.bool = True,
        track: builtins.bool = False,
        **kwargs: Any,
    ) -> asyncio.Future[MessageTracker | None]: ...
    @overload  # type: ignore[override]
    def recv_multipart(
        self, flags: int = 0, copy: Literal[True] = True, track: builtins.bool = False
    ) -> asyncio.Future[list[builtins.bytes]]: ...
    @overload
    def recv_multipart(
        self, flags: int = 0, *, copy: Literal[False], track: builtins.bool = False
    ) -> asyncio.Future[list[Frame]]: ...
    @overload
    def recv_multipart(
        self, flags: int, copy: Literal[False], track: builtins.bool = False
    ) -> asyncio.Future[list[Frame]]: ...
    @overload
    def recv_multipart(
        self, flags: int = 0, copy: builtins.bool = True, track: builtins.bool = False
    ) -> asyncio.Future[list[builtins.bytes] | list[Frame]]: ...
    def recv_into(  # type: ignore[override]
        self, buffer: Buffer, /, *, nbytes: int = 0, flags: int = 0
    ) -> asyncio.Future[int]: ...

class Poller:
    sockets: list[tuple[Any, int]]
    _map: dict[Any, int]
    def __contains__(self, obj: object, /) -> bool: ...
    def register(self, socket: _Pollable, flags: int = ...) -> None: ...
    modify = register
    def unregister(self, socket: _Pollable) -> None: ...
    def poll(self, timeout: float | None = None) -> list[tuple[Any, int]]: ...

def select(
    rlist: Sequence[_R], wlist: Sequence[_W], xlist: Sequence[_X], timeout: float | None = None
) -> tuple[list[_R], list[_W], list[_X]]: ...
def select_with(
    poller: Poller,
    rlist: Sequence[_R],
    wlist: Sequence[_W],
    xlist: Sequence[_X],
    timeout: float | None = None,
) -> tuple[list[_R], list[_W], list[_X]]: ...
def proxy(frontend: Socket, backend: Socket, capture: Socket | None = None) -> int: ...
def proxy_steerable(
    frontend: Socket,
    backend: Socket,
    capture: Socket | None = None,
    control: Socket | None = None,
) -> int: ...
def device(device_type: int, frontend: Socket, backend: Socket) -> int: ...
def monitored_queue(
    in_socket: Socket,
    out_socket: Socket,
    mon_socket: Socket,
    in_prefix: str | bytes = b"in",
    out_prefix: str | bytes = b"out",
) -> int: ...
def strerror(errno: int) -> str: ...
def zmq_errno() -> int: ...
def zmq_version_info() -> tuple[int, int, int]: ...
def zmq_version() -> str: ...
def libzmq_path() -> str | None: ...
def has(capability: str | bytes) -> bool: ...
def curve_keypair() -> tuple[bytes, bytes]: ...
def curve_public(secret_key: str | bytes) -> bytes: ...
def user_setting(name: str, default: Any) -> Any: ...

