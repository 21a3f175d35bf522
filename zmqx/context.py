"""Context: the compiled context plus default socket options, the process-wide
instance, and pyzmq's conveniences."""

from __future__ import annotations

import errno
import os
import threading

from zmqx._core import _core
from zmqx._options import is_plain_attribute, option_named, read_option
from zmqx.constants import ContextOption, SocketOption
from zmqx.error import ZMQError
from zmqx.socket import Socket

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Generic, overload

    from typing_extensions import Self, TypeVar

    # The class of the sockets a context makes (Context._socket_class).
    _SocketT_co = TypeVar("_SocketT_co", bound=Socket, covariant=True, default=Socket)
    _S = TypeVar("_S", bound=Socket)
else:
    from zmqx._typing import TYPE_PARAMETER as _SocketT_co
    from zmqx._typing import Generic

__all__ = ["Context"]

# Socket() keyword arguments; any other keyword given to Context.socket is an option.
_SOCKET_INIT_KEYWORDS = frozenset({"shadow", "copy_threshold"})


def _takes_keyword(cls: type, name: str) -> bool:
    init = cls.__init__  # type: ignore[misc]  # the class's own, not an instance's
    code = getattr(init, "__code__", None)
    if code is None:  # the compiled Socket.__init__: no keywords beyond the known ones
        return False
    names = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
    return name in names


class Context(_core.Context, Generic[_SocketT_co]):
    """A ZeroMQ context: makes sockets and runs their I/O threads. Thread-safe.

    Socket options set on a context (`ctx.linger = 0`, `ctx.setsockopt(...)`)
    become defaults for the sockets it makes afterwards; options that do not
    apply to a socket's type are skipped for it.

    For type checkers, Context is generic in the class of the sockets it makes:
    a subclass with `_socket_class = MySocket` declares itself as
    `class MyContext(zmqx.Context[MySocket])`; a bare `Context` is
    `Context[Socket]`.
    """

    sockopts: dict[int, Any]
    _socket_class: type[_SocketT_co] = Socket  # type: ignore[assignment]
    _instance: Context | None = None
    _instance_lock = threading.Lock()
    _instance_pid: int | None = None
    # What this context shadows (a Context or an address), as pyzmq keeps it.
    _shadow_obj: _core.Context | int | None = None

    def __init__(
        self, io_threads: int | _core.Context = 1, shadow: _core.Context | int = 0
    ) -> None:
        super().__init__(io_threads, shadow)
        self.sockopts = {}
        if isinstance(io_threads, _core.Context):
            shadow = io_threads
        if shadow:
            self._shadow_obj = shadow

    def __copy__(self, memo: object = None) -> Context:
        """A shadow: another Context object on the same libzmq context."""
        return type(self).shadow(self)

    __deepcopy__ = __copy__

    def __dir__(self) -> list[str]:
        """Attributes, plus the context option names that work as attributes."""
        return sorted({*super().__dir__(), *ContextOption.__members__})

    @classmethod
    def instance(cls, io_threads: int = 1) -> Self:
        """The process-wide context, made on first use (and again after a fork,
        or once it was terminated).

        A subclass shares its base class's instance, unless it declares its own
        `_instance = None`; if it makes the instance first, it keeps it for itself.
        """
        if not cls._instance_usable():
            with cls._instance_lock:
                if not cls._instance_usable():
                    cls._instance = cls(io_threads)
                    cls._instance_pid = os.getpid()
        return cls._instance  # type: ignore[return-value]

    @classmethod
    def _instance_usable(cls) -> bool:
        instance = cls._instance
        return (instance is not None and not instance.closed
                and cls._instance_pid == os.getpid())

    @classmethod
    def shadow(cls, address: int | _core.Context) -> Self:
        """Wrap the libzmq context at address (e.g. another library's `underlying`,
        or a Context object, which the shadow keeps alive)."""
        return cls(shadow=address)

    @classmethod
    def shadow_pyczmq(cls, ctx: Any) -> Self:
        """Wrap the libzmq context of a pyczmq `zctx_t *` (needs pyczmq installed;
        without it, ModuleNotFoundError as in pyzmq)."""
        from pyczmq import zctx  # type: ignore[import-not-found, unused-ignore]

        from zmqx.utils.interop import cast_int_addr

        return cls.shadow(cast_int_addr(zctx.underlying(ctx)))

    if TYPE_CHECKING:

        @overload
        def socket(
            self, socket_type: int, socket_class: None = None, **kwargs: Any
        ) -> _SocketT_co: ...
        @overload
        def socket(self, socket_type: int, socket_class: type[_S], **kwargs: Any) -> _S: ...

    def socket(self, socket_type: int, socket_class: type[Socket] | None = None,
               **kwargs: Any) -> Socket:
        """Make a socket of socket_type; keywords are Socket() arguments
        (copy_threshold) or socket options (e.g. linger=0, subscribe=b"")."""
        socket_class = socket_class or self._socket_class
        # Keywords the class's constructor takes go to it; socket option names
        # (any case) are set on the new socket.
        options = []
        for name in list(kwargs):
            if name in _SOCKET_INIT_KEYWORDS or _takes_keyword(socket_class, name):
                continue
            found = option_named(name, SocketOption)
            if found is not None:
                options.append((found[1], kwargs.pop(name)))
        sock = socket_class(self, socket_type, **kwargs)
        try:
            for option, value in self.sockopts.items():
                try:
                    sock.setsockopt(option, value)
                except ZMQError as e:
                    if e.errno != errno.EINVAL:
                        raise  # EINVAL: the default does not apply to this type
            for option, value in options:
                sock.setsockopt(option, value)
        except BaseException:
            sock.close(linger=0)
            raise
        return sock

    def setsockopt(self, opt: int, value: Any) -> None:
        """Set a default option for sockets made from now on."""
        self.sockopts[opt] = value

    def getsockopt(self, opt: int) -> Any:
        """A default socket option set with setsockopt (KeyError if unset)."""
        return self.sockopts[opt]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        found = option_named(name, ContextOption, SocketOption)
        if found is None:
            raise AttributeError(f"{type(self).__name__} has no such option: {name.upper()}")
        upper, option = found
        if upper in ContextOption.__members__:
            return read_option(self.get, upper, option)
        try:
            return self.sockopts[option]
        except KeyError:
            raise AttributeError(upper) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if is_plain_attribute(self, name):
            object.__setattr__(self, name, value)
            return
        found = option_named(name, ContextOption, SocketOption)
        if found is None:
            raise AttributeError(f"{type(self).__name__} has no such option: {name.upper()}")
        upper, option = found
        if upper in ContextOption.__members__:
            self.set(option, value)
        else:
            self.sockopts[option] = value

    def __delattr__(self, name: str) -> None:
        found = option_named(name, SocketOption)
        if found is not None and not is_plain_attribute(self, name):
            self.sockopts.pop(found[1], None)
        else:
            object.__delattr__(self, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()

    def __repr__(self) -> str:
        cls = type(self)
        if self.closed:
            return f"<{cls.__module__}.{cls.__name__}() at {id(self):#x} closed>"
        n = sum(1 for s in self._sockets if not s.closed)
        state = f"{n} socket{'' if n == 1 else 's'}" if n else ""
        return f"<{cls.__module__}.{cls.__name__}({state}) at {id(self):#x}>"


Context.__module__ = "zmqx"
