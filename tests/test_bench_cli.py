"""`zmqx bench`: the benchmark suite as a command, its chart, and its plain fallback.

The quick runs here measure a short set of cases for one round: the figures are
not checked (speed is not asserted in tests), only that every implementation was
measured, and that the chart really draws one bar per figure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from zmqx.benchmarks.case import Case, all_cases, case_module
from zmqx.benchmarks.chart import COLORS

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# short cases, one with each kind of figure: a rate with a C baseline, a time with one,
# and a time without
QUICK_CASES = "throughput_multipart,poll_idle_1000,getsockopt_rcvmore"
# every event loop's case: their speed paths differ by Python version
# (_core/running_loop.pxi), and make test-pythons runs this on each
EVENT_LOOP_CASES = ("asyncio_throughput,zmqstream_throughput,green_throughput,"
                    "anyio_trio_throughput,anyio_asyncio_throughput")

# makes `import NAME` fail for the names in ZMQX_TEST_HIDE, as if not installed
HIDING_SITECUSTOMIZE = """\
import os, sys
HIDDEN = set(os.environ.get("ZMQX_TEST_HIDE", "").split(","))

class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ImportError(f"{name} is hidden by the test")
        return None

sys.meta_path.insert(0, Hide())
"""


def bench(*args: str, env: dict | None = None, timeout: float = 240):
    return subprocess.run(
        [sys.executable, "-m", "zmqx", "bench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


def hiding_env(tmp_path, hidden: str, **extra: str) -> dict:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(HIDING_SITECUSTOMIZE)
    old = os.environ.get("PYTHONPATH")
    path = str(site) + (os.pathsep + old if old else "")
    return dict(os.environ, PYTHONPATH=path, ZMQX_TEST_HIDE=hidden, **extra)


def color_runs(image, hex_color: str, width: int = 8) -> int:
    """How many separate horizontal bands of the image cross a solid run of ``hex_color``
    at least ``width`` pixels long (a bar, or a legend patch; never anti-aliased text)."""
    import numpy

    rgb = numpy.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    close = (numpy.abs(image[:, :, :3] - rgb) < 2 / 255).all(axis=2).astype(int)
    sums = numpy.cumsum(numpy.pad(close, ((0, 0), (1, 0))), axis=1)
    rows = ((sums[:, width:] - sums[:, :-width]) == width).any(axis=1)
    return int(rows[0]) + int((rows[1:] & ~rows[:-1]).sum())


def test_case_registry_is_one_file_per_case():
    cases = all_cases()
    names = [case.name for case in cases]
    assert len(names) == len(set(names)) >= 10
    assert names[0] == "throughput_tcp"
    for case in cases:
        assert isinstance(case, Case)
        module = case_module(case.name)
        assert module.CASE is case and callable(module.main)
    with pytest.raises(KeyError):
        case_module("nosuchcase")


@pytest.mark.timeout(400)
def test_every_event_loop_case_gives_its_ratio_on_this_python(tmp_path):
    data = tmp_path / "bench.json"
    out = bench("--quick", "--rounds", "1", "--no-c", "--plain", "--only", EVENT_LOOP_CASES,
                "--json", str(data), timeout=360)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(data.read_text())["results"]
    assert [r["bench"] for r in results] == EVENT_LOOP_CASES.split(",")
    for res in results:
        assert res["pyzmq"] > 0 and res["zmqx"] > 0 and res["ratio"] > 0, res


@pytest.mark.timeout(300)
def test_quick_run_writes_json_and_a_chart_with_every_bar(tmp_path):
    pytest.importorskip("matplotlib")
    chart, data = tmp_path / "bench.png", tmp_path / "bench.json"
    out = bench(
        "--quick",
        "--rounds",
        "1",
        "--only",
        QUICK_CASES,
        "--chart",
        str(chart),
        "--json",
        str(data),
        "--plain",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    doc = json.loads(data.read_text())
    results = doc["results"]
    assert [r["bench"] for r in results] == QUICK_CASES.split(",")
    for res in results:
        assert res["status"] in ("PASS", "FAIL"), res
        assert res["pyzmq"] > 0 and res["zmqx"] > 0 and res["ratio"] > 0
        assert res["bench"] in out.stdout  # the table
    assert doc["meta"]["cpus"] == os.cpu_count()

    from matplotlib.image import imread

    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(str(chart))
    assert image.shape[1] == 900 and image.shape[0] > 300
    # one bar per figure, plus the legend's patch, for each implementation
    drawn = {res["bench"]: res for res in results}
    expected = {
        "pyzmq": len(results),
        "zmqx": len(results),
        "c": sum(1 for r in drawn.values() if r["c"]),
    }
    for impl, bars in expected.items():
        assert color_runs(image, COLORS[impl]) == (bars + 1 if bars else 0), impl
    # the chart's numbers are the table's, relative to pyzmq
    speeds = {c["bench"]: c["speed"] for c in doc["chart"]["cases"]}
    for res in results:
        ratio = res["zmqx"] / res["pyzmq"]
        want = ratio if res["higher_is_better"] else 1 / ratio
        assert speeds[res["bench"]]["zmqx"] == pytest.approx(want)
        assert speeds[res["bench"]]["pyzmq"] == pytest.approx(1.0)


@pytest.mark.timeout(120)
def test_without_rich_and_matplotlib_it_runs_plainly(tmp_path):
    # FORCE_COLOR makes rich believe it writes to a terminal: it would be used if present
    env = hiding_env(tmp_path, "rich,matplotlib", FORCE_COLOR="1")
    out = bench("--quick", "--rounds", "1", "--only", "getsockopt_rcvmore", env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("benchmark"))
    assert header.split() == [
        "benchmark",
        "unit",
        "pyzmq",
        "zmqx",
        "C",
        "ratio",
        "target",
        "result",
        "spread",
        "busy",
    ]
    assert any(line.startswith("getsockopt_rcvmore ") for line in lines)
    assert "round 1/1" in out.stderr  # the plain progress lines

    no_chart = bench(
        "--quick", "--only", "getsockopt_rcvmore", "--chart", str(tmp_path / "x.png"), env=env
    )
    assert no_chart.returncode == 2
    assert no_chart.stderr.strip().splitlines() == [
        (
            "zmqx bench: error: --chart needs matplotlib: pip install 'zmqx[cli]' "
            "(see 'zmqx bench --help')"
        )
    ]
    assert not (tmp_path / "x.png").exists()


@pytest.mark.timeout(120)
def test_with_rich_on_a_terminal_it_draws_a_table(tmp_path):
    pytest.importorskip("rich")
    wide = dict(os.environ, FORCE_COLOR="1", COLUMNS="200")
    out = bench("--quick", "--rounds", "1", "--only", "getsockopt_rcvmore", env=wide)
    assert out.returncode == 0, out.stderr[-2000:]
    table = out.stdout[out.stdout.index("benchmark") :]
    assert "\u2500" * 40 in table and "\x1b[" in table  # rich's rule, and styling
    assert "\x1b[" in out.stderr  # the progress bar
    # too narrow for every figure: the plain table instead of a squeezed one
    narrow = dict(wide, COLUMNS="60")
    out = bench("--quick", "--rounds", "1", "--only", "getsockopt_rcvmore", env=narrow)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert ["benchmark", "unit", "pyzmq"] in [line.split()[:3] for line in lines]
    assert ["getsockopt_rcvmore", "ns/call"] in [line.split()[:2] for line in lines]


@pytest.mark.timeout(60)
def test_measuring_pyzmq_never_imports_zmqx(tmp_path):
    pytest.importorskip("zmq")
    env = hiding_env(tmp_path, "zmqx")
    entry = os.path.join(REPO, "zmqx", "benchmarks", "__main__.py")
    out = subprocess.run(
        [
            sys.executable,
            entry,
            "measure",
            "getsockopt_rcvmore",
            "--impl",
            "zmq",
            "--repeat",
            "1",
            "--min-time",
            "0.01",
        ],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout.strip().splitlines()[-1])
    assert record["bench"] == "getsockopt_rcvmore" and record["impl"] == "zmq"
    assert record["value"] > 0


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "command",
    [
        [os.path.join(REPO, "benchmarks", "run.py")],  # make bench
        ["-m", "zmqx.benchmarks"],
        ["-m", "zmqx", "bench"],
    ],
)
def test_every_entry_point_runs_the_same_suite(command):
    out = subprocess.run(
        [sys.executable, *command, "--list"],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert [line.split()[0] for line in out.stdout.splitlines()] == [
        case.name for case in all_cases()
    ]


@pytest.mark.timeout(120)
def test_ctrl_c_stops_the_suite_and_its_measurements(tmp_path):
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zmqx", "bench", "--plain", "--only", "throughput_tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    def measures(child):
        # a child that has just ended (a zombie, or gone) measures nothing
        try:
            return "measure" in " ".join(child.cmdline())
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            return False

    try:
        # wait until a measurement process is running
        deadline = 600
        measuring = []
        while deadline:
            measuring = [c for c in psutil.Process(proc.pid).children(recursive=True)
                         if measures(c)]
            if measuring:
                break
            deadline -= 1
            threading.Event().wait(0.05)
        assert deadline, "no measurement started"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == "zmqx bench: interrupted"
    _, alive = psutil.wait_procs(measuring, timeout=10)
    assert not alive, alive
