"""ZAP authentication served by a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import zmqx
from zmqx.auth.base import Authenticator

__all__ = ["ThreadAuthenticator"]

_TERMINATE = b"TERMINATE"


class AuthenticationThread(threading.Thread):
    """The thread that answers an `Authenticator`'s ZAP requests.

    It waits on the ZAP socket and on `pipe`, a PAIR socket on which the
    owner sends ``TERMINATE`` to stop it. `ThreadAuthenticator` starts it.
    """

    def __init__(self, authenticator: Authenticator, pipe: zmqx.Socket) -> None:
        super().__init__(daemon=True, name="zmqx-auth")
        self.authenticator = authenticator
        self.log = authenticator.log
        self.pipe = pipe
        self.started = threading.Event()

    def run(self) -> None:
        """Answer requests until ``TERMINATE`` arrives or the context is closed."""
        # handle_zap_message is a coroutine (a credentials provider may await):
        # each request runs to completion on this thread's own loop.
        loop = asyncio.new_event_loop()
        zap = self.authenticator.zap_socket
        poller = zmqx.Poller()
        poller.register(self.pipe, zmqx.POLLIN)
        poller.register(zap, zmqx.POLLIN)
        self.started.set()
        try:
            while True:
                ready = dict(poller.poll())
                if self.pipe in ready and self._handle_pipe_message(self.pipe.recv_multipart()):
                    return
                if zap in ready:
                    loop.run_until_complete(
                        self.authenticator.handle_zap_message(zap.recv_multipart())
                    )
        except zmqx.ZMQError as exc:
            # the context was terminated, or a socket closed, under the thread
            self.log.debug("Authentication thread stopped: %s", exc)
        finally:
            self.pipe.close()
            loop.close()

    def _handle_pipe_message(self, msg: list[bytes]) -> bool:
        """Act on a command from the owner; True means stop."""
        self.log.debug("Authentication thread received %r", msg[0])
        if msg[0] == _TERMINATE:
            return True
        self.log.error("Invalid command for the authentication thread: %r", msg[0])
        self.pipe.send(b"ERROR")
        return False


class ThreadAuthenticator(Authenticator):
    """An `Authenticator` that answers requests in a background thread."""

    pipe: Any = None
    pipe_endpoint: str = ""
    thread: Any = None

    def start(self) -> None:
        """Bind the ZAP socket and start the thread that serves it."""
        super().start()
        self.pipe_endpoint = f"inproc://zmqx-auth-{id(self)}"
        self.pipe = self.context.socket(zmqx.PAIR, socket_class=zmqx.Socket)
        self.pipe.linger = 1
        self.pipe.bind(self.pipe_endpoint)
        thread_pipe = self.context.socket(zmqx.PAIR, socket_class=zmqx.Socket)
        thread_pipe.linger = 1
        thread_pipe.connect(self.pipe_endpoint)
        self.thread = AuthenticationThread(self, thread_pipe)
        self.thread.start()
        if not self.thread.started.wait(timeout=10):
            raise RuntimeError("The authentication thread did not start")

    def stop(self) -> None:
        """Stop the thread and close the ZAP socket."""
        if self.pipe is not None:
            try:
                self.pipe.send(_TERMINATE)
            except zmqx.ZMQError:
                pass  # the context is gone, and the thread stopped with it
            if self.thread is not None and self.thread is not threading.current_thread():
                self.thread.join()
            self.thread = None
            self.pipe.close()
            self.pipe = None
        super().stop()

    def is_alive(self) -> bool:
        """Whether the authentication thread is running."""
        return bool(self.thread is not None and self.thread.is_alive())

    def __del__(self) -> None:
        # a finalizer cannot report anything: stop as far as the state allows
        with contextlib.suppress(Exception):
            self.stop()
