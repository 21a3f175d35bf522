"""Options and reporting for the reliability suite."""

from __future__ import annotations

import pytest

from ._support import FIGURES


def pytest_addoption(parser):
    # tests/conftest.py registers --soak; this keeps `pytest tests/reliability --soak`
    # working on its own, without registering the option twice.
    try:
        parser.addoption(
            "--soak",
            action="store_true",
            default=False,
            help="run the reliability tests much longer",
        )
    except ValueError:
        pass


@pytest.fixture
def soaking(request) -> bool:
    """True under --soak."""
    try:
        return bool(request.config.getoption("--soak"))
    except ValueError:
        return False


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("zmqx reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
