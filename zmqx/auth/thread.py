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
                    self._answer(loop, zap.recv_multipart())
        except zmqx.ZMQError as exc:
            # the context was terminated, or a socket closed, under the thread
            self.log.debug("Authentication thread stopped: %s", exc)
        except Exception:
            # a failure of the machinery itself: say so; stop() still returns at once
            self.log.exception("The authentication thread failed")
        finally:
            self.pipe.close()
            loop.close()

    def _answer(self, loop: asyncio.AbstractEventLoop, msg: list[bytes]) -> None:
        """Answer one request; an override of `handle_zap_message` that fails
        gets its request answered with 500, or the REP socket would be stuck."""
        try:
            loop.run_until_complete(self.authenticator.handle_zap_message(msg))
        except zmqx.ZMQError:
            raise
        except Exception:
            self.log.exception("Handling a ZAP request failed")
            failed = self.authenticator._internal_error(msg)
            with contextlib.suppress(zmqx.ZMQError):  # EFSM: it was answered after all
                self.authenticator.zap_socket.send_multipart(failed, zmqx.DONTWAIT)

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
    #: Seconds `stop()` waits for the thread to finish the request it is on.
    STOP_WAIT = 1.0

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
        """Stop the thread and close the ZAP socket; returns within `STOP_WAIT` seconds.

        A thread still busy after that (in a credentials provider that does not
        return, say) is left to end by itself: its ZAP socket is closed under
        it, so its next call on it fails and it stops.
        """
        if self.pipe is not None:
            # never blocks: a thread that has ended no longer reads its pipe
            with contextlib.suppress(zmqx.ZMQError):
                self.pipe.send(_TERMINATE, zmqx.DONTWAIT)
            thread = self.thread
            if thread is not None and thread is not threading.current_thread():
                thread.join(self.STOP_WAIT)
                if thread.is_alive():
                    self.log.warning(
                        "The authentication thread did not stop within %s s; "
                        "closing its ZAP socket under it", self.STOP_WAIT,
                    )
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
