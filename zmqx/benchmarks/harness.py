"""What the benchmark cases share: loading the binding, reporting, C builds, children.

Every case is written against the pyzmq API and takes the module to measure as
``--impl`` (``zmq`` = pyzmq, ``zmqx``; some also take ``c`` for a plain-C
baseline).  A measurement prints exactly one JSON line on stdout.  Nothing here
imports zmqx: a process measuring pyzmq never loads it.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import timeit

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
C_DIR = os.path.join(PACKAGE_DIR, "c")
# the process entry point; measurements run it by path (see __main__.py)
ENTRY = os.path.join(PACKAGE_DIR, "__main__.py")

PY_IMPLS = ("zmq", "zmqx")

T = TypeVar("T")


class BenchSkip(Exception):
    """Raised when a measurement cannot be made here (no compiler, no zmqx...)."""


def base_parser(description: str, impls: Sequence[str] = PY_IMPLS) -> argparse.ArgumentParser:
    """An argument parser with the ``--impl`` option every case takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--impl", choices=impls, default="zmq", help="module to measure")
    return p


def message_parser(description: str, count: int) -> argparse.ArgumentParser:
    """base_parser plus the options of the message-moving cases: --count (messages),
    --size (bytes each) and --chunks (timed slices; the median slice rate is the figure)."""
    p = base_parser(description)
    p.add_argument("--count", type=int, default=count)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--chunks", type=int, default=10, help="timed slices; the median is reported")
    return p


def load_impl(name: str) -> ModuleType:
    """Import the binding under test; fail clearly if it is not usable."""
    if name not in PY_IMPLS:
        raise ValueError(f"not a Python implementation: {name}")
    try:
        mod = importlib.import_module(name)
    except Exception as e:  # ImportError, or a broken compiled core
        raise BenchSkip(f"import {name} failed: {type(e).__name__}: {e}") from e
    if not hasattr(mod, "Context") or not hasattr(mod, "Socket"):
        # e.g. an empty source tree imported as a namespace package
        where = getattr(mod, "__file__", None) or list(getattr(mod, "__path__", []))
        raise BenchSkip(f"import {name} gives no usable module (no Context/Socket) from {where}")
    return mod


def emit(bench: str, impl: str, value: float, unit: str, **extra: object) -> None:
    """Print the one JSON line that reports a measurement."""
    rec: dict[str, object] = {"bench": bench, "impl": impl, "value": value, "unit": unit}
    rec.update(extra)
    sys.stdout.write(json.dumps(rec) + "\n")
    sys.stdout.flush()


def main_guard(fn: Callable[[], object]) -> None:
    """Run a benchmark main(); turn BenchSkip into a JSON 'skip' line + exit 3."""
    try:
        fn()
    except BenchSkip as e:
        sys.stdout.write(json.dumps({"skip": str(e)}) + "\n")
        sys.stdout.flush()
        sys.exit(3)


def measure_cmd(case: str, *args: object) -> list[str]:
    """Command line of a fresh process running one measurement of ``case``."""
    return [sys.executable, ENTRY, "measure", case, *map(str, args)]


def exit_hard_after(seconds: float) -> None:
    """Safety net: kill this process if teardown hangs (result already printed)."""
    import threading

    def _bye() -> None:
        time.sleep(seconds)
        sys.stderr.write(f"warning: teardown took > {seconds}s, forcing exit\n")
        sys.stderr.flush()
        os._exit(4)

    threading.Thread(target=_bye, daemon=True).start()


# ---------------------------------------------------------------------------
# C baselines
# ---------------------------------------------------------------------------

C_PROGRAMS = ("throughput", "proxy", "reqrep_latency", "poll_idle")


def _zmq_flags() -> list[str]:
    if shutil.which("pkg-config"):
        r = subprocess.run(
            ["pkg-config", "--cflags", "--libs", "libzmq"],
            capture_output=True,
            text=True,
            check=False,
        )
        if r.returncode == 0:
            return r.stdout.split()
    return ["-lzmq"]


def find_cc() -> str | None:
    """The C compiler to build baselines with ($CC, cc, gcc or clang), or None."""
    for cc in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if cc and shutil.which(cc):
            return cc
    return None


