"""The backend's public names, and select_backend() that gathers them from a module.

zmqx has one backend, its compiled core (``zmqx.backend.cython``); pyzmq programs
that pick a backend by module name get that module's namespace.
"""

from __future__ import annotations

import importlib
from typing import Any

# The names every backend provides (pyzmq's list; zmqx's core has them all).
public_api: list[str] = [
    "Context",
    "Socket",
    "Frame",
    "Message",
    "proxy",
    "proxy_steerable",
    "zmq_poll",
    "strerror",
    "zmq_errno",
    "has",
    "curve_keypair",
    "curve_public",
    "zmq_version_info",
    "IPC_PATH_MAX_LEN",
    "PYZMQ_DRAFT_API",
]


def select_backend(name: str) -> dict[str, Any]:
    """The backend namespace of the module called name: its public_api names plus
    monitored_queue. ImportError if the module cannot be imported; AttributeError
    (as pyzmq) if it lacks one of those names."""
    try:
        module = importlib.import_module(name)
    except ImportError:
        raise
    except Exception as error:  # a module that fails while importing is no backend
        raise ImportError(f"importing {name} failed: {error}") from error
    namespace = {"monitored_queue": module.monitored_queue}
    namespace.update({key: getattr(module, key) for key in public_api})
    return namespace


__all__ = ["public_api", "select_backend"]
