"""What the application drivers share: each prints one JSON object a line (flushed, so
a driver killed at its time limit still shows how far it got), and says which zmq it
runs on first."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def report(**fields: Any) -> None:
    print(json.dumps(fields, default=repr), flush=True)


def report_zmq() -> None:
    import zmq

    report(step="zmq", module=zmq.__file__)


@contextmanager
def step(name: str) -> Iterator[dict[str, Any]]:
    """Run one step: report its name when it starts and its findings (the dict it gives,
    filled by the step) or its error when it ends. An error ends the driver."""
    report(step=name, started=True)
    found: dict[str, Any] = {}
    try:
        yield found
    except BaseException as e:
        report(step=name, error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
        raise
    report(step=name, **found)


def main(run: Any) -> None:
    report_zmq()
    try:
        run()
    except BaseException:  # reported by step()
        sys.exit(1)
    report(step="done")
