"""Run an ipyparallel cluster, as `ipcluster start` does: a controller and two engines on
127.0.0.1, a map over them, then stop it and wait for every process it started to end."""

from __future__ import annotations

import time

import ipyparallel
import psutil
from report import main, step

# every wait of a step is bounded: starting may take long on a loaded machine, stopping
# takes a few seconds (pyzmq: 5)
START_TIMEOUT = 40
STOP_TIMEOUT = 20


def engine_zmq() -> str:
    import zmq

    return zmq.__file__


def drive() -> None:
    cluster = ipyparallel.Cluster(n=2, controller_ip="127.0.0.1", log_level=30)
    with step("start") as found:
        start = time.monotonic()
        client = cluster.start_and_connect_sync()
        client.wait_for_engines(2, timeout=START_TIMEOUT)
        found["seconds"] = time.monotonic() - start
        found["engines"] = len(client.ids)
    started = psutil.Process().children(recursive=True)
    try:
        with step("map") as found:
            view = client[:]
            found["squares"] = view.map_sync(lambda x: x * x, range(8))
            found["engine_zmq"] = view.apply_sync(engine_zmq)
    finally:
        with step("stop") as found:
            start = time.monotonic()
            client.close()
            cluster.stop_cluster_sync()
            gone, alive = psutil.wait_procs(started, timeout=STOP_TIMEOUT)
            found["seconds"] = time.monotonic() - start
            found["processes"] = len(started)
            found["left"] = [" ".join(process.cmdline()) for process in alive]


if __name__ == "__main__":
    main(drive)
