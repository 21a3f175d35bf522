"""The one piece of this site that autodoc cannot write: the module-level constants.

`zmqx.PUSH` is `zmqx.SocketType.PUSH`, and there are several hundred such names.
``.. zmqx-constants::`` lists each of them as a ``py:data`` entry of the current
module (so `zmqx.PUSH` has its own anchor and index entry), grouped by enum
class, each linking to the enum member it names.
"""

from __future__ import annotations

import enum
import sys

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def constants_by_enum() -> dict[type[enum.Enum], list[tuple[str, enum.Enum]]]:
    """The module-level names of zmqx.constants, grouped by the enum they belong to."""
    from zmqx import constants

    groups: dict[type[enum.Enum], list[tuple[str, enum.Enum]]] = {}
    for name in constants.__all__:
        value = getattr(constants, name)
        if isinstance(value, enum.Enum):
            groups.setdefault(type(value), []).append((name, value))
    return groups


class ConstantsDirective(SphinxDirective):
    """Document every module-level constant as data of the current module."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        lines: list[str] = []
        for cls, members in constants_by_enum().items():
            target = f"zmqx.constants.{cls.__name__}"
            lines += [f".. rubric:: {cls.__name__}", ""]
            for name, member in members:
                alias = "" if name == f"{member.name}" else " (an alias)"
                lines += [
                    f".. py:data:: {name}",
                    f"   :value: {int(member)}",
                    "",
                    f"   :py:attr:`{cls.__name__}.{member.name} <{target}.{member.name}>`{alias}",
                    "",
                ]
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source="zmqx-constants"), 0, container)
        return container.children


def defined_outside_zmqx(obj: object) -> bool:
    """A class or function another package defines (tornado's IOLoop, enum.IntEnum...)
    that a zmqx module re-exports for pyzmq's sake: its own docs describe it."""
    if not (isinstance(obj, type) or callable(obj)):
        return False
    module = getattr(obj, "__module__", None) or ""
    return not (module == "zmqx" or module.startswith("zmqx."))


def is_private_zmqx(cls: type) -> bool:
    """A class of zmqx's private modules (the compiled core's Socket, FutureSocket...)."""
    parts = cls.__module__.split(".")
    return parts[0] == "zmqx" and any(part.startswith("_") for part in parts)


def documented_class(app) -> type | None:  # noqa: ANN001
    """The class whose members autodoc is choosing (it notes the module and class
    on the current document before it looks at their members)."""
    document = app.env.current_document
    module = getattr(document, "autodoc_module", None)
    name = getattr(document, "autodoc_class", None)
    if not module or not name:
        return None
    obj = sys.modules.get(module)
    for part in name.split("."):
        obj = getattr(obj, part, None)
    return obj if isinstance(obj, type) else None


def declares(cls: type, name: str) -> bool:
    """Whether the class itself defines name (or only annotates it)."""
    return name in vars(cls) or name in vars(cls).get("__annotations__", {})


def choose_member(app, what, name, obj, skip, options):  # noqa: ANN001, ANN201
    """Which members a page lists.

    A module lists what it defines, not the classes and functions it re-exports
    from other packages. A class lists its own members and those it takes from
    zmqx's private bases (zmqx.Socket gets send and recv from the compiled core),
    and leaves those of public bases (documented on their own entries) and of
    other packages' classes (int, Exception, Thread) to their documentation.
    """
    if what == "module":
        return True if defined_outside_zmqx(obj) else None
    if what in ("class", "exception") and not skip:
        cls = documented_class(app)
        if cls is None:
            return None
        owner = next((base for base in cls.__mro__ if declares(base, name)), None)
        if owner is None:
            return None
        if owner is not cls and not is_private_zmqx(owner):
            return True
    return None


def public_bases(app, name, obj, options, bases):  # noqa: ANN001, ANN201
    """Show a class's public bases only: zmqx.Socket derives from the compiled core's
    Socket, whose members its own entry lists, and the typing helper that makes
    Context generic is an implementation detail."""
    def private(base: object) -> bool:
        cls = getattr(base, "__origin__", base)  # Generic[...] is a GenericAlias
        return isinstance(cls, type) and is_private_zmqx(cls)

    bases[:] = [b for b in bases if not private(b)]


def setup(app):  # noqa: ANN001, ANN201 (Sphinx's extension entry point)
    app.add_directive("zmqx-constants", ConstantsDirective)
    app.connect("autodoc-skip-member", choose_member)
    app.connect("autodoc-process-bases", public_bases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
