"""ZAP authentication for tornado's IOLoop (deprecated, as in pyzmq).

Tornado runs on asyncio, so `IOLoopAuthenticator` is `AsyncioAuthenticator`
under its old name; use that one in new code.
"""

from __future__ import annotations

import warnings
from typing import Any

import zmqx
from zmqx.auth.asyncio import AsyncioAuthenticator

__all__ = ["IOLoopAuthenticator"]

warnings.warn(
    "zmqx.auth.ioloop.IOLoopAuthenticator is deprecated:"
    " use zmqx.auth.asyncio.AsyncioAuthenticator",
    DeprecationWarning,
    stacklevel=2,
)


class IOLoopAuthenticator(AsyncioAuthenticator):
    """An `AsyncioAuthenticator` accepting the old `io_loop` argument (ignored)."""

    def __init__(
        self,
        context: zmqx.Context | None = None,
        encoding: str = "utf-8",
        log: Any = None,
        io_loop: Any = None,
    ) -> None:
        if io_loop is not None:
            warnings.warn(
                f"{type(self).__name__}(io_loop=...) is deprecated and ignored",
                DeprecationWarning,
                stacklevel=2,
            )
        super().__init__(context=context, encoding=encoding, log=log)
