#!/usr/bin/env python3
"""Generate ``zmqx/constants.py`` (and its type stub, ``constants.pyi``) from ``zmq.h``.

Usage::

    python tools/gen_constants.py [PATH/TO/zmq.h] [-o OUTPUT]

Without a header path, ``$(pkg-config --variable=includedir libzmq)/zmq.h`` is
read (falling back to /usr/include/zmq.h and /usr/local/include/zmq.h).  The
output defaults to ``zmqx/constants.py`` next to this script's parent folder.

How it works
------------
Every ``#define`` in the header is read, whatever ``#if`` block it sits in
(the draft section under ``ZMQ_BUILD_DRAFT_API`` included).  Values may be
literals, references to other macros (``#define ZMQ_XREQ ZMQ_DEALER``) or small
integer expressions (``(ZMQ_HAUSNUMERO + 51)``, ``A | B``), which are evaluated
here.  Each macro is then sorted into one of the enum classes of pyzmq's API
(``SocketType``, ``SocketOption``, ...) by, in this order: an explicit name
table, a skip list (macros that are not constants of the Python API), name
prefixes (``ZMQ_EVENT_*``, ...), the class of the macro an alias refers to, and
finally the header's section comment (``/*  Socket options.  */``).  A macro
that matches nothing is reported on stderr and left out, so that a newer header
with new kinds of constants gets noticed.

A few constants of the Python API are not in (every) zmq.h; they come from the
small ``EXTRA`` table below, each with the reason.  ``OVERRIDES`` corrects a
header value, again with the reason.

The generated module must import fast (it is imported by ``import zmqx``), so
it uses no ``typing`` or ``re``; see ``_RUNTIME`` below for how the classes are
built.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(ROOT, "zmqx", "constants.py")

# ---------------------------------------------------------------------------
# The classes of the public API, in the order they are emitted.
# name -> (base class, prefix that zmq.h names carry in front of the member
# name, docstring).  The module-level alias of a member is its zmq.h name
# without ``ZMQ_`` (so ``Event.CONNECTED`` is also ``EVENT_CONNECTED``).
# ---------------------------------------------------------------------------
CLASSES: dict[str, tuple[str, str, str]] = {
    "SocketType": ("IntEnum", "", "Kinds of socket, as passed to ``Context.socket()``."),
    "SocketOption": (
        "IntEnum",
        "",
        "Socket option names, for ``Socket.get()`` / ``Socket.set()``.",
    ),
    "ContextOption": (
        "IntEnum",
        "",
        "Context option names, for ``Context.get()`` / ``Context.set()``.",
    ),
    "MessageOption": ("IntEnum", "", "Message property names, for ``Frame.get()``."),
    "Flag": ("IntFlag", "", "Flags that modify ``send()`` and ``recv()``."),
    "PollEvent": ("IntFlag", "", "Readiness bits used by ``poll()``, ``Poller`` and ``EVENTS``."),
    "Event": (
        "IntFlag",
        "EVENT_",
        "Socket monitor event bits and ZMTP/ZAP protocol error codes.",
    ),
    "SecurityMechanism": (
        "IntEnum",
        "",
        "Security mechanisms, as reported by the ``MECHANISM`` socket option.",
    ),
    "DeviceType": ("IntEnum", "", "Device kinds for ``zmq.device()`` (deprecated libzmq API)."),
    "RouterNotify": ("IntEnum", "NOTIFY_", "Values of the ``ROUTER_NOTIFY`` socket option."),
    "ReconnectStop": (
        "IntEnum",
        "RECONNECT_STOP_",
        "Bits of the ``RECONNECT_STOP`` socket option.",
    ),
    "NormMode": ("IntEnum", "NORM_", "Values of the ``NORM_MODE`` socket option."),
    "Errno": (
        "IntEnum",
        "",
        "Error numbers that libzmq reports: system errno values plus libzmq's own.",
    ),
}

# Names (without ZMQ_) whose class cannot be told from their name or section.
BY_NAME: dict[str, str] = {
    # In zmq.h these sit under a second "Deprecated aliases" comment, together
    # with nothing that says they are device kinds.
    "STREAMER": "DeviceType",
    "FORWARDER": "DeviceType",
    "QUEUE": "DeviceType",
}

# Prefixes (without ZMQ_) that decide the class on their own.
BY_PREFIX: list[tuple[str, str]] = [
    ("EVENT_", "Event"),
    ("PROTOCOL_ERROR_", "Event"),
    ("RECONNECT_STOP_", "ReconnectStop"),
    ("NOTIFY_", "RouterNotify"),
    ("NORM_MODE_", "NormMode"),
]

# Section comments of zmq.h (lower case, "draft" removed) -> class.
BY_SECTION: list[tuple[str, str]] = [
    ("context options", "ContextOption"),
    ("socket types", "SocketType"),
    ("socket options", "SocketOption"),
    ("deprecated options", "SocketOption"),
    ("message options", "MessageOption"),
    ("send/recv options", "Flag"),
    ("security mechanisms", "SecurityMechanism"),
    ("norm_mode options", "NormMode"),
    ("router notify options", "RouterNotify"),
]

# Macros that are not constants of the Python API.  Exact names, then regexes.
SKIP: dict[str, str] = {
    "VERSION_MAJOR": "library version; the Python API asks the library at run time",
    "VERSION_MINOR": "library version",
    "VERSION_PATCH": "library version",
    "VERSION": "library version",
    "HAUSNUMERO": "base of libzmq's own errno values; only used in expressions",
    "GROUP_MAX_LENGTH": "RADIO/DISH group length limit, not a constant of pyzmq's API",
    "CURRENT_EVENT_VERSION": "monitor protocol version, not a constant of pyzmq's API",
    "CURRENT_EVENT_VERSION_DRAFT": "monitor protocol version, not a constant of pyzmq's API",
}
SKIP_RE: list[tuple[str, str]] = [
    (r".*_DFLT", "C-level defaults (IO_THREADS_DFLT, POLLITEMS_DFLT, ...)"),
    (r"HAVE_.*|HAS_.*|DEFINED_.*|BUILD_.*|EXPORT", "feature-test macros"),
    (r"GSSAPI_NT_.*", "GSSAPI name types, not constants of pyzmq's API"),
    (r"MSG_PROPERTY_.*", "metadata property names (strings)"),
]

# Constants of pyzmq's API that zmq.h (this version, or any version) does not
# define.  (class, module-level name, member name, value, why).  ``value`` is an
# int or the name of a Python ``errno`` attribute ("errno:EAGAIN").  An entry is
# only used when the header does not define the name itself.
EXTRA: list[tuple[str, str, str, int | str, str]] = [
    # libzmq reports these through errno, but they come from <errno.h> and
    # zmq.h never defines them.
    ("Errno", "EAGAIN", "EAGAIN", "errno:EAGAIN", "from <errno.h>; not defined by zmq.h"),
    ("Errno", "EFAULT", "EFAULT", "errno:EFAULT", "from <errno.h>; not defined by zmq.h"),
    ("Errno", "EINVAL", "EINVAL", "errno:EINVAL", "from <errno.h>; not defined by zmq.h"),
    # libzmq 2.x's ZMQ_HWM (removed in 3.0).  pyzmq keeps it as a pseudo
    # option that sets/gets both SNDHWM and RCVHWM.
    ("SocketOption", "HWM", "HWM", 1, "legacy pseudo-option (libzmq 2.x); sets SNDHWM+RCVHWM"),
    # Draft socket options added in libzmq 4.3.5.  Defined so that code written
    # against newer libzmq imports; an older libzmq rejects them with EINVAL.
    ("SocketOption", "BUSY_POLL", "BUSY_POLL", 113, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "HICCUP_MSG", "HICCUP_MSG", 114, "draft, libzmq >= 4.3.5"),
    (
        "SocketOption",
        "XSUB_VERBOSE_UNSUBSCRIBE",
        "XSUB_VERBOSE_UNSUBSCRIBE",
        115,
        "draft, libzmq >= 4.3.5",
    ),
    ("SocketOption", "TOPICS_COUNT", "TOPICS_COUNT", 116, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "NORM_MODE", "NORM_MODE", 117, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "NORM_UNICAST_NACK", "NORM_UNICAST_NACK", 118, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "NORM_BUFFER_SIZE", "NORM_BUFFER_SIZE", 119, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "NORM_SEGMENT_SIZE", "NORM_SEGMENT_SIZE", 120, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "NORM_BLOCK_SIZE", "NORM_BLOCK_SIZE", 121, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "NORM_NUM_PARITY", "NORM_NUM_PARITY", 122, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "NORM_NUM_AUTOPARITY", "NORM_NUM_AUTOPARITY", 123, "draft, libzmq >= 4.3.5"),
    ("SocketOption", "NORM_PUSH", "NORM_PUSH", 124, "draft, libzmq >= 4.3.5"),
    # Values of the NORM_MODE option (draft, libzmq >= 4.3.5).
    ("NormMode", "NORM_FIXED", "FIXED", 0, "draft, libzmq >= 4.3.5"),
    ("NormMode", "NORM_CC", "CC", 1, "draft, libzmq >= 4.3.5"),
    ("NormMode", "NORM_CCL", "CCL", 2, "draft, libzmq >= 4.3.5"),
    ("NormMode", "NORM_CCE", "CCE", 3, "draft, libzmq >= 4.3.5"),
    ("NormMode", "NORM_CCE_ECNONLY", "CCE_ECNONLY", 4, "draft, libzmq >= 4.3.5"),
]

# Header values that are replaced.  name (without ZMQ_) -> (value, why).
OVERRIDES: dict[str, tuple[int, str]] = {
    # zmq.h 4.3.4 gives 0x3 (= CONN_REFUSED | HANDSHAKE_FAILED), although the
    # RECONNECT_STOP values are meant to be OR-ed together; libzmq 4.3.5 made
    # it the distinct bit 0x4, which is also what pyzmq uses.
    "RECONNECT_STOP_AFTER_DISCONNECT": (0x4, "distinct bit as in libzmq >= 4.3.5 (4.3.4: 0x3)"),
}

# When two names share a value, the first one defined is the canonical member
# (the one repr() shows).  zmq.h defines ZMQ_EVENT_ALL before ZMQ_EVENT_ALL_V1;
# pyzmq shows the value 0xFFFF as ALL_V1, so ALL_V1 is moved in front.
PREFER_CANONICAL: set[str] = {"EVENT_ALL_V1"}


# ---------------------------------------------------------------------------
# Header parsing
# ---------------------------------------------------------------------------
@dataclass
class Define:
    name: str  # macro name as written (ZMQ_PUSH, ETERM)
    text: str  # replacement text, comments stripped
    draft: bool  # inside #ifdef ZMQ_BUILD_DRAFT_API
    ifndef_guarded: bool  # "#ifndef NAME / #define NAME ..." (errno fallbacks)
    section: str  # last one-line section comment seen, lower case
    line: int


@dataclass
class Const:
    cls: str
    pyname: str  # module-level name
    member: str  # name inside the class
    value: int
    source: str  # what to write as the value in the class body
    comment: str = ""
    draft: bool = False


@dataclass
class Result:
    version: str
    consts: list[Const] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\(?)(.*)$")
_COND = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b\s*(.*)$")
_SECTION = re.compile(r"^\s*/\*\s*(.*?)\s*\*/\s*$")
_IDENT = re.compile(r"[A-Za-z_]\w*")
_TOKEN = re.compile(r"0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*")


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text)
    return text.split("//", 1)[0].strip()


def read_defines(header_text: str) -> list[Define]:
    out: list[Define] = []
    stack: list[str] = []  # condition of every open #if
    section = ""
    lines = header_text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        # join continuation lines
        while line.endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line[:-1] + " " + lines[i]
        i += 1
        m = _SECTION.match(line)
        if m and not set(m.group(1)) <= {"*"}:
            section = m.group(1).lower().replace("draft", "").strip()
            continue
        m = _COND.match(line)
        if m:
            kind, arg = m.group(1), _strip_comments(m.group(2))
            if kind in ("if", "ifdef", "ifndef"):
                stack.append(f"{kind} {arg}")
            elif kind == "endif":
                if stack:
                    stack.pop()
            elif stack:  # else / elif: still inside the same block
                stack[-1] = f"{kind} {arg} (after {stack[-1]})"
            continue
        m = _DEFINE.match(line)
        if not m:
            continue
        name, paren, rest = m.group(1), m.group(2), m.group(3)
        if paren:  # function-like macro, e.g. ZMQ_MAKE_VERSION(a, b, c)
            continue
        out.append(
            Define(
                name=name,
                text=_strip_comments(rest),
                draft=any(c == "ifdef ZMQ_BUILD_DRAFT_API" for c in stack),
                ifndef_guarded=bool(stack) and stack[-1] == f"ifndef {name}",
                section=section,
                line=lineno,
            )
        )
    return out


_ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Constant,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.BitOr,
    ast.BitAnd,
    ast.BitXor,
    ast.LShift,
    ast.RShift,
    ast.USub,
    ast.UAdd,
    ast.Invert,
)


def evaluate(text: str, known: dict[str, int]) -> int | None:
    """Value of a C integer expression, or None if it is not one."""
    if not text or '"' in text or "'" in text:
        return None

    def token(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok[0].isdigit():
            tok = tok.rstrip("uUlL")
            if len(tok) > 1 and tok[0] == "0" and tok[1] not in "xX":
                return str(int(tok, 8))  # C octal
            return tok
        if tok in known:
            return str(known[tok])
        raise KeyError(tok)

    try:
        py = _TOKEN.sub(token, text)
        tree = ast.parse(py, mode="eval")
    except (KeyError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            return None
        if isinstance(node, ast.Constant) and type(node.value) is not int:
            return None
    return eval(compile(tree, "<zmq.h>", "eval"), {"__builtins__": {}})


def _skip_reason(short: str) -> str | None:
    if short in SKIP:
        return SKIP[short]
    for pattern, why in SKIP_RE:
        if re.fullmatch(pattern, short):
            return why
    return None


def _classify(d: Define, short: str, target_cls: str | None) -> str | None:
    if short in BY_NAME:
        return BY_NAME[short]
    if not d.name.startswith("ZMQ_"):
        return "Errno"  # parse() only lets E* names through
    for prefix, cls in BY_PREFIX:
        if short.startswith(prefix):
            return cls
    if re.fullmatch(r"POLL(IN|OUT|ERR|PRI)", short):
        return "PollEvent"
    if target_cls is not None:
        return target_cls
    for key, cls in BY_SECTION:
        if key in d.section:
            return cls
    return None


def _member_name(cls: str, pyname: str) -> str:
    prefix = CLASSES[cls][1]
    if prefix and pyname.startswith(prefix):
        return pyname[len(prefix) :]
    return pyname


def _lit(cls: str, value: int) -> str:
    if CLASSES[cls][0] == "IntFlag" and value > 9:
        return f"0x{value:X}"
    return str(value)


def parse(header_text: str) -> Result:
    defines = read_defines(header_text)
    values: dict[str, int] = {}
    for d in defines:
        v = evaluate(d.text, values)
        if v is not None:
            if d.name in values and values[d.name] != v:
                raise SystemExit(f"zmq.h:{d.line}: {d.name} redefined with another value")
            values[d.name] = v

    try:
        version = ".".join(str(values[f"ZMQ_VERSION_{p}"]) for p in ("MAJOR", "MINOR", "PATCH"))
    except KeyError:
        raise SystemExit("zmq.h: ZMQ_VERSION_MAJOR/MINOR/PATCH not found") from None

    res = Result(version=version)
    by_macro: dict[str, Const] = {}
    seen: set[str] = set()
    for d in defines:
        if d.name in seen:
            continue
        seen.add(d.name)
        short = d.name.removeprefix("ZMQ_")
        if short == d.name and not re.fullmatch(r"E[A-Z0-9]+", d.name):
            res.skipped.append((d.name, "not a libzmq macro"))
            continue
        if short not in BY_NAME:
            why = _skip_reason(short)
            if why is not None:
                res.skipped.append((d.name, why))
                continue
        if d.name not in values:
            res.skipped.append((d.name, "not an integer constant"))
            continue
        target = by_macro.get(d.text) if _IDENT.fullmatch(d.text) else None
        cls = _classify(d, short, target.cls if target else None)
        if cls is None:
            res.unknown.append(d.name)
            continue
        value = values[d.name]
        member = _member_name(cls, short)
        comment = ""
        if short in OVERRIDES:
            value, comment = OVERRIDES[short]
            source = _lit(cls, value)
        elif target is not None and target.cls == cls:
            source = target.member
        elif cls == "Errno" and d.ifndef_guarded:
            # A system errno value; zmq.h's number is only the fallback for
            # platforms whose <errno.h> lacks it (zmq.h: #ifndef NAME).
            source = f'getattr(_errno, "{d.name}", {value})'
            comment = d.text.strip("()")
        else:
            source = _lit(cls, value)
            if not re.fullmatch(r"-?(0[xX][0-9a-fA-F]+|\d+)", d.text):
                comment = d.text.strip("()")
        c = Const(cls, short, member, value, source, comment, d.draft)
        by_macro[d.name] = c
        res.consts.append(c)

    have = {c.pyname for c in res.consts}
    for cls, pyname, member, value, why in EXTRA:
        if pyname in have:
            continue
        if isinstance(value, str) and value.startswith("errno:"):
            attr = value[len("errno:") :]
            res.consts.append(Const(cls, pyname, member, -1, f"_errno.{attr}", why))
        else:
            res.consts.append(Const(cls, pyname, member, value, _lit(cls, value), why))
    return res


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------
_RUNTIME = """\
import errno as _errno
from enum import Enum, IntEnum, IntFlag

