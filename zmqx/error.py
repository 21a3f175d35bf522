"""The exceptions zmqx raises; names and hierarchy are pyzmq's."""

from __future__ import annotations

import errno as _errno

__all__ = [
    "Again",
    "ContextTerminated",
    "DraftFDWarning",
    "InterruptedSystemCall",
    "NotDone",
    "ZMQBaseError",
    "ZMQBindError",
    "ZMQError",
    "ZMQVersionError",
]


class ZMQBaseError(Exception):
    """Base of every zmqx exception."""


class ZMQError(ZMQBaseError):
    """A libzmq call failed; `errno` says why.

    ZMQError(errno=None, msg=None): without errno, the calling thread's current
    libzmq errno is used; without msg, libzmq's description of the errno.
    """

    errno: int | None = None
    strerror: str

    def __init__(self, errno: int | None = None, msg: str | None = None) -> None:
        from zmqx._core._core import strerror, zmq_errno

        if errno is None:
            errno = zmq_errno()
        if isinstance(errno, int):
            self.errno = errno
            self.strerror = msg if msg is not None else strerror(errno)
        else:
            # ZMQError("some text"): a message without an errno
            self.errno = None
            self.strerror = str(errno) if msg is None else msg
        # args stay what the caller passed (BaseException records them)

    def __str__(self) -> str:
        return self.strerror

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.strerror!r})"


class ContextTerminated(ZMQError):
    """The socket's context was terminated (ETERM)."""

    def __init__(self, errno: int | str = "ignored", msg: str | None = None) -> None:
        from zmqx.constants import ETERM

        super().__init__(ETERM, msg)


class Again(ZMQError):
    """The operation would block (EAGAIN): nothing to receive, or no room to send."""

    def __init__(self, errno: int | str = "ignored", msg: str | None = None) -> None:
        from zmqx.constants import EAGAIN

        super().__init__(EAGAIN, msg)


# OSError declares strerror optional; a ZMQError always has one.
class InterruptedSystemCall(ZMQError, InterruptedError):  # type: ignore[misc]
    """A call was interrupted by a signal (EINTR).

    zmqx retries interrupted calls itself, so this is only raised where a caller
    asked to see interruptions.
    """

    def __init__(self, errno: int | str = "ignored", msg: str | None = None) -> None:
        super().__init__(_errno.EINTR, msg)

    def __str__(self) -> str:
        return self.strerror + ": retry the call"


class ZMQBindError(ZMQBaseError):
    """bind_to_random_port found no free port in its range."""


class NotDone(ZMQBaseError):
    """A MessageTracker's wait() timed out before libzmq released the message."""


class ZMQVersionError(NotImplementedError):
    """A feature needs a newer libzmq than the one zmqx runs on."""

    min_version: str | None = None

    def __init__(self, min_version: str, msg: str = "Feature") -> None:
        from zmqx._core._core import zmq_version

        self.min_version = min_version
        self.msg = msg
        self.version = zmq_version()
        super().__init__(msg, min_version)

    def __str__(self) -> str:
        return f"{self.msg} requires libzmq >= {self.min_version}, have {self.version}"

    def __repr__(self) -> str:
        return f"ZMQVersionError({str(self)!r})"


class DraftFDWarning(RuntimeWarning):
    """pyzmq's warning for its emulated FD of thread-safe (draft) sockets.

    zmqx does not emulate that FD, so it never issues this warning; the class
    exists so that warning filters that name it keep working.
    """

    def __init__(self, msg: str = "") -> None:
        super().__init__(msg or "socket.FD on thread-safe (draft) sockets is not supported")
