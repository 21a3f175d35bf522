"""Helpers for handing raw libzmq pointers between zmqx and other libraries."""

from __future__ import annotations

from typing import Any

__all__ = ["cast_int_addr"]


def cast_int_addr(n: Any) -> int:
    """Return an address as a Python int.

    ``n`` may already be an int, or a CFFI pointer (``cdata``) object.
    Anything else raises ValueError.
    """
    if isinstance(n, int):
        return n
    try:
        import cffi  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        pass
    else:
        ffi = cffi.FFI()
        if isinstance(n, ffi.CData):
            return int(ffi.cast("size_t", n))
    raise ValueError(f"Cannot cast {n!r} to int")