# How the classes are built: the enum module's normal class construction does a
# lot of work per member, and this module has ~250 of them.  From Python 3.11
# on, the standard library's own ``enum._simple_enum`` decorator (which CPython
# uses for its large stdlib enums, e.g. http.HTTPStatus, and tests against the
# normal construction) turns a plain class body into the same enum class at
# about half the cost.  It leaves members reachable through a descriptor on
# some versions; putting the members themselves in the class, as the normal
# construction does, keeps ``SocketType.PUSH`` a plain attribute lookup.
# Without ``_simple_enum`` (Python 3.10) the functional API builds each class.
try:
    from enum import _simple_enum
except ImportError:  # Python 3.10
    _simple_enum = None


def _functional(base, body):
    members = [(k, v) for k, v in body.__dict__.items() if k[0] != "_"]
    cls = base(body.__name__, members, module=body.__module__, qualname=body.__qualname__)
    cls.__doc__ = body.__doc__
    return cls


def _decorate(base):
    def build(body):
        if _simple_enum is None:
            return _functional(base, body)
        try:
            cls = _simple_enum(base)(body)
        except TypeError:  # a private helper: if its signature ever changes
            return _functional(base, body)
        for name, member in cls.__members__.items():
            type.__setattr__(cls, name, member)
        return cls

    return build

