#!/usr/bin/env python3
"""Compare zmqx.constants with pyzmq's zmq.constants.

Prints every public name of pyzmq's constants module that zmqx lacks or that
has another value, kind (class, IntEnum/IntFlag) or canonical name there; then
the names zmqx has in addition (for information).  Exit status: 0 when nothing
of pyzmq is missing or different, 1 otherwise, 2 when pyzmq is not installed.

zmqx.constants is imported normally; if the package cannot be imported (its
compiled core not built yet), the module is loaded from its file instead.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_zmqx_constants():
    try:
        import zmqx.constants as mod

        return mod
    except ImportError:
        pass
    path = os.path.join(ROOT, "zmqx", "constants.py")
    spec = importlib.util.spec_from_file_location("_zmqx_constants_standalone", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _is_enum_class(obj) -> bool:
    return isinstance(obj, type) and issubclass(obj, enum.Enum)


def _kind(cls: type) -> str:
    return "IntFlag" if issubclass(cls, enum.Flag) else "IntEnum"


def compare(ours, theirs) -> list[str]:
    problems: list[str] = []
    for name in theirs.__all__:
        obj = getattr(theirs, name)
        if not hasattr(ours, name):
            problems.append(f"missing: {name}")
            continue
        if name not in getattr(ours, "__all__", ()):
            problems.append(f"not in __all__: {name}")
        mine = getattr(ours, name)
        if _is_enum_class(obj):
            if obj in (enum.Enum, enum.IntEnum, enum.IntFlag):
                if mine is not obj:
                    problems.append(f"different object: {name}")
                continue
            if not _is_enum_class(mine):
                problems.append(f"not an enum class: {name}")
                continue
            if _kind(obj) != _kind(mine):
                problems.append(f"kind differs: {name} is {_kind(mine)}, pyzmq {_kind(obj)}")
            for mname, member in obj.__members__.items():
                if mname not in mine.__members__:
                    problems.append(f"missing: {name}.{mname}")
                    continue
                my_member = mine.__members__[mname]
                if int(my_member) != int(member):
                    problems.append(
                        f"value differs: {name}.{mname} = {int(my_member)}, pyzmq {int(member)}"
                    )
                elif my_member.name != member.name:
                    problems.append(
                        f"canonical name differs: {name}.{mname} is {my_member!r}, pyzmq {member!r}"
                    )
        elif isinstance(obj, enum.Enum):
            cls_name = type(obj).__name__
            if not isinstance(mine, enum.Enum):
                problems.append(f"not an enum member: {name}")
            elif int(mine) != int(obj):
                problems.append(f"value differs: {name} = {int(mine)}, pyzmq {int(obj)}")
            elif type(mine).__name__ != cls_name:
                problems.append(
                    f"class differs: {name} is a {type(mine).__name__}, pyzmq {cls_name}"
                )
            elif mine is not getattr(ours, cls_name)[obj.name]:
                problems.append(f"not the enum member: {name}")
        elif mine != obj:
            problems.append(f"value differs: {name} = {mine!r}, pyzmq {obj!r}")
    return problems


def extras(ours, theirs) -> list[str]:
    out = [f"{n}" for n in ours.__all__ if n not in theirs.__all__]
    for name in ours.__all__:
        cls = getattr(ours, name)
        if (
            _is_enum_class(cls)
            and hasattr(theirs, name)
            and cls
            not in (
                enum.Enum,
                enum.IntEnum,
                enum.IntFlag,
            )
        ):
            other = getattr(theirs, name)
            out += [f"{name}.{m}" for m in cls.__members__ if m not in other.__members__]
    return out


def main() -> int:
    try:
        import zmq.constants as theirs
    except ImportError:
        print("pyzmq is not installed; nothing to compare with", file=sys.stderr)
        return 2
    import zmq

    ours = load_zmqx_constants()
    problems = compare(ours, theirs)
    print(f"pyzmq {zmq.__version__} (libzmq {zmq.zmq_version()}): {len(theirs.__all__)} names")
    print(f"zmqx.constants ({ours.__file__}): {len(ours.__all__)} names")
    for p in problems:
        print(p)
    more = extras(ours, theirs)
    if more:
        print("only in zmqx: " + ", ".join(more))
    print(
        "OK: every pyzmq constant exists in zmqx with the same value"
        if not problems
        else f"{len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
