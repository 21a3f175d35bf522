"""allow_interrupt: pyzmq's Ctrl-C helper for Windows consoles.

On Windows, pyzmq needs it to wake a blocking poll when Ctrl-C is pressed. zmqx
runs on POSIX, where a blocking call already wakes for Ctrl-C and raises
KeyboardInterrupt, so the context manager has nothing to install: code written
for both systems can keep using it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["allow_interrupt"]


class allow_interrupt:
    """Context manager around a blocking loop: on Windows, action (a callable
    without arguments) would run on Ctrl-C to unblock the loop. On POSIX Ctrl-C
    already interrupts zmqx's blocking calls, so action is never called."""

    def __init__(self, action: Callable[[], Any] | None = None) -> None:
        if action is not None and not callable(action):
            raise TypeError(f"action must be callable, not {type(action).__name__}")
        self.action = action

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        return None