"""


def _ordered(res: Result) -> dict[str, list[Const]]:
    """The constants of each class, in the order they are emitted."""
    by_cls: dict[str, list[Const]] = {name: [] for name in CLASSES}
    for c in res.consts:
        by_cls[c.cls].append(c)

    # canonical-name preference: move the preferred name in front of the
    # first member that has the same value
    for consts in by_cls.values():
        for pref in [c for c in consts if c.pyname in PREFER_CANONICAL]:
            first = next(c for c in consts if c.value == pref.value)
            if first is pref:
                continue
            consts.remove(pref)
            consts.insert(consts.index(first), pref)
            pref.source = _lit(pref.cls, pref.value)
            for c in consts:
                if c is not pref and c.value == pref.value:
                    c.source = pref.member
    return by_cls


def _public_names(by_cls: dict[str, list[Const]]) -> list[str]:
    """``__all__``: the constants, then the classes, each sorted."""
    names = ["Enum", "IntEnum", "IntFlag"] + [n for n in CLASSES if by_cls[n]]
    names += [c.pyname for n in CLASSES for c in by_cls[n]]
    return sorted(n for n in names if n.isupper()) + sorted(n for n in names if not n.isupper())


def _write_all(w: Callable[[str], object], names: list[str]) -> None:
    w("\n__all__ = [\n")
    for n in names:
        w(f'    "{n}",\n')
    w("]\n")


def render(res: Result) -> str:
    by_cls = _ordered(res)
    out: list[str] = []
    w = out.append
    w(f"# DO NOT EDIT: generated by tools/gen_constants.py from zmq.h (libzmq {res.version})\n")
    w('"""libzmq\'s constants, as the enum classes of the pyzmq API.\n')
    w("\n")
    w("Every member is also a module-level name (``PUSH is SocketType.PUSH``); the\n")
    w("module-level name is the zmq.h name without ``ZMQ_`` (``EVENT_CONNECTED`` is\n")
    w("``Event.CONNECTED``).  Names that libzmq deprecated are aliases of the same\n")
    w("member (``IDENTITY`` / ``ROUTING_ID``).  Draft-API constants are included:\n")
    w("whether libzmq accepts them depends on how it was built.\n")
    w('"""\n\n')
    w(_RUNTIME)
    for name, (base, _prefix, doc) in CLASSES.items():
        consts = by_cls[name]
        if not consts:
            continue
        w("\n")
        w(f"@_decorate({base})\n")
        w(f"class {name}:\n")
        w(f'    """{doc}"""\n\n')
        for c in consts:
            notes = []
            if c.draft:
                notes.append("draft")
            if c.comment:
                notes.append(c.comment)
            tail = f"  # {'; '.join(notes)}" if notes else ""
            w(f"    {c.member} = {c.source}{tail}\n")
        w("\n")

    w("\n# module-level names\n")
    for name in CLASSES:
        for c in by_cls[name]:
            line = f"{c.pyname} = {name}.{c.member}"
            if len(line) > 100:
                line = f"{c.pyname} = (\n    {name}.{c.member}\n)"
            w(line + "\n")

    _write_all(w, _public_names(by_cls))
    return "".join(out)


