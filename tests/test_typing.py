"""Static typing of zmqx's public API, checked by mypy and by pyright.

- mypy --strict over the package, examples/ and the snippets below reports
  nothing but the marked errors; mypy's stubtest finds the compiled core's
  stub (zmqx/_core/_core.pyi) in agreement with the compiled module.
- pyright agrees on examples/ and the snippets. It runs as basedpyright (a
  PyPI package that bundles pyright's checker and node, so it needs no
  network), set to pyright's own strict mode (tests/typing/pyrightconfig.json).

Snippets: tests/typing/ok/*.py is realistic code using the API; neither checker
may report anything in it, and each file also runs as a program, so what it
asserts about types holds at run time too. tests/typing/bad/*.py is deliberate
misuse: every line that must be reported ends with `# E: <mypy error code>
<pyright rule>`, and each checker must report an error of that code on exactly
the marked lines. To cover more of the API (zmqx.asyncio, say), add a file to
ok/ or bad/; file names must be unique across both folders, since mypy checks
everything as one program. Each checker runs once for all files.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "tests" / "typing"
OK = sorted((SNIPPETS / "ok").glob("*.py"))
BAD = sorted((SNIPPETS / "bad").glob("*.py"))
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
CACHE = Path(sys.prefix) / ".typing-cache"
MARKER = re.compile(r"#\s*E:\s*(\S+)\s+(\S+)\s*$")

pytestmark = pytest.mark.timeout(600)


def _relative(path: str | Path) -> str:
    return str(Path(path).resolve().relative_to(ROOT))


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=540, check=False)


@pytest.fixture(scope="module")
def mypy_errors() -> dict[str, list[tuple[int, str, str]]]:
    """{file: [(line, code, message)]} from one mypy run over everything."""
    pytest.importorskip("mypy", reason="mypy is not installed (tools/setup-env.sh installs it)")
    targets = ["zmqx", *map(_relative, EXAMPLES + OK + BAD)]
    result = _run([
        sys.executable, "-m", "mypy", "--config-file", "tests/typing/mypy.ini",
        "--cache-dir", str(CACHE / "mypy"), "--output", "json", *targets,
    ])
    errors: dict[str, list[tuple[int, str, str]]] = {}
    for line in result.stdout.splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry["severity"] == "error":
            errors.setdefault(_relative(entry["file"]), []).append(
                (entry["line"], entry["code"] or "", entry["message"]))
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert (result.returncode == 1) == bool(errors), result.stdout + result.stderr
    return errors


@pytest.fixture(scope="module")
def pyright_errors() -> dict[str, list[tuple[int, str, str]]]:
    """{file: [(line, rule, message)]} from one pyright run over the snippets."""
    pytest.importorskip(
        "basedpyright", reason="basedpyright is not installed (tools/setup-env.sh installs it)")
    targets = [_relative(p) for p in EXAMPLES + OK + BAD]
    result = _run([
        sys.executable, "-m", "basedpyright", "--outputjson", "--pythonpath", sys.executable,
        "--project", "tests/typing/pyrightconfig.json", *targets,
    ])
    assert result.stdout.lstrip().startswith("{"), result.stdout + result.stderr
    report = json.loads(result.stdout)
    errors: dict[str, list[tuple[int, str, str]]] = {}
    for entry in report["generalDiagnostics"]:
        if entry["severity"] == "error":
            errors.setdefault(_relative(entry["file"]), []).append(
                (entry["range"]["start"]["line"] + 1, entry.get("rule", ""), entry["message"]))
    assert report["summary"]["filesAnalyzed"] >= len(targets), result.stdout
    return errors


def _show(errors: list[tuple[int, str, str]]) -> str:
    return "\n".join(f"  line {line}: [{code}] {message}" for line, code, message in errors)


def test_package_and_examples_pass_mypy_strict(mypy_errors):
    found = {f: e for f, e in mypy_errors.items() if f.startswith(("zmqx", "examples"))}
    assert not found, "\n".join(f"{f}:\n{_show(e)}" for f, e in found.items())


def test_examples_pass_pyright(pyright_errors):
    found = {f: e for f, e in pyright_errors.items() if f.startswith("examples")}
    assert not found, "\n".join(f"{f}:\n{_show(e)}" for f, e in found.items())


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
@pytest.mark.parametrize("snippet", OK, ids=lambda p: p.name)
def test_ok_snippet_has_no_errors(snippet, checker, request):
    errors = request.getfixturevalue(f"{checker}_errors").get(_relative(snippet), [])
    assert not errors, f"{checker} on {snippet.name}:\n{_show(errors)}"


def _expected(snippet: Path) -> dict[int, tuple[str, str]]:
    """{line: (mypy code, pyright rule)} of the marked lines of a bad snippet."""
    marks = {}
    for number, text in enumerate(snippet.read_text().splitlines(), 1):
        found = MARKER.search(text)
        if found:
            marks[number] = (found.group(1), found.group(2))
    return marks


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
@pytest.mark.parametrize("snippet", BAD, ids=lambda p: p.name)
def test_bad_snippet_errors_are_reported(snippet, checker, request):
    expected = _expected(snippet)
    assert expected, f"{snippet.name} marks no line with # E: <mypy code> <pyright rule>"
    errors = request.getfixturevalue(f"{checker}_errors").get(_relative(snippet), [])
    which = 0 if checker == "mypy" else 1
    by_line: dict[int, set[str]] = {}
    for line, code, _ in errors:
        by_line.setdefault(line, set()).add(code)
    unexpected = [e for e in errors if e[0] not in expected]
    assert not unexpected, f"{checker}: errors on unmarked lines:\n{_show(unexpected)}"
    missed = {line: codes[which] for line, codes in expected.items()
              if codes[which] not in by_line.get(line, set())}
    assert not missed, (
        f"{checker} did not report, on {snippet.name}: "
        + ", ".join(f"line {line} [{code}]" for line, code in missed.items())
        + f"\nit reported:\n{_show(errors)}")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="snippets use typing.assert_type")
@pytest.mark.parametrize("snippet", OK, ids=lambda p: p.name)
def test_ok_snippet_runs(snippet):
    result = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", str(snippet)], cwd=ROOT,
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_stub_matches_the_compiled_module():
    pytest.importorskip("mypy", reason="mypy is not installed (tools/setup-env.sh installs it)")
    config = CACHE / "stubtest.ini"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[mypy]\n")
    before_312 = ["--allowlist", "tests/typing/stubtest-allowlist-before-3.12.txt"]
    result = _run([
        sys.executable, "-m", "mypy.stubtest", "--mypy-config-file", str(config),
        "--allowlist", "tests/typing/stubtest-allowlist.txt",
        *(before_312 if sys.version_info < (3, 12) else []),
        # the stub leaves out PEP 800's @disjoint_base, for checkers that predate it
        "--ignore-disjoint-bases",
        "zmqx._core._core", "zmqx.constants",
    ])
    assert result.returncode == 0, result.stdout + result.stderr


def _stub_option_names(alias: str) -> list[str]:
    """The SocketOption names in the Literal[...] called alias in _core.pyi."""
    tree = ast.parse((ROOT / "zmqx" / "_core" / "_core.pyi").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == alias:
            return [e.attr for e in ast.walk(node.value) if isinstance(e, ast.Attribute)]
    raise AssertionError(f"{alias} not found in _core.pyi")


@pytest.mark.zmqx_only
def test_stub_option_kinds_match_the_runtime(zmq):
    bytes_options = _stub_option_names("_BytesOption")
    int_options = _stub_option_names("_IntOption")
    assert not set(bytes_options) & set(int_options)
    assert set(bytes_options) | set(int_options) == set(zmq.SocketOption.__members__)
    ctx = zmq.Context()
    checked = set()
    try:
        for socket_type in (zmq.SUB, zmq.ROUTER, zmq.XPUB, zmq.DEALER):
            sock = ctx.socket(socket_type, linger=0)
            sock.bind("tcp://127.0.0.1:*")
            for names, kind in ((bytes_options, bytes), (int_options, int)):
                for name in names:
                    try:
                        value = sock.getsockopt(zmq.SocketOption[name])
                    except zmq.ZMQError:
                        continue  # write-only, or not for this type or build
                    assert type(value) is kind, f"{name}: stub says {kind.__name__}"
                    checked.add(name)
            sock.close()
    finally:
        ctx.destroy(linger=0)
    # the readable options of each kind were really compared
    assert {"LAST_ENDPOINT", "ROUTING_ID", "LINGER", "RCVMORE", "AFFINITY"} <= checked
