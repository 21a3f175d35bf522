"""Issue 4.5: signals reach a main thread blocked in zmqx.

SIGINT, sent by a helper thread with os.kill(os.getpid(), SIGINT), must end a
blocking recv, send, poll, Poller.poll, proxy, monitored_queue, tracker wait or
Context.term with KeyboardInterrupt within 100 ms (median of several runs; no
run over 500 ms: the machine is noisy). Another signal with a Python handler
(SIGALRM every 20 ms) must run its handler while the call goes on, and the call
must then complete normally. Each scenario runs in a child process, so that
pytest's own signal handling (pytest-timeout uses SIGALRM) stays out of it.
"""

from __future__ import annotations

import pytest

from ._support import HERE, check_child, child_env, json_lines, median, record, run_python

INTERRUPTIBLE = [
    "recv",
    "recv_multipart",
    "send",
    "socket_poll",
    "poller",
    "proxy",
    "busy_proxy",
    "monitored_queue",
    "tracker_wait",
    "context_term",
]
SURVIVING = ["alarm_recv", "alarm_poller", "alarm_send", "alarm_proxy", "alarm_tracker"]


OFF_MAIN = [
    "recv",
    "send",
    "poller",
    "proxy",
    "busy_proxy",
    "monitored_queue",
    "tracker_wait",
    "context_term",
]


def run_scenario(name: str, runs: int, budget: float | None = None) -> dict:
    budget = budget or 30 + runs * 2
    result = run_python(
        [str(HERE / "_signals_child.py"), name, str(runs)],
        timeout=budget + 15,
        env=child_env(ZMQX_SIGNALS_BUDGET=str(budget)),
    )
    check_child(result, f"signal scenario {name}")
    return json_lines(result.stdout)[-1]


def check_interrupt_latencies(name: str, latencies: list[float]) -> None:
    """Record the figures; the issue's bound is 100 ms (the median), with room
    for a rare scheduling stall in the worst run."""
    record(
        name,
        runs=len(latencies),
        median_ms=median(latencies) * 1000,
        max_ms=max(latencies) * 1000,
    )
    assert median(latencies) <= 0.100, latencies
    assert max(latencies) <= 0.500, latencies


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scenario", INTERRUPTIBLE)
def test_sigint_interrupts_blocking_call(scenario, soak):
    latencies = run_scenario(scenario, 7 * soak)["latencies"]
    check_interrupt_latencies(f"sigint-{scenario}", latencies)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scenario", OFF_MAIN)
def test_sigint_received_by_another_thread_still_interrupts(scenario, soak):
    """The main thread blocks SIGINT, so it lands on the helper thread: zmqx's
    waits look at Python's pending signals every 50 ms by themselves."""
    latencies = run_scenario(f"{scenario}@offmain", 7 * soak, budget=10 + 2 * soak)["latencies"]
    check_interrupt_latencies(f"sigint-offmain-{scenario}", latencies)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("scenario", SURVIVING)
def test_other_signal_runs_handler_and_call_continues(scenario, soak):
    runs = 3 * soak
    result = run_scenario(scenario, runs)
    record(
        f"sigalrm-{scenario}",
        runs=runs,
        handler_runs=result["handler_runs"],
        seconds=result["seconds"],
    )
    # ~0.5 s blocked per run with a 20 ms timer: the handler ran many times
    assert result["handler_runs"] >= 5 * runs, result


@pytest.mark.timeout(60)
def test_handler_that_closes_the_waited_socket_ends_the_wait(soak):
    """The handler closes the socket recv() waits in and opens new sockets that
    may reuse its memory and file descriptors: recv must raise ENOTSOCK at once,
    not wait on a stranger's descriptor."""
    durations = run_scenario("handler_closes_socket", 20 * soak)["durations"]
    record("handler-closes-socket", runs=len(durations), max_s=max(durations))
    assert max(durations) < 1.0, durations
