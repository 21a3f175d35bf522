"""install_as_zmq(): let `import zmq` (and `import zmq.X`) load zmqx."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types


class _ExistingModuleLoader(importlib.abc.Loader):
    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        pass  # already executed under its zmqx name


class _ZmqAsZmqx(importlib.abc.MetaPathFinder):
    """Resolves zmq and zmq.* to the zmqx modules of the same name."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "zmq" and not fullname.startswith("zmq."):
            return None
        try:
            module = importlib.import_module("zmqx" + fullname[3:])
        except ModuleNotFoundError:
            return None
        return importlib.machinery.ModuleSpec(
            fullname, _ExistingModuleLoader(module), is_package=hasattr(module, "__path__")
        )


def install_as_zmq() -> None:
    """Make `import zmq` and every `import zmq.X` give zmqx's modules.

    Call it before anything imports zmq: a pyzmq already imported stays as it is
    for the code that holds it.
    """
    if not any(isinstance(finder, _ZmqAsZmqx) for finder in sys.meta_path):
        sys.meta_path.insert(0, _ZmqAsZmqx())
    for name, module in list(sys.modules.items()):
        if name == "zmqx" or name.startswith("zmqx."):
            sys.modules["zmq" + name[4:]] = module
