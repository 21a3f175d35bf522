"""Helpers shared by the reliability tests: figures, child processes, ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import zmqx

HERE = Path(__file__).resolve().parent
# The directory that holds the zmqx package, so children import the same build.
ROOT = Path(zmqx.__file__).resolve().parent.parent

# Every figure recorded in this session, for the terminal summary.
FIGURES: list[str] = []


def record(test: str, **figures: object) -> str:
    """Print a test's figures and append them to $ZMQX_FIGURES when set."""
    parts = []
    for key, value in figures.items():
        if isinstance(value, float):
            value = f"{value:.4g}"
        parts.append(f"{key}={value}")
    line = f"[figures] {test}: " + ", ".join(parts)
    print(line, flush=True)
    FIGURES.append(line)
    path = os.environ.get("ZMQX_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return line


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a Python child: same zmqx, unbuffered, faulthandler on."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONFAULTHANDLER"] = "1"
    env.pop("ZMQX_FIGURES", None)  # children report to the parent, not the file
    env.update(extra)
    return env


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"killed by signal {name}"
    return f"exit status {returncode}"


def run_python(
    args: list[str],
    timeout: float,
    *,
    prefix: list[str] | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python args...` to completion; a hang past timeout fails the test
    with whatever the child printed (faulthandler dumps its stacks first)."""
    cmd = (prefix or []) + [sys.executable, *args]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or child_env(),
        stdin=subprocess.PIPE if input else subprocess.DEVNULL,
    )
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        # ask for stacks (faulthandler is registered on SIGABRT), then kill
        proc.send_signal(signal.SIGABRT)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        raise AssertionError(
            f"child {' '.join(args)} hung for more than {timeout} s\n"
            f"--- stdout ---\n{out[-6000:]}\n--- stderr ---\n{err[-6000:]}"
        ) from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def check_child(result: subprocess.CompletedProcess[str], what: str) -> None:
    """Fail with the child's output unless it exited with status 0."""
    if result.returncode != 0:
        raise AssertionError(
            f"{what}: child {describe_exit(result.returncode)}\n"
            f"--- stdout ---\n{result.stdout[-8000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
        )


def json_lines(text: str, tag: str = "RESULT ") -> list[dict]:
    """The JSON objects a child printed on lines starting with tag."""
    return [json.loads(line[len(tag) :]) for line in text.splitlines() if line.startswith(tag)]


def free_tcp_port() -> int:
    """A loopback port nobody listens on (at the time of the call)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int | None = None) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.end