_STUB_DOC = '''"""Type stub of zmqx.constants: the enum classes, and every member's
module-level name as a Final literal (so ``zmqx.PUSH`` is ``SocketType.PUSH`` to
a type checker, and ``getsockopt(zmqx.LAST_ENDPOINT)`` can be typed ``bytes``).
"""

from enum import Enum as Enum
from enum import IntEnum as IntEnum
from enum import IntFlag as IntFlag
from typing import Final
'''


def _stub_value(c: Const) -> str:
    """A member's value in the stub: its literal or the member it aliases; ``...``
    where the value is only known at run time (system errno values)."""
    if re.fullmatch(r"-?(0[xX][0-9a-fA-F]+|\d+)|[A-Z_][A-Z0-9_]*", c.source):
        return c.source
    return "..."


def render_stub(res: Result) -> str:
    """The type stub (``constants.pyi``) of the module that render() writes."""
    by_cls = _ordered(res)
    out: list[str] = []
    w = out.append
    w(f"# DO NOT EDIT: generated by tools/gen_constants.py from zmq.h (libzmq {res.version})\n")
    w(_STUB_DOC)
    for name, (base, _prefix, doc) in CLASSES.items():
        if not by_cls[name]:
            continue
        w(f"\nclass {name}({base}):\n")
        w(f'    """{doc}"""\n\n')
        for c in by_cls[name]:
            w(f"    {c.member} = {_stub_value(c)}\n")
    w("\n")
    for name in CLASSES:
        for c in by_cls[name]:
            w(f"{c.pyname}: Final = {name}.{c.member}\n")
    _write_all(w, _public_names(by_cls))
    return "".join(out)


