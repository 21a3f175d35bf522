#!/usr/bin/env python
"""Run the zmqx benchmark suite: pyzmq vs zmqx (and C baselines), same run.

    python benchmarks/run.py [--quick] [--only NAME[,NAME...]] [--json out.json]

Each benchmark is measured for every implementation in rounds, interleaved
(zmq, zmqx, [c], then the next round in rotated order), each measurement in a
fresh subprocess ``python benchmarks/<bench>.py --impl X ...`` that prints one
JSON line.  The best figure of the rounds is kept (``--stat median`` for the
median) and a table of pyzmq / zmqx / C figures, the ratio and the target is
printed.  If ``import zmqx`` does not give a usable module, zmqx is skipped
with a clear line and the pyzmq (and C) figures are still measured.

``--candidate zmq`` measures pyzmq in the zmqx column too (a self-check of the
harness: every ratio should come out near 1).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C


@dataclass
class Bench:
    name: str
    script: str
    unit: str
    higher_is_better: bool
    what: str
    full_args: list = field(default_factory=list)
    quick_args: list = field(default_factory=list)
    with_c: bool = False  # also measure the C program (--impl c)
    baseline: str = "zmq"  # denominator of the ratio: "zmq" or "c"
    target_kind: str = "ratio"  # "ratio" (zmqx / baseline) or "abs" (zmqx figure)
    target_op: str = ">="
    target: float = 1.0
    timeout: float = 120.0
    extra_rounds: int = 0  # noisy benchmarks get more rounds
    extra_args: list = field(default_factory=list)

    def target_text(self) -> str:
        if self.target_kind == "abs":
            return f"{self.target_op} {self.target:g} {self.unit.split('/')[0]}"
        base = "pyzmq" if self.baseline == "zmq" else "C"
        return f"{self.target_op} {self.target:.2f} x {base}"


BENCHES = [
    Bench(
        "throughput_tcp",
        "throughput_tcp.py",
        "msg/s",
        True,
        "PUSH->PULL tcp, 64 B, sender process, recv() copy=True",
        ["--count", "1000000"],
        ["--count", "200000"],
        with_c=True,
        target_op=">=",
        target=3.0,
    ),
    Bench(
        "throughput_multipart",
        "throughput_multipart.py",
        "msg/s",
        True,
        "same, 4 x 64 B frames, send_multipart/recv_multipart",
        ["--count", "300000"],
        ["--count", "200000"],
        with_c=True,
        target_op=">=",
        target=10.0,
    ),
    Bench(
        "inproc_threads",
        "inproc_threads.py",
        "msg/s",
        True,
        "inproc PUSH->PULL, two threads, 64 B",
        ["--count", "600000"],
        ["--count", "200000"],
        target_op=">=",
        target=3.0,
    ),
    Bench(
        "getsockopt_rcvmore",
        "getsockopt_rcvmore.py",
        "ns/call",
        False,
        "sock.getsockopt(zmq.RCVMORE), raw ns incl. call overhead",
        ["--repeat", "5", "--min-time", "0.2"],
        ["--repeat", "3", "--min-time", "0.1"],
        target_kind="abs",
        target_op="<=",
        target=150.0,
    ),
    Bench(
        "poll_idle_1000",
        "poll_idle_1000.py",
        "us/call",
        False,
        "Poller.poll(0), 1000 idle inproc PULL sockets",
        ["--repeat", "5", "--min-time", "0.2"],
        ["--repeat", "3", "--min-time", "0.1"],
        with_c=True,
        target_kind="abs",
        target_op="<=",
        target=50.0,
    ),
    Bench(
        "reqrep_latency",
        "reqrep_latency.py",
        "us/rt",
        False,
        "REQ/REP round trip, tcp loopback, C echo server process",
        ["--count", "10000"],
        ["--count", "3000", "--warmup", "500"],
        with_c=True,
        baseline="c",
        target_op="<=",
        target=1.15,
    ),
    Bench(
        "zerocopy_1mib",
        "zerocopy_1mib.py",
        "MB/s",
        True,
        "1 MiB numpy buffer, send/recv copy=False, inproc, one thread, batches of 100",
        ["--count", "20000"],
        ["--count", "5000"],
        target_op=">=",
        target=1.0,
    ),
    Bench(
        "import_time",
        "import_time.py",
        "ms",
        False,
        "in-process wall time of `import X`, fresh process, best of N",
        ["--n", "15"],
        ["--n", "10"],
        target_op="<=",
        target=0.5,
    ),
    Bench(
        "proxy_throughput",
        "proxy_throughput.py",
        "msg/s",
        True,
        "zmq.proxy(PULL, PUSH) in a thread vs C zmq_proxy; C peers, 64 B",
        ["--count", "2000000"],
        ["--count", "500000"],
        with_c=True,
        baseline="c",
        extra_rounds=2,
        target_op=">=",
        target=0.90,
    ),
    Bench(
        "monitored_queue",
        "monitored_queue.py",
        "msg/s",
        True,
        "devices.monitored_queue(PULL, PUSH, PUB) vs C zmq_proxy + capture PUB",
        ["--count", "500000"],
        ["--count", "200000"],
        with_c=True,
        baseline="c",
        extra_rounds=2,
        target_op=">=",
        target=0.90,
    ),
]
BY_NAME = {b.name: b for b in BENCHES}

PROBE = (
    "import sys, {mod} as m\n"
    "ok = hasattr(m, 'Context') and hasattr(m, 'Socket')\n"
    "where = getattr(m, '__file__', None) or list(getattr(m, '__path__', []))\n"
    "if not ok:\n"
    "    sys.exit('import {mod} gives no usable module (no Context/Socket) from %s' % (where,))\n"
    "v = getattr(m, '__version__', '?')\n"
    "try:\n"
    "    lz = '.'.join(map(str, m.zmq_version_info()))\n"
    "except Exception:\n"
    "    lz = '?'\n"
    "print(where, v, lz)\n"
)


def make_env(extra_path: str | None) -> dict:
    env = os.environ.copy()
    if extra_path:
        old = env.get("PYTHONPATH")
        env["PYTHONPATH"] = extra_path + (os.pathsep + old if old else "")
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def probe(mod: str, env: dict) -> tuple[bool, str]:
    try:
        r = subprocess.run(
            [sys.executable, "-c", PROBE.format(mod=mod)],
            env=env,
            check=False,
            cwd=C.BENCH_DIR,
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


def choose_env(candidate: str, zmqx_path: str | None) -> tuple[dict, bool, str]:
    """Environment in which `import <candidate>` works: first with the repo root
    (in-place build) on PYTHONPATH, then as installed.  Returns (env, ok, info)."""
    tries = [zmqx_path] if zmqx_path else [C.REPO_DIR, None]
    reasons = []
    for extra in tries:
        env = make_env(extra)
        ok, info = probe(candidate, env)
        if ok:
            return env, True, info
        reasons.append(f"[{'PYTHONPATH=' + extra if extra else 'installed'}] {info}")
    return make_env(tries[0]), False, "; ".join(reasons)


def run_one(bench: Bench, impl: str, args_list: list, env: dict, timeout: float) -> dict:
    cmd = [sys.executable, os.path.join(C.BENCH_DIR, bench.script), "--impl", impl, *args_list]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=C.BENCH_DIR,
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
        rec = C.last_json(out)
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


class ForeignLoad:
    """CPU used by processes other than this run (Linux: /proc/stat minus our own
    and our children's CPU time), in average busy cores: a noise indicator."""

    def __init__(self):
        self.t0 = self.mark()

    @staticmethod
    def mark():
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
    def between(a, b):
        if a is None or b is None or b[0] <= a[0]:
            return None
        return max(0.0, ((b[1] - a[1]) - (b[2] - a[2])) / (b[0] - a[0]))

    def total(self):
        return self.between(self.t0, self.mark())


def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit in ("msg/s",):
        if v >= 1e6:
            return f"{v / 1e6:.2f}M"
        return f"{v / 1e3:.1f}k"
    if unit == "MB/s":
        return f"{v:,.0f}"
    return f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def evaluate(bench: Bench, figs: dict, cand: str) -> tuple[float | None, str]:
    """figs: column -> figure, columns "zmq", "cand", "c"."""
    z = figs.get(cand)
    base = figs.get(bench.baseline)
    ratio = z / base if (z is not None and base) else None
    if z is None:
        return ratio, "SKIP"
    if bench.target_kind == "abs":
        v = z
    else:
        if ratio is None:
            return ratio, "SKIP"
        v = ratio
    ok = v >= bench.target if bench.target_op == ">=" else v <= bench.target
    return ratio, "PASS" if ok else "FAIL"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller counts, fewer rounds (~1 min)")
    ap.add_argument(
        "--only", action="append", default=[], help="benchmark name(s), comma separated or repeated"
    )
    ap.add_argument(
        "--rounds", type=int, default=0, help="rounds per benchmark (default 4, quick 2)"
    )
    ap.add_argument("--stat", choices=("best", "median"), default="best")
    ap.add_argument("--json", metavar="PATH", help="also write all results as JSON")
    ap.add_argument(
        "--candidate",
        default="zmqx",
        help="module for the zmqx column (use 'zmq' to self-check the harness)",
    )
    ap.add_argument(
        "--zmqx-path",
        default=None,
        help="directory to put on PYTHONPATH for the candidate (default: try the "
        "repo root, then the installed package)",
    )
    ap.add_argument("--no-c", action="store_true", help="skip the C baselines")
    ap.add_argument("--timeout", type=float, default=0, help="per-measurement timeout (s)")
    ap.add_argument("--list", action="store_true", help="list benchmarks and exit")
    args = ap.parse_args()

    if args.list:
        for b in BENCHES:
            print(f"{b.name:22} {b.target_text():16} {b.what}")
        return 0
    names = [n for item in args.only for n in item.split(",") if n]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    benches = [BY_NAME[n] for n in names] if names else BENCHES
    rounds = args.rounds or (2 if args.quick else 4)
    cand = args.candidate
    if cand not in C.PY_IMPLS:
        ap.error("--candidate must be zmqx or zmq")

    started = time.monotonic()
    env, cand_ok, cand_info = choose_env(cand, args.zmqx_path)
    base_ok, base_info = probe("zmq", env)
    print(f"python    {sys.version.split()[0]} ({sys.executable})")
    print(
        f"machine   {platform.machine()}, {os.cpu_count()} cpus, "
        f"loadavg {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"pyzmq     {base_info if base_ok else 'UNAVAILABLE: ' + base_info}")
    if cand_ok:
        print(f"{cand:9} {cand_info}")
    else:
        print(f"{cand:9} SKIPPED - import {cand} failed: {cand_info}")
    if not base_ok:
        print("error: pyzmq (import zmq) is required as the reference", file=sys.stderr)
        return 2

    c_ok = not args.no_c
    c_reason = "disabled with --no-c" if args.no_c else ""
    if c_ok:
        try:
            for prog in C.C_PROGRAMS:
                C.c_binary(prog)
        except C.BenchSkip as e:
            c_ok, c_reason = False, str(e)
    print(f"C         {'built in ' + C.BUILD_DIR if c_ok else 'SKIPPED - ' + c_reason}")
    print(f"mode      {'quick' if args.quick else 'full'}, {rounds} rounds, stat={args.stat}")
    print()

    results = []
    foreign = ForeignLoad()
    for bench in benches:
        b_mark = foreign.mark()
        pairs = [("zmq", "zmq")]  # (column, --impl); "cand" is the zmqx column
        if cand_ok:
            pairs.append(("cand", cand))
        if bench.with_c and c_ok:
            pairs.append(("c", "c"))
        bargs = bench.quick_args if args.quick else bench.full_args
        timeout = args.timeout or bench.timeout
        samples: dict[str, list] = {col: [] for col, _ in pairs}
        notes: dict[str, str] = {}
        b_rounds = rounds + bench.extra_rounds
        for r in range(b_rounds):
            k = r % len(pairs)
            order = pairs[k:] + pairs[:k]  # rotate so no implementation always goes first
            for col, impl in order:
                if notes.get(col, "").startswith("skip"):
                    continue
                rec = run_one(bench, impl, bargs, env, timeout)
                if "value" in rec:
                    samples[col].append(rec["value"])
                    msg = f"{fmt(rec['value'], bench.unit)} {bench.unit}  ({rec['wall']:.1f}s)"
                    if "warning" in rec:
                        msg += f"  WARNING {rec['warning']}"
                        notes.setdefault(col, rec["warning"])
                elif "skip" in rec:
                    notes[col] = "skip: " + rec["skip"]
                    msg = "SKIP " + rec["skip"]
                else:
                    notes.setdefault(col, "error: " + rec["error"])
                    msg = "ERROR " + rec["error"]
                label = cand if col == "cand" else impl
                print(
                    f"  {bench.name:22} round {r + 1}/{b_rounds} {label:5} {msg}",
                    file=sys.stderr,
                    flush=True,
                )

        figs = {}
        for col, vals in samples.items():
            if vals:
                best = max(vals) if bench.higher_is_better else min(vals)
                figs[col] = best if args.stat == "best" else statistics.median(vals)
        ratio, status = evaluate(bench, figs, "cand")
        if not cand_ok:
            status = "SKIP"
        elif "cand" not in figs:
            status = "ERROR" if notes.get("cand", "").startswith("error") else "SKIP"
        label = {"zmq": "pyzmq", "cand": cand, "c": "c"}
        busy = foreign.between(b_mark, foreign.mark())
        # noise indicator: widest max/min spread of any implementation's samples
        spreads = [max(v) / min(v) - 1 for v in samples.values() if len(v) > 1 and min(v) > 0]
        results.append(
            {
                "bench": bench.name,
                "what": bench.what,
                "unit": bench.unit,
                "higher_is_better": bench.higher_is_better,
                "stat": args.stat,
                "pyzmq": figs.get("zmq"),
                "zmqx": figs.get("cand"),
                "c": figs.get("c"),
                "ratio": ratio,
                "ratio_of": f"{cand} / {'pyzmq' if bench.baseline == 'zmq' else 'C'}",
                "target": bench.target_text(),
                "target_kind": bench.target_kind,
                "status": status,
                "rounds": b_rounds,
                "spread": max(spreads) if spreads else None,
                "other_cpu": busy,
                "samples": {label[c]: v for c, v in samples.items()},
                "notes": {label[c]: v for c, v in notes.items()},
                "args": bargs,
            }
        )

    # ---- table ---------------------------------------------------------------
    head = [
        "benchmark",
        "unit",
        "pyzmq",
        cand if cand != "zmq" else "zmq(cand)",
        "C",
        "ratio",
        "target",
        "result",
        "spread",
        "busy",
    ]
    rows = []
    for res in results:
        ratio = res["ratio"]
        rows.append(
            [
                res["bench"],
                res["unit"],
                fmt(res["pyzmq"], res["unit"]),
                fmt(res["zmqx"], res["unit"]),
                fmt(res["c"], res["unit"]),
                "-" if ratio is None else f"{ratio:.2f}",
                res["target"],
                res["status"],
                "-" if res["spread"] is None else f"{res['spread'] * 100:.0f}%",
                "-" if res["other_cpu"] is None else f"{res['other_cpu']:.2f}",
            ]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
    print()
    print(
        f"ratio = {cand} figure / baseline figure (pyzmq, or C where the target says C); "
        f"for 'abs' targets the {cand} figure itself is compared.  {args.stat} of {rounds} "
        f"rounds (noisy ones more); spread = widest max/min - 1 among an implementation's "
        f"samples; busy = cpus used by other processes meanwhile (both: machine noise)."
    )
    for res in results:
        for who, note in res["notes"].items():
            print(f"note: {res['bench']} [{who}] {note}")
    if not cand_ok:
        print(f"note: {cand} was skipped: {cand_info}")
    if not c_ok:
        print(f"note: C baselines skipped: {c_reason}")
    other = foreign.total()
    if other is not None:
        print(
            f"other processes used {other:.2f} of {os.cpu_count()} cpus on average during this run"
            + ("  <- busy machine: figures are noisy, consider re-running" if other > 0.5 else "")
        )
    elapsed = time.monotonic() - started
    print(f"total time {elapsed:.0f}s")

    if args.json:
        meta = {
            "python": sys.version,
            "executable": sys.executable,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_end": os.getloadavg(),
            "pyzmq": base_info,
            "candidate": cand,
            "candidate_ok": cand_ok,
            "candidate_info": cand_info,
            "c_ok": c_ok,
            "c_reason": c_reason,
            "quick": args.quick,
            "rounds": rounds,
            "stat": args.stat,
            "elapsed_s": elapsed,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=2)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
