"""Entry point of the benchmark suite: ``python -m zmqx.benchmarks [options]``.

``... measure CASE --impl zmq|zmqx|c [case options]`` makes one measurement of one
case and prints it as one JSON line: the runner starts a fresh process like that
for every measurement.  Those processes run this file by path, and then load this
directory as a stand-alone package (``_zmqx_benchmarks``) rather than as
``zmqx.benchmarks``, so that measuring pyzmq never imports zmqx.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType

STANDALONE_NAME = "_zmqx_benchmarks"


def package() -> ModuleType:
    """This package, loaded without importing zmqx when this file runs by path."""
    if __package__:
        return importlib.import_module(__package__)
    if STANDALONE_NAME in sys.modules:
        return sys.modules[STANDALONE_NAME]
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0]) == here:
        # the script's directory must not shadow top-level modules (runner, chart...)
        del sys.path[0]
    spec = importlib.util.spec_from_file_location(
        STANDALONE_NAME, os.path.join(here, "__init__.py"), submodule_search_locations=[here]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[STANDALONE_NAME] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str]) -> int:
    """Measure once (``measure CASE ...``) or run the suite (anything else)."""
    name = package().__name__
    if argv[:1] == ["measure"] and len(argv) >= 2:
        harness = importlib.import_module(name + ".harness")
        case = importlib.import_module(name + ".case")
        module = case.case_module(argv[1])
        harness.main_guard(lambda: module.main([*module.CASE.fixed_args, *argv[2:]]))
        return 0
    command = importlib.import_module(name + ".command")
    status: int = command.main(argv)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
