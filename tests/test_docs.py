"""The documentation site: it builds without a warning, and its API reference has an
entry (an HTML anchor such as id="zmqx.Socket") for every public name of every
public module, so a new public name without documentation fails here.

The guides' examples run in tests/test_docs_examples.py.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

# built by make test from .venv; the other Pythons' venvs (make test-pythons) lack
# the pinned Sphinx, which needs Python >= 3.11
pytest.importorskip("sphinx")

import zmqx

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Modules that have a page of their own (the package and each subsystem).
PAGES = [
    "zmqx",
    "zmqx.constants",
    "zmqx.asyncio",
    "zmqx.anyio",
    "zmqx.eventloop",
    "zmqx.eventloop.zmqstream",
    "zmqx.eventloop.future",
    "zmqx.eventloop.ioloop",
    "zmqx.green",
    "zmqx.green.core",
    "zmqx.green.poll",
    "zmqx.green.device",
    "zmqx.devices",
    "zmqx.auth",
    "zmqx.auth.base",
    "zmqx.auth.thread",
    "zmqx.auth.asyncio",
    "zmqx.auth.ioloop",
    "zmqx.auth.certs",
    "zmqx.log",
    "zmqx.log.handlers",
    "zmqx.ssh",
    "zmqx.ssh.tunnel",
    "zmqx.ssh.forward",
    "zmqx.decorators",
    "zmqx.utils",
    "zmqx.utils.z85",
    "zmqx.utils.monitor",
    "zmqx.utils.jsonapi",
    "zmqx.utils.interop",
    "zmqx.utils.strtypes",
    "zmqx.utils.win32",
    "zmqx.sugar",
    "zmqx.backend",
]
# Not part of the Python API: the `zmqx` command (documented in the CLI guide)
# and the benchmark suite behind `zmqx bench`.
NOT_API = ("zmqx.cli", "zmqx.benchmarks")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built as `make docs` builds it (warnings are errors, no network)."""
    out = tmp_path_factory.mktemp("docs")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q",
         "-d", str(out / ".doctrees"), str(DOCS), str(out / "html")],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, f"sphinx failed:\n{result.stderr}\n{result.stdout}"
    assert result.stderr.strip() == "", result.stderr
    return out / "html"


@pytest.fixture(scope="module")
def anchors(built: Path) -> set[str]:
    found: set[str] = set()
    for page in built.rglob("*.html"):
        found.update(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))
    return found


def public_modules() -> list[str]:
    names = ["zmqx"]
    for info in pkgutil.walk_packages(zmqx.__path__, "zmqx."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or info.name.startswith(NOT_API):
            continue
        names.append(info.name)
    return names


def defined_outside_zmqx(obj: object) -> bool:
    """A class or function of another package, re-exported for pyzmq's sake
    (tornado's IOLoop, enum.IntEnum): its own package documents it."""
    if not (inspect.isclass(obj) or inspect.isroutine(obj)):
        return False
    module = getattr(obj, "__module__", None) or ""
    return not (module == "zmqx" or module.startswith("zmqx."))


def public_names(module: object) -> list[str]:
    """Its __all__, or else the public names it defines itself."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, value in vars(module).items()
            if not inspect.ismodule(value)
            and getattr(value, "__module__", module.__name__) == module.__name__
        ]
    return [n for n in names if not n.startswith("_") or n in ("__version__", "__revision__")]


def resolve(dotted: str) -> object:
    """The object an anchor names (zmqx.auth.base.Authenticator.allow), or a
    sentinel when it names none."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = inspect.getattr_static(obj, attr)
        except AttributeError:
            return resolve
        return obj
    return resolve


@pytest.fixture(scope="module")
def documented_objects(anchors: set[str]) -> dict[int, list[str]]:
    """id() of every object that has an anchor -> its anchors, so a name one module
    re-exports from another (zmqx.auth.Authenticator) counts as documented where
    it is defined."""
    table: dict[int, list[str]] = {}
    for anchor in sorted(anchors):
        if anchor.startswith("zmqx."):
            obj = resolve(anchor)
            if obj is not resolve:
                table.setdefault(id(obj), []).append(anchor)
    return table


def undocumented_members(value: object, anchor: str, anchors: set[str]) -> list[str]:
    """The members of a class (or an enum's members) that lack an entry under anchor."""
    if not inspect.isclass(value):
        return []
    if issubclass(value, enum.Enum):
        members = [m for m in value.__members__ if f"{anchor}.{value[m].name}" not in anchors]
    else:
        members = own_members(value)
    return [f"{anchor}.{m}" for m in members if f"{anchor}.{m}" not in anchors]


def is_private(cls: type) -> bool:
    """A class of zmqx's private modules (the compiled core's Socket, FutureSocket...)."""
    parts = cls.__module__.split(".")
    return parts[0] == "zmqx" and any(part.startswith("_") for part in parts)


def own_members(cls: type) -> list[str]:
    """The public attributes a class's documentation must list: its own, and those it
    takes from bases in private modules (zmqx._core._core.Socket's send and recv
    belong to zmqx.Socket's entry). Members of public bases are documented there."""
    names: set[str] = set()
    for base in cls.__mro__:
        if base is not cls and not is_private(base):
            break
        names.update(n for n in vars(base) if not n.startswith("_"))
    return sorted(names)


def test_every_module_in_the_package_is_considered() -> None:
    # a new public module must be given a page, or its names documented elsewhere
    assert set(PAGES) <= set(public_modules())


@pytest.mark.timeout(600)
def test_each_page_module_has_its_anchor(anchors: set[str]) -> None:
    missing = [m for m in PAGES if f"module-{m}" not in anchors]
    assert missing == []


@pytest.mark.timeout(600)
# every module is imported, the deprecated ones (zmqx.eventloop.ioloop) too
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_public_name_has_an_entry(
    anchors: set[str], documented_objects: dict[int, list[str]]
) -> None:
    missing: list[str] = []
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        for name in public_names(module):
            value = getattr(module, name)
            if defined_outside_zmqx(value) or inspect.ismodule(value):
                continue
            here = f"{module_name}.{name}"
            candidates = [here] if here in anchors else []
            candidates += documented_objects.get(id(value), [])
            if inspect.isclass(value) and is_private(value):
                # pyzmq's zmq.backend names the compiled classes: their members
                # are documented on the public classes that derive from them
                candidates += [
                    a for sub in value.__subclasses__() for a in documented_objects.get(id(sub), [])
                ]
            if not candidates:
                missing.append(here)
                continue
            # an alias (zmqx.Message) may have a short entry: the class's members
            # must be under one of its entries (zmqx.Frame)
            missing += min(
                (undocumented_members(value, a, anchors) for a in candidates), key=len
            )
    assert missing == [], f"{len(missing)} public names without an API entry: {missing}"

