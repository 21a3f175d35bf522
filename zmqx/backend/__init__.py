"""pyzmq's ``zmq.backend``: the low-level classes and libzmq functions that the
public API is built on. In zmqx they are its compiled core (``zmqx.backend.cython``,
its only backend): ``from zmq.backend import Socket`` gives the base class of
zmqx.Socket. pyzmq's PYZMQ_BACKEND variable has nothing to choose from here."""

from __future__ import annotations

from zmqx.backend import cython as cython
from zmqx.backend.cython import *

# importable from here too, as in pyzmq, though not in __all__
from zmqx.backend.cython import monitored_queue as monitored_queue
from zmqx.backend.select import public_api
from zmqx.backend.select import select_backend as select_backend

__all__ = list(public_api)
