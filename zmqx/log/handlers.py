"""A `logging.Handler` that publishes records on a PUB socket.

Each record becomes a two-frame message ``[topic, text]``. The topic is the
handler's root topic (when set), the level name, and the record's subtopic
(when its message starts with ``"subtopic::"``), joined by dots::

    handler = PUBHandler("tcp://127.0.0.1:5555", root_topic="app")
    logging.getLogger().addHandler(handler)
    logging.warning("db.pool::too many connections")
    # published as [b"app.WARNING.db.pool", b"WARNING script.py:3 - too many connections\\n"]

Subscribers filter by topic prefix, e.g. ``b"app.ERROR"``; ``python -m zmqx.log``
prints what a handler publishes.
"""

from __future__ import annotations

import copy
import logging
import sys
from typing import Any, Final

import zmqx

__all__ = ["TOPIC_DELIM", "PUBHandler", "TopicLogger"]

#: Separates a subtopic from the message text: ``log.info("sub.topic::text")``.
TOPIC_DELIM: Final = "::"

_WHERE = "%(levelname)s %(filename)s:%(lineno)d - %(message)s\n"
_DEFAULT_FORMATS: Final[dict[int, str]] = {
    logging.DEBUG: _WHERE,
    logging.INFO: "%(message)s\n",
    logging.WARNING: _WHERE,
    logging.ERROR: "%(levelname)s %(filename)s:%(lineno)d - %(message)s - %(exc_info)s\n",
    logging.CRITICAL: _WHERE,
}


class PUBHandler(logging.Handler):
    """Publishes log records on a PUB socket, one ``[topic, text]`` message per record.

    `interface_or_socket` is either a PUB socket (already bound or connected)
    or an address for the handler to bind a PUB socket of its own to, made in
    `context` (a new Context when None). Each level has its own formatter (see
    `setFormatter`); levels without one use the handler's formatter.
    """

    formatters: dict[int, logging.Formatter | None]
    ctx: Any
    socket: Any

    def __init__(
        self,
        interface_or_socket: str | zmqx.Socket,
        context: zmqx.Context | None = None,
        root_topic: str = "",
    ) -> None:
        super().__init__()
        self.root_topic = root_topic
        self.formatters = {
            level: logging.Formatter(fmt) for level, fmt in _DEFAULT_FORMATS.items()
        }
        self._owns_socket = isinstance(interface_or_socket, str)
        if self._owns_socket:
            self.ctx = context or zmqx.Context()
            self.socket = self.ctx.socket(zmqx.PUB)
            try:
                self.socket.bind(interface_or_socket)
            except BaseException:
                self.socket.close(linger=0)
                raise
        else:
            self.socket = interface_or_socket
            self.ctx = self.socket.context

    @property
    def root_topic(self) -> str:
        """The first part of every topic this handler publishes ("" for none)."""
        return self._root_topic

    @root_topic.setter
    def root_topic(self, value: str | bytes) -> None:
        self.setRootTopic(value)

    def setRootTopic(self, root_topic: str | bytes) -> None:
        """Set `root_topic`. Subscribers must subscribe to a prefix of it to see anything."""
        if isinstance(root_topic, bytes):
            root_topic = root_topic.decode("utf-8")
        self._root_topic = root_topic

    def setFormatter(self, fmt: logging.Formatter | None, level: int = logging.NOTSET) -> None:
        """Use `fmt` for records of `level`, or for every level when `level` is NOTSET."""
        if level == logging.NOTSET:
            super().setFormatter(fmt)
            for known in self.formatters:
                self.formatters[known] = fmt
        else:
            self.formatters[level] = fmt

    def format(self, record: logging.LogRecord) -> str:
        """Format `record` with the formatter of its level."""
        formatter = self.formatters.get(record.levelno, self.formatter)
        return (formatter or logging.Formatter(_WHERE)).format(record)

    def emit(self, record: logging.LogRecord) -> None:
        """Publish `record` as ``[topic, formatted text]``."""
        subtopic, sep, text = str(record.msg).partition(TOPIC_DELIM)
        if sep:
            record = copy.copy(record)  # the caller's record keeps its message
            record.msg = text
        else:
            subtopic = ""
        try:
            body = self.format(record).encode("utf-8")
            parts = [self.root_topic, record.levelname, subtopic]
            topic = ".".join(part for part in parts if part).encode("utf-8", "replace")
            self.socket.send_multipart([topic, body])
        except Exception:  # noqa: BLE001 - logging reports handler errors its own way
            self.handleError(record)

    def close(self) -> None:
        """Close the socket if this handler made it, then the handler itself."""
        if self._owns_socket and not self.socket.closed:
            self.socket.close()
        super().close()


def _at_level(level: int) -> Any:
    """A TopicLogger method logging at `level`."""

    def log_at_level(self: TopicLogger, topic: str, msg: str, *args: Any, **kwargs: Any) -> None:
        self._log_topic(level, topic, msg, args, kwargs)

    log_at_level.__name__ = logging.getLevelName(level).lower()
    log_at_level.__doc__ = f"Log ``msg % args`` at {logging.getLevelName(level)} under `topic`."
    return log_at_level


# The frames that TopicLogger's stacklevel skips: its public method and _log_topic.
# Before 3.11, logging counted stacklevel from the caller of the method that calls
# Logger._log (here already the public method), so one fewer is skipped there.
_OWN_FRAMES = 2 if sys.version_info >= (3, 11) else 1


class TopicLogger(logging.Logger):
    """A Logger whose methods take a topic before the message: ``log.info("db", "up")``.

    The topic reaches a `PUBHandler` as the record's subtopic.
    """

    def log(  # type: ignore[override]
        self, level: int, topic: str, msg: str, *args: Any, **kwargs: Any
    ) -> None:
        """Log ``msg % args`` at `level` under `topic`."""
        self._log_topic(level, topic, msg, args, kwargs)

    def _log_topic(
        self, level: int, topic: str, msg: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        if self.isEnabledFor(level):
            # point the record at our caller, not at this wrapper and its public method
            kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + _OWN_FRAMES
            self._log(level, f"{topic}{TOPIC_DELIM}{msg}", args, **kwargs)

    debug = _at_level(logging.DEBUG)
    info = _at_level(logging.INFO)
    warning = _at_level(logging.WARNING)
    warn = warning
    error = _at_level(logging.ERROR)
    critical = _at_level(logging.CRITICAL)
    fatal = critical

    def exception(  # type: ignore[override]
        self, topic: str, msg: str, *args: Any, exc_info: Any = True, **kwargs: Any
    ) -> None:
        """Log at ERROR under `topic`, with the exception being handled."""
        self._log_topic(logging.ERROR, topic, msg, args, {"exc_info": exc_info, **kwargs})
