"""ZAP authentication served by a task on the running asyncio loop."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import zmqx
from zmqx.auth.base import Authenticator

__all__ = ["AsyncioAuthenticator"]


class AsyncioAuthenticator(Authenticator):
    """An `Authenticator` that answers requests in a task of the running asyncio loop.

    Call `start()` from inside the loop (a coroutine or a callback).
    """

    def __init__(
        self,
        context: zmqx.Context | None = None,
        loop: Any = None,
        encoding: str = "utf-8",
        log: Any = None,
    ) -> None:
        super().__init__(context, encoding, log)
        if loop is not None:
            warnings.warn(
                f"{type(self).__name__}(loop=...) is deprecated and ignored:"
                " the running loop is used",
                DeprecationWarning,
                stacklevel=2,
            )
        self._task: asyncio.Task[None] | None = None

    def _open_zap_socket(self) -> Any:
        import zmqx.asyncio  # lazily: only this variant needs it

        return zmqx.asyncio.Socket(self.context, zmqx.REP)

    async def _serve(self) -> None:
        sock = self.zap_socket
        try:
            while True:
                # _zap_reply answers every request, even a malformed one, and raises nothing
                reply = await self._zap_reply(await sock.recv_multipart())
                await sock.send_multipart(reply)
        except zmqx.ZMQError as exc:
            # the socket was closed or the context terminated under the task
            self.log.debug("Asyncio authenticator stopped: %s", exc)
        except Exception:
            # a failure of the machinery itself: say so; stop() still works
            self.log.exception("The asyncio authenticator failed")

    def start(self) -> None:
        """Bind the ZAP socket and start serving it in a task of the running loop."""
        super().start()
        self._task = asyncio.ensure_future(self._serve())

    def stop(self) -> None:
        """Cancel the serving task and close the ZAP socket."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        super().stop()
