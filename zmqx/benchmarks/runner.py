"""Measure the cases: every implementation in interleaved rounds, each run in a fresh process.

For each case the implementations (pyzmq, zmqx, and the C baseline where the case
has one) are measured in rounds, the order rotated every round so no
implementation always goes first.  The best figure of the rounds is kept (or the
median).  Each measurement is a fresh process in its own process group, killed
after a timeout.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from . import harness as H
from .case import Case

# the directory holding the zmqx package this suite belongs to: measured first
OWN_ZMQX_ROOT = os.path.dirname(os.path.dirname(H.PACKAGE_DIR))

PROBE = (
    "import sys, {mod} as m\n"
    "ok = hasattr(m, 'Context') and hasattr(m, 'Socket')\n"
    "where = getattr(m, '__file__', None) or list(getattr(m, '__path__', []))\n"
    "if not ok: sys.exit('import {mod} gives no usable module (no Context/Socket) from %s' "
    "% (where,))\n"
    "v = getattr(m, '__version__', '?')\n"
    "try:\n"
    "    lz = '.'.join(map(str, m.zmq_version_info()))\n"
    "except Exception:\n"
    "    lz = '?'\n"
    "print(where, v, lz)\n"
)


@dataclass
class Options:
    """How to run the suite (the command-line options, minus presentation)."""

    quick: bool = False
    rounds: int = 0  # 0: 4, or 2 when quick
    stat: str = "best"  # "best" or "median" of the rounds
    candidate: str = "zmqx"  # module in the zmqx column ("zmq" self-checks the harness)
    zmqx_path: str | None = None  # directory put on PYTHONPATH for the candidate
    no_c: bool = False
    timeout: float = 0  # per measurement; 0: the case's own

    def round_count(self) -> int:
        """Rounds per case (before a case's extra rounds)."""
        return self.rounds or (2 if self.quick else 4)


@dataclass
class Setup:
    """What was found before measuring: the environment and who can be measured."""

    env: dict[str, str]
    pyzmq_ok: bool
    pyzmq_info: str
    candidate_ok: bool
    candidate_info: str
    c_ok: bool
    c_reason: str
    started: float = field(default_factory=time.monotonic)

    def columns(self, case: Case, candidate: str) -> list[tuple[str, str]]:
        """(column, --impl) pairs measured for ``case``; the zmqx column is "cand"."""
        pairs = [("zmq", "zmq")] if self.pyzmq_ok else []
        if self.candidate_ok:
            pairs.append(("cand", candidate))
        if case.with_c and self.c_ok:
            pairs.append(("c", "c"))
        return pairs


# called after each measurement: (case, round index, rounds, implementation, text)
SampleCallback = Callable[[Case, int, int, str, str], None]


def make_env(extra_path: str | None) -> dict[str, str]:
    """This process's environment with ``extra_path`` put first on PYTHONPATH."""
    env = os.environ.copy()
    if extra_path:
        old = env.get("PYTHONPATH")
        env["PYTHONPATH"] = extra_path + (os.pathsep + old if old else "")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def probe(mod: str, env: dict[str, str]) -> tuple[bool, str]:
    """Whether ``import mod`` gives a usable binding in ``env``; (ok, where/version or why)."""
    try:
        r = subprocess.run(
            [sys.executable, "-c", PROBE.format(mod=mod)],
            env=env,
            check=False,
            cwd=H.PACKAGE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return False, f"import {mod} timed out"
    if r.returncode == 0:
        return True, r.stdout.strip()
    err = r.stderr.strip().splitlines()
    return False, (err[-1] if err else f"exit code {r.returncode}")


def choose_env(candidate: str, zmqx_path: str | None) -> tuple[dict[str, str], bool, str]:
    """Environment in which ``import <candidate>`` works: first with this suite's own
    zmqx on PYTHONPATH, then as installed.  Returns (env, ok, info)."""
    tries = [zmqx_path] if zmqx_path else [OWN_ZMQX_ROOT, None]
    reasons = []
    for extra in tries:
        env = make_env(extra)
        ok, info = probe(candidate, env)
        if ok:
            return env, True, info
        reasons.append(f"[{'PYTHONPATH=' + extra if extra else 'installed'}] {info}")
    return make_env(tries[0]), False, "; ".join(reasons)


def prepare(options: Options) -> Setup:
    """Find the bindings and build the C baselines (unless disabled)."""
    env, cand_ok, cand_info = choose_env(options.candidate, options.zmqx_path)
    base_ok, base_info = probe("zmq", env)
    c_ok, c_reason = not options.no_c, "disabled with --no-c" if options.no_c else ""
    if c_ok:
        try:
            for prog in H.C_PROGRAMS:
                H.c_binary(prog)
        except H.BenchSkip as e:
            c_ok, c_reason = False, str(e)
    return Setup(env, base_ok, base_info, cand_ok, cand_info, c_ok, c_reason)


def run_one(
    case: Case, impl: str, args: list[str], env: dict[str, str], timeout: float
) -> dict[str, Any]:
    """One measurement in a fresh process: its JSON record, or {"skip"/"error": why}."""
    cmd = H.measure_cmd(case.name, "--impl", impl, *args)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=H.PACKAGE_DIR,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except (subprocess.TimeoutExpired, KeyboardInterrupt) as e:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the child and everything it started
        except ProcessLookupError:
            pass
        proc.communicate()
        if isinstance(e, KeyboardInterrupt):
            raise
        return {"error": f"timed out after {timeout:g}s (killed)"}
    wall = time.monotonic() - t0
    try:
        rec = H.last_json(out)
    except (RuntimeError, ValueError):
        tail = (err.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return {"error": f"rc={proc.returncode}: {tail[:300]}"}
    if "skip" in rec:
        return {"skip": rec["skip"]}
    rec["wall"] = wall
    if proc.returncode != 0:
        tail = (err.strip().splitlines() or [""])[-1]
        rec["warning"] = f"rc={proc.returncode} after reporting: {tail[:300]}"
    return rec


# a ForeignLoad.mark(): (time, busy CPU seconds of the machine, CPU seconds of this run)
Mark: TypeAlias = "tuple[float, float, float] | None"


class ForeignLoad:
    """CPU used by processes other than this run (Linux: /proc/stat minus our own
    and our children's CPU time), in average busy cores: a noise indicator."""

    def __init__(self) -> None:
        self.t0 = self.mark()

    @staticmethod
    def mark() -> Mark:
        """(time, busy CPU seconds of the machine, CPU seconds of this run), or None."""
        import resource

        try:
            with open("/proc/stat") as f:
                vals = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return None
        busy = (sum(vals) - vals[3] - vals[4]) / os.sysconf("SC_CLK_TCK")
        own = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            ru = resource.getrusage(who)
            own += ru.ru_utime + ru.ru_stime
        return time.monotonic(), busy, own

    @staticmethod
    def between(a: Mark, b: Mark) -> float | None:
        """Average CPUs used by other processes between two marks."""
        if a is None or b is None or b[0] <= a[0]:
            return None
        return max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / (b[0] - a[0]))

    def total(self) -> float | None:
        """Average CPUs used by other processes since this object was made."""
        return self.between(self.t0, self.mark())


def fmt(v: float | None, unit: str) -> str:
    """A figure in a short readable form for its unit."""
    if v is None:
        return "-"
    if unit == "msg/s":
        return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v / 1e3:.1f}k"
    if unit == "MB/s":
        return f"{v:,.0f}"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def evaluate(case: Case, figs: dict[str, float]) -> tuple[float | None, str]:
    """(ratio, PASS/FAIL/SKIP) of the zmqx column ("cand") against the case's target."""
    z = figs.get("cand")
    base = figs.get(case.baseline)
    ratio = z / base if (z is not None and base) else None
    if z is None:
        return ratio, "SKIP"
    figure = z if case.target_kind == "abs" else ratio
    if figure is None:
        return ratio, "SKIP"
    return ratio, "PASS" if case.met(figure) else "FAIL"


def planned_runs(cases: list[Case], setup: Setup, options: Options) -> int:
    """How many measurements the suite will make (for a progress bar)."""
    rounds = options.round_count()
    return sum(
        (rounds + case.extra_rounds) * len(setup.columns(case, options.candidate)) for case in cases
    )


def run_case(
    case: Case, setup: Setup, options: Options, foreign: ForeignLoad, on_sample: SampleCallback
) -> dict[str, Any]:
    """Measure one case in rounds; returns its result record."""
    cand = options.candidate
    label = {"zmq": "pyzmq", "cand": cand, "c": "c"}
    b_mark = foreign.mark()
    pairs = setup.columns(case, cand)
    args = [*(case.quick_args if options.quick else case.full_args)]
    timeout = options.timeout or case.timeout
    samples: dict[str, list[float]] = {col: [] for col, _ in pairs}
    notes: dict[str, str] = {}
    rounds = options.round_count() + case.extra_rounds
    for r in range(rounds):
        k = r % len(pairs) if pairs else 0
        for col, impl in pairs[k:] + pairs[:k]:
            if notes.get(col, "").startswith("skip"):
                on_sample(case, r, rounds, label[col], "")
                continue
            rec = run_one(case, impl, args, setup.env, timeout)
            if "value" in rec:
                samples[col].append(rec["value"])
                msg = f"{fmt(rec['value'], case.unit)} {case.unit}  ({rec['wall']:.1f}s)"
                if "warning" in rec:
                    msg += f"  WARNING {rec['warning']}"
                    notes.setdefault(col, rec["warning"])
            elif "skip" in rec:
                notes[col] = "skip: " + rec["skip"]
                msg = "SKIP " + rec["skip"]
            else:
                notes.setdefault(col, "error: " + rec["error"])
                msg = "ERROR " + rec["error"]
            on_sample(case, r, rounds, label[col], msg)

    figs = {}
    for col, vals in samples.items():
        if vals:
            best = max(vals) if case.higher_is_better else min(vals)
            figs[col] = best if options.stat == "best" else statistics.median(vals)
    ratio, status = evaluate(case, figs)
    if "cand" not in figs and notes.get("cand", "").startswith("error"):
        status = "ERROR"
    # noise indicator: widest max/min spread of any implementation's samples
    spreads = [max(v) / min(v) - 1 for v in samples.values() if len(v) > 1 and min(v) > 0]
    return {
        "bench": case.name,
        "what": case.what,
        "unit": case.unit,
        "higher_is_better": case.higher_is_better,
        "stat": options.stat,
        "pyzmq": figs.get("zmq"),
        "zmqx": figs.get("cand"),
        "c": figs.get("c"),
        "ratio": ratio,
        "ratio_of": f"{cand} / {'pyzmq' if case.baseline == 'zmq' else 'C'}",
        "target": case.target_text(),
        "target_kind": case.target_kind,
        "status": status,
        "rounds": rounds,
        "spread": max(spreads) if spreads else None,
        "other_cpu": foreign.between(b_mark, foreign.mark()),
        "samples": {label[c]: v for c, v in samples.items()},
        "notes": {label[c]: v for c, v in notes.items()},
        "args": args,
    }