def build_dir() -> str:
    """Where compiled C baselines are kept: a per-user cache (the package may be read-only)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zmqx", "bench-c")


def c_binary(name: str) -> str:
    """Path of the compiled C baseline ``name``, built on first use.

    The binary's name carries a hash of its sources and build flags, so an edit, a
    new libzmq or another zmqx version never reuses a stale build.  Raises BenchSkip
    when there is no compiler or the build fails.
    """
    src = os.path.join(C_DIR, name + ".c")
    flags = _zmq_flags()
    digest = hashlib.sha256(" ".join(flags).encode())
    for path in (src, os.path.join(C_DIR, "common.h")):
        with open(path, "rb") as f:
            digest.update(f.read())
    out_dir = build_dir()
    out = os.path.join(out_dir, f"{name}-{digest.hexdigest()[:16]}")
    if os.path.exists(out):
        return out
    cc = find_cc()
    if cc is None:
        raise BenchSkip("no C compiler (cc/gcc/clang) found; C baseline skipped")
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=name + ".", dir=out_dir)
    os.close(fd)
    cmd = [cc, "-O2", "-o", tmp, src, *flags]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if r.returncode != 0:
        os.unlink(tmp)
        raise BenchSkip(f"C build failed ({' '.join(cmd)}): {r.stderr.strip()[:500]}")
    os.chmod(tmp, 0o755)
    os.replace(tmp, out)  # atomic, so concurrent builders never see half a file
    return out


# ---------------------------------------------------------------------------
# child processes
# ---------------------------------------------------------------------------


def spawn(cmd: list[str], **kw: Any) -> subprocess.Popen[str]:
    """Start a child process with text pipes for stdout and stderr."""
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def read_announce(proc: subprocess.Popen[str], timeout: float = 20.0) -> str:
    """First stdout line of a child that binds and announces its endpoint(s)."""
    import selectors

    stdout = proc.stdout
    if stdout is None:
        raise ValueError("the child's stdout is not a pipe (start it with spawn())")
    sel = selectors.DefaultSelector()
    sel.register(stdout, selectors.EVENT_READ)
    ready = sel.select(timeout)
    sel.close()
    line = stdout.readline() if ready else ""
    if not line.strip():
        _, err = reap(proc, 1.0)  # communicate() has read and closed stderr
        args = proc.args
        program = args if isinstance(args, (str, bytes, os.PathLike)) else args[0]
        raise RuntimeError(
            f"{os.fsdecode(program)} announced no endpoint: {err.strip()[:500]}"
        )
    return line.strip()


def reap(proc: subprocess.Popen[str], timeout: float = 20.0) -> tuple[str, str]:
    """Wait for a child (killing it after ``timeout``); return (stdout, stderr)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return out or "", err or ""


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop a long-running helper (C proxy, echo server) we started."""
    if proc.poll() is None:
        proc.terminate()
    reap(proc, 5.0)


def last_json(text: str) -> dict[str, Any]:
    """The last JSON object line of a child's output."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            record: dict[str, Any] = json.loads(line)
            return record
    raise RuntimeError(f"no JSON result in output: {text.strip()[:500]!r}")


def best_per_call(
    timer: timeit.Timer, repeat: int = 5, min_time: float = 0.2, number: int = 0
) -> tuple[float, int]:
    """Best seconds-per-call over ``repeat`` runs of a timeit.Timer.

    Unless ``number`` is given, calibrate it (like timeit's autorange) so one run
    lasts at least ``min_time`` seconds: a fast binding and a slow one then get
    the same time budget.  Returns (seconds_per_call, number).
    """
    if number <= 0:
        number = 1
        while True:
            if timer.timeit(number) >= min_time / 4 or number >= 1 << 30:
                break
            number *= 4
        number = max(1, int(number * min_time / max(timer.timeit(number), 1e-9)))
    else:
        timer.timeit(max(1, number // 10))  # warm-up
    best = min(timer.repeat(repeat=repeat, number=number))
    return best / number, number


def timed_calls(
    fn: Callable[[], T], n: int, chunks: int = 10
) -> tuple[T, float, list[float]]:
    """Call ``fn()`` ``n`` times, timing ``chunks`` equal slices separately.

    Returns (last_result, total_seconds, chunk_rates).  Benchmarks report the
    median slice rate (robust to a short stall caused by another process on a
    shared machine) and keep the overall rate as an extra.  ``n`` must be at least 1.
    """
    if n < 1:
        raise ValueError(f"timed_calls needs at least one call, got n={n}")
    perf = time.perf_counter
    chunks = max(1, min(chunks, n))
    per = n // chunks
    rates: list[float] = []
    last: T  # assigned by the first call (n >= 1)
    done = 0
    t_start = perf()
    for c in range(chunks):
        k = per if c < chunks - 1 else n - done
        t = perf()
        for _ in range(k):
            last = fn()
        rates.append(k / max(perf() - t, 1e-9))
        done += k
    return last, perf() - t_start, rates


def median(values: Iterable[float]) -> float:
    """The median of ``values``."""
    import statistics

    return statistics.median(values)
