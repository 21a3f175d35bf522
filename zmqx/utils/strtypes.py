"""Deprecated str/bytes helpers, kept so old pyzmq-era code keeps importing.

Every function call emits a DeprecationWarning; new code should use ``str``
and ``bytes`` (and ``str.encode`` / ``bytes.decode``) directly.
"""

from __future__ import annotations

import builtins
import warnings

__all__ = [
    "asbytes",
    "b",
    "basestring",
    "bytes",
    "cast_bytes",
    "cast_unicode",
    "u",
    "unicode",
]

bytes = builtins.bytes
unicode = str
basestring = (str,)


def _deprecated() -> None:
    warnings.warn(
        "zmqx.utils.strtypes is deprecated; use str and bytes directly",
        DeprecationWarning,
        stacklevel=3,
    )


def cast_bytes(s: str | bytes, encoding: str = "utf8", errors: str = "strict") -> bytes:
    """Return ``s`` as bytes, encoding it first if it is a str."""
    _deprecated()
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode(encoding, errors)
    raise TypeError(f"Expected unicode or bytes, got {s!r}")


def cast_unicode(s: str | bytes, encoding: str = "utf8", errors: str = "strict") -> str:
    """Return ``s`` as str, decoding it first if it is bytes."""
    _deprecated()
    if isinstance(s, bytes):
        return s.decode(encoding, errors)
    if isinstance(s, str):
        return s
    raise TypeError(f"Expected unicode or bytes, got {s!r}")


b = asbytes = cast_bytes
u = cast_unicode
