"""Showing the suite as it runs and when it ends: plainly, or with rich when installed.

The plain reporter prints one line per measurement on stderr and an aligned text
table on stdout.  The rich reporter (``pip install zmqx[cli]``) shows a progress
bar instead and draws the table with rich.  Both print the same columns.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from .case import Case
from .runner import Options, Setup, fmt

COLUMNS = ("benchmark", "unit", "pyzmq", "zmqx", "C", "ratio", "target", "result", "spread", "busy")


def column_names(candidate: str) -> tuple[str, ...]:
    """The table's header; the zmqx column says when pyzmq stands in for zmqx."""
    return (
        COLUMNS
        if candidate == "zmqx"
        else tuple(f"{candidate}(cand)" if name == "zmqx" else name for name in COLUMNS)
    )


def cpu_model() -> str:
    """The processor's model name (Linux), or what platform knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header_lines(setup: Setup, options: Options) -> list[tuple[str, str]]:
    """(label, text) lines saying what is measured and where."""
    cand = options.candidate
    c_text = "built" if setup.c_ok else "SKIPPED - " + setup.c_reason
    rounds = options.round_count()
    return [
        ("python", f"{sys.version.split()[0]} ({sys.executable})"),
        (
            "machine",
            (
                f"{cpu_model()}, {os.cpu_count()} cpus, "
                f"loadavg {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
            ),
        ),
        ("pyzmq", setup.pyzmq_info if setup.pyzmq_ok else "SKIPPED - " + setup.pyzmq_info),
        (cand, setup.candidate_info if setup.candidate_ok else "SKIPPED - " + setup.candidate_info),
        ("C", c_text),
        ("mode", f"{'quick' if options.quick else 'full'}, {rounds} rounds, stat={options.stat}"),
    ]


def table_rows(results: list[dict[str, Any]]) -> list[list[str]]:
    """The table's cells, one list of strings per result."""
    rows = []
    for res in results:
        ratio, spread, busy = res["ratio"], res["spread"], res["other_cpu"]
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
                "-" if spread is None else f"{spread * 100:.0f}%",
                "-" if busy is None else f"{busy:.2f}",
            ]
        )
    return rows


def footnotes(
    results: list[dict[str, Any]],
    setup: Setup,
    options: Options,
    other_cpu: float | None,
    elapsed: float,
) -> list[str]:
    """Lines under the table: how to read it, what was skipped, how busy the machine was."""
    cand = options.candidate
    lines = [
        (
            f"ratio = {cand} figure / baseline figure (pyzmq, or C where the target says C); "
            f"for 'abs' targets the {cand} figure itself is compared.  {options.stat} of "
            f"{options.round_count()} rounds (noisy ones more); spread = widest max/min - 1 "
            "among an implementation's samples; busy = cpus used by other processes meanwhile "
            "(both: machine noise)."
        )
    ]
    for res in results:
        for who, note in res["notes"].items():
            lines.append(f"note: {res['bench']} [{who}] {note}")
    if not setup.pyzmq_ok:
        lines.append(f"note: pyzmq was skipped (no ratios to it): {setup.pyzmq_info}")
    if not setup.candidate_ok:
        lines.append(f"note: {cand} was skipped: {setup.candidate_info}")
    if not setup.c_ok:
        lines.append(f"note: C baselines skipped: {setup.c_reason}")
    if other_cpu is not None:
        lines.append(
            f"other processes used {other_cpu:.2f} of {os.cpu_count()} cpus on average during "
            "this run"
            + (
                "  <- busy machine: figures are noisy, consider re-running"
                if other_cpu > 0.5
                else ""
            )
        )
    lines.append(f"total time {elapsed:.0f}s")
    return lines


class PlainReporter:
    """Progress as one stderr line per measurement; the table as aligned text."""

    def header(self, lines: list[tuple[str, str]]) -> None:
        """Print what is measured and where."""
        for label, text in lines:
            print(f"{label:9} {text}", flush=True)
        print()

    def start(self, total: int) -> None:
        """Measuring begins: ``total`` measurements are planned."""
        self.total, self.done = total, 0

    def sample(self, case: Case, rnd: int, rounds: int, who: str, text: str) -> None:
        """One measurement is done (``text``: its figure, or why there is none)."""
        self.done += 1
        if text:
            print(
                f"  [{self.done}/{self.total}] {case.name:22} round {rnd + 1}/{rounds} "
                f"{who:5} {text}",
                file=sys.stderr,
                flush=True,
            )

    def stop(self) -> None:
        """Measuring is over (or was interrupted)."""

    def table(
        self, results: list[dict[str, Any]], notes: list[str], header: tuple[str, ...] = COLUMNS
    ) -> None:
        """Print the results (under ``header``) and the notes under them."""
        rows = table_rows(results)
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
        line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
        print(line)
        print("-" * len(line))
        for row in rows:
            print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))
        print()
        for note in notes:
            print(note)


class RichReporter(PlainReporter):
    """A progress bar on stderr while measuring; the table drawn by rich."""

    def __init__(self) -> None:
        from rich.console import Console

        self.out = Console()
        self.err = Console(stderr=True)

    def header(self, lines: list[tuple[str, str]]) -> None:
        """Print what is measured and where."""
        for label, text in lines:
            self.out.print(f"[bold]{label:9}[/bold] {text}", highlight=False)
        self.out.print()

    def start(self, total: int) -> None:
        """Measuring begins: ``total`` measurements are planned."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
        )
        self.task = self.progress.add_task("benchmarks", total=total)
        self.progress.start()

    def sample(self, case: Case, rnd: int, rounds: int, who: str, text: str) -> None:
        """One measurement is done (``text``: its figure, or why there is none)."""
        self.progress.update(
            self.task, advance=1, description=f"{case.name} round {rnd + 1}/{rounds} {who}"
        )
        if text.startswith(("ERROR", "SKIP")) or "WARNING" in text:
            self.progress.console.print(f"{case.name} [{who}] {text}", highlight=False)

    def stop(self) -> None:
        """Measuring is over (or was interrupted)."""
        self.progress.stop()

    def table(
        self, results: list[dict[str, Any]], notes: list[str], header: tuple[str, ...] = COLUMNS
    ) -> None:
        """Print the results and the notes under them."""
        from rich import box
        from rich.measure import Measurement
        from rich.table import Table

        table = Table(*header, box=box.SIMPLE_HEAD)
        style = {"PASS": "green", "FAIL": "red", "ERROR": "red", "SKIP": "yellow"}
        for row in table_rows(results):
            row[7] = f"[{style.get(row[7], 'default')}]{row[7]}[/]"
            table.add_row(*row)
        unbounded = self.out.options.update_width(10_000)
        if Measurement.get(self.out, unbounded, table).maximum > self.out.width:
            # squeezed into a narrow terminal, rich would cut the figures short
            super().table(results, notes, header)
            return
        self.out.print(table)
        for note in notes:
            self.out.print(note, highlight=False, soft_wrap=True)


def reporter(plain: bool) -> PlainReporter:
    """The rich reporter when rich is installed, output goes to a terminal and plain
    output was not asked for; else the plain one (also best for logs and pipes)."""
    if plain or os.environ.get("ZMQX_PLAIN"):
        return PlainReporter()
    try:
        rich = RichReporter()
    except ImportError:
        return PlainReporter()
    return rich if rich.out.is_terminal else PlainReporter()