def default_header() -> str:
    candidates = []
    if shutil.which("pkg-config"):
        try:
            inc = subprocess.run(
                ["pkg-config", "--variable=includedir", "libzmq"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
        except subprocess.CalledProcessError:
            inc = ""
        if inc:
            candidates.append(os.path.join(inc, "zmq.h"))
    candidates += ["/usr/include/zmq.h", "/usr/local/include/zmq.h"]
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError("zmq.h not found (install libzmq's headers or pass its path)")


def generate(header: str) -> tuple[str, Result]:
    with open(header, encoding="utf-8", errors="replace") as f:
        res = parse(f.read())
    return render(res), res


def stub_path(output: str) -> str:
    """Where the type stub of the module written to output goes: beside it."""
    return os.path.splitext(output)[0] + ".pyi"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("header", nargs="?", help="path of zmq.h (default: found with pkg-config)")
    ap.add_argument("-o", "--output", default=DEFAULT_OUTPUT, help="file to write")
    ap.add_argument("-v", "--verbose", action="store_true", help="list skipped macros")
    args = ap.parse_args(argv)
    try:
        header = args.header or default_header()
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    text, res = generate(header)
    for name in res.unknown:
        print(f"warning: {header}: {name} fits no class; left out", file=sys.stderr)
    if args.verbose:
        for name, why in res.skipped:
            print(f"skipped {name}: {why}", file=sys.stderr)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    with open(stub_path(args.output), "w", encoding="utf-8", newline="\n") as f:
        f.write(render_stub(res))
    print(f"wrote {args.output} and its stub from {header} "
          f"(libzmq {res.version}, {len(res.consts)} names)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
