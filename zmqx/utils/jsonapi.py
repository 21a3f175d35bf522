"""JSON helpers that speak bytes, for sending JSON over zmqx sockets.

``dumps`` returns UTF-8 encoded bytes; ``loads`` accepts bytes or str.
Extra keyword arguments go straight to the standard library ``json`` functions.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "loads"]

# The JSON implementation in use (always the standard library one).
jsonmod = json


def dumps(o: object, **kwargs: Any) -> bytes:
    """Serialize ``o`` to JSON and return it as UTF-8 bytes.

    Uses the ``json.dumps`` defaults unless overridden by ``kwargs``.
    """
    return json.dumps(o, **kwargs).encode("utf-8")


def loads(s: bytes | str, **kwargs: Any) -> Any:
    """Parse a JSON document given as UTF-8 ``bytes`` or as ``str``: a dict, list,
    str, int, float, bool or None."""
    if isinstance(s, bytes):
        s = s.decode("utf-8")
    return json.loads(s, **kwargs)
