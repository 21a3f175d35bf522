"""Real applications on each implementation: an ipykernel kernel driven by jupyter_client,
a notebook executed by nbclient, an ipyparallel cluster.

Each application runs in a child process (a driver in tests/apps/) and starts processes
of its own (kernels, a controller, engines, their nannies). For zmqx, the driver gets
tests/apps/zmqx_site on PYTHONPATH, whose sitecustomize calls install_as_zmq(): the
driver and every process it starts run on zmqx with `import zmq` unchanged, while this
test process is left as it is. Every child is marked with a token in its environment,
so whatever is left when a test ends is found (and killed) even if it was re-parented.
Everything listens on 127.0.0.1, and Jupyter and IPython keep their files in tmp_path.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

pytest.importorskip("ipykernel", minversion="7")
pytest.importorskip("jupyter_client")
pytest.importorskip("nbclient")
pytest.importorskip("ipyparallel")

APPS = Path(__file__).parent / "apps"
ZMQX_SITE = APPS / "zmqx_site"
TOKEN_VARIABLE = "ZMQX_TEST_APP_TOKEN"
# the directories Jupyter and IPython read and write, each made in tmp_path
ISOLATED_DIRS = ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR")


@dataclass
class AppRun:
    """What a driver reported: its last record of each step, and what it printed on stderr."""

    steps: dict[str, dict[str, Any]]
    stderr: str
    timed_out: bool

    def step(self, name: str) -> dict[str, Any]:
        """The findings of a step that ended well; fails the test with the driver's report
        of the step (its error, or how far the driver got) otherwise."""
        record = self.steps.get(name)
        if record is None or "error" in record or "started" in record:
            how = "timed out" if self.timed_out else "ended"
            pytest.fail(
                f"step {name!r}: {record or 'never started'} (the driver {how};"
                f" steps reported: {list(self.steps)})\n--- stderr ---\n{self.stderr[-4000:]}",
                pytrace=False,
            )
        return record


def processes_marked(token: str) -> list[psutil.Process]:
    """The live processes whose environment carries token."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(TOKEN_VARIABLE) == token:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass  # gone, not ours, or dead already
    return found


class App:
    """Runs the drivers of tests/apps on one implementation, isolated in a directory."""

    def __init__(self, impl: str, tmp_path: Path) -> None:
        self.impl = impl
        self.cwd = tmp_path
        self.token = uuid.uuid4().hex
        env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", **{TOKEN_VARIABLE: self.token})
        for variable in ISOLATED_DIRS:
            directory = tmp_path / variable.lower()
            directory.mkdir()
            env[variable] = str(directory)
        if impl == "zmqx":
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ZMQX_SITE),
                                                              env.get("PYTHONPATH")]))
        self.env = env

    def run(self, driver: str, timeout: float) -> AppRun:
        """Run a driver to its end, or for timeout seconds: then it and all it started are
        killed, and the report says how far it got."""
        process = subprocess.Popen(
            [sys.executable, str(APPS / f"{driver}.py")], cwd=self.cwd, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        timed_out = False
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            self.kill_all()
            out, err = process.communicate()
        steps: dict[str, dict[str, Any]] = {}
        for line in out.splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                steps[record.pop("step")] = record
        return AppRun(steps, err, timed_out)

    def left(self) -> list[str]:
        """The command lines of the processes started for this test that still run."""
        alive = []
        for process in processes_marked(self.token):
            try:
                alive.append(" ".join(process.cmdline()))
            except psutil.Error:
                pass  # ended meanwhile
        return alive

    def kill_all(self) -> None:
        for process in processes_marked(self.token):
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.Error:
                pass
        psutil.wait_procs(processes_marked(self.token), timeout=5)

    def module_dir(self, path: str) -> str:
        """The package name a `zmq.__file__` seen by the application belongs to."""
        return Path(path.strip()).parent.name

    @property
    def package(self) -> str:
        return "zmqx" if self.impl == "zmqx" else "zmq"


@pytest.fixture
def app(impl_name, tmp_path):
    runner = App(impl_name, tmp_path)
    yield runner
    runner.kill_all()


@pytest.mark.timeout(60)
def test_jupyter_kernel(app):
    """An ipykernel kernel answers kernel_info, runs code that prints and code that raises,
    is interrupted in a sleeping cell and goes on, and is gone within a second of its
    shutdown request."""
    run = app.run("kernel", timeout=50)
    assert app.module_dir(run.step("zmq")["module"]) == app.package
    assert run.step("kernel_info")["implementation"] == "ipython"
    executed = run.step("execute")
    assert executed["status"] == "ok"
    assert app.module_dir(executed["printed"]) == app.package  # the kernel runs on it too
    failed = run.step("execute_error")
    assert (failed["status"], failed["ename"]) == ("error", "ZeroDivisionError")
    interrupted = run.step("interrupt")
    assert (interrupted["status"], interrupted["ename"]) == ("error", "KeyboardInterrupt")
    assert interrupted["seconds"] < 5
    assert interrupted["after"] == {"status": "ok", "printed": "42\n"}
    shutdown = run.step("shutdown")
    assert shutdown["exit_code"] == 0, "the kernel did not exit by itself"
    assert not shutdown["alive"]
    assert shutdown["seconds"] < 1.0
    run.step("done")
    assert app.left() == []


@pytest.mark.timeout(60)
def test_notebook_execution(app):
    """nbclient runs a notebook's cells in order in a new kernel: printed text, a displayed
    result, state kept between cells, an allowed error; the kernel then shuts down."""
    run = app.run("notebook", timeout=50)
    assert app.module_dir(run.step("zmq")["module"]) == app.package
    outputs = run.step("execute")["outputs"]
    first, *rest = outputs
    assert len(first) == 1 and first[0].startswith("stdout: ")
    assert app.module_dir(first[0].removeprefix("stdout: ")) == app.package
    assert rest == [["execute_result: 45"], ["stdout: 90\n"], ["error: ValueError: wanted"]]
    run.step("done")
    assert app.left() == []


@pytest.mark.timeout(90)
def test_ipyparallel_cluster(app):
    """A controller and two engines on 127.0.0.1 run a map; stopping the cluster ends every
    process it started (engines, their nannies, the controller and its schedulers)."""
    run = app.run("cluster", timeout=80)
    assert app.module_dir(run.step("zmq")["module"]) == app.package
    assert run.step("start")["engines"] == 2
    mapped = run.step("map")
    assert mapped["squares"] == [x * x for x in range(8)]
    assert [app.module_dir(path) for path in mapped["engine_zmq"]] == [app.package] * 2
    stopped = run.step("stop")
    assert stopped["left"] == []
    run.step("done")
    assert app.left() == []
