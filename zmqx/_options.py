"""Options as attributes: `sock.linger = 0`, `ctx.linger = 0`, case-insensitive."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from zmqx.constants import EINVAL, ContextOption, SocketOption
from zmqx.error import ZMQError


def option_named(name: str, *enums: type[IntEnum]) -> tuple[str, int] | None:
    """The (NAME, value) of an option called name in one of enums, or None."""
    upper = name.upper()
    for enum in enums:
        member = enum.__members__.get(upper)
        if member is not None:
            return upper, member
    return None


class UnreadableOption(AttributeError, ZMQError):
    """An option read as an attribute that libzmq does not read here: a write-only
    option (SUBSCRIBE, ROUTER_MANDATORY, ...), one of another socket type, or one the
    linked libzmq does not know. Both the ZMQError(EINVAL) that get() raises, and an
    AttributeError, as pyzmq raises: every name in dir() is then safe for hasattr(),
    getattr(obj, name, default) and unittest.mock's spec=."""

    def __init__(self, name: str) -> None:
        ZMQError.__init__(self, EINVAL, f"libzmq does not read the option {name} here"
                          " (write-only, or not for this socket type or libzmq version)")
        AttributeError.__init__(self, self.strerror)


def read_option(get: Callable[[int], Any], name: str, option: int) -> Any:
    """get(option), for the attribute name: libzmq's EINVAL as UnreadableOption."""
    try:
        return get(option)
    except ZMQError as e:
        if e.errno != EINVAL:
            raise  # a closed socket, a terminated context: the error as it is
        raise UnreadableOption(name) from None


def is_plain_attribute(obj: object, name: str) -> bool:
    """True for attributes that live in the instance or are declared by a class
    (methods, properties, annotations): those are never options."""
    if name in obj.__dict__:
        return True
    for cls in type(obj).__mro__:
        if name in cls.__dict__ or name in getattr(cls, "__annotations__", {}):
            return True
    return False


__all__ = [
    "ContextOption",
    "SocketOption",
    "UnreadableOption",
    "is_plain_attribute",
    "option_named",
    "read_option",
]
