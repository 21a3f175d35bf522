"""Options as attributes: `sock.linger = 0`, `ctx.linger = 0`, case-insensitive."""

from __future__ import annotations

from enum import IntEnum

from zmqx.constants import ContextOption, SocketOption


def option_named(name: str, *enums: type[IntEnum]) -> tuple[str, int] | None:
    """The (NAME, value) of an option called name in one of enums, or None."""
    upper = name.upper()
    for enum in enums:
        member = enum.__members__.get(upper)
        if member is not None:
            return upper, member
    return None


def is_plain_attribute(obj: object, name: str) -> bool:
    """True for attributes that live in the instance or are declared by a class
    (methods, properties, annotations): those are never options."""
    if name in obj.__dict__:
        return True
    for cls in type(obj).__mro__:
        if name in cls.__dict__ or name in getattr(cls, "__annotations__", {}):
            return True
    return False


__all__ = ["ContextOption", "SocketOption", "is_plain_attribute", "option_named"]
