"""Stopwatch: pyzmq's deprecated microsecond timer."""

from __future__ import annotations

import time
import warnings

__all__ = ["Stopwatch"]


class Stopwatch:
    """Deprecated (as in pyzmq): time.monotonic() does the same.

    start(), then stop() returns the microseconds elapsed since.
    """

    def __init__(self) -> None:
        warnings.warn(
            "zmq.Stopwatch is deprecated: use time.monotonic() instead",
            DeprecationWarning,
            stacklevel=2,
        )
        self._start = 0.0

    def start(self) -> None:
        """Start (or restart) counting."""
        self._start = time.monotonic()

    def stop(self) -> int:
        """Microseconds since start()."""
        return int((time.monotonic() - self._start) * 1e6)
