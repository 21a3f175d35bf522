"""A random run of what other threads do to the sockets of a loop (run by
tests/test_flavoured_threads.py in a child process, so a crash shows as one).

Each round: a loop in its own thread runs tasks (greenlets) that receive from a
PULL socket, with random timeouts; this thread meanwhile sends to it, cancels
the receives' futures (asyncio), and closes the socket or destroys its context
at a random moment. The loop's thread must end soon after, no message may
arrive twice, and nothing may crash. Prints the problems found (none: []).

usage: python threads_at_random.py asyncio|green|trio SEED
"""

from __future__ import annotations

import asyncio
import importlib
import random
import sys
import threading
import time
import uuid
from typing import Any

import zmqx

ROUNDS = 60
RECEIVERS = 3
MODULES = {"asyncio": "zmqx.asyncio", "green": "zmqx.green", "trio": "zmqx.anyio"}


def asyncio_receivers(pull: Any, got: list[bytes], futures: list[Any],
                      timeouts: list[float]) -> None:
    async def receiver(n: int) -> None:
        i = n
        while not pull.closed:
            i += RECEIVERS
            future = pull.recv()
            futures.append(future)
            try:
                got.append(await asyncio.wait_for(future, timeouts[i % len(timeouts)]))
            except (asyncio.TimeoutError, asyncio.CancelledError, zmqx.ZMQError):
                pass

    async def receivers() -> None:
        await asyncio.gather(*(receiver(n) for n in range(RECEIVERS)))

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(receivers())
    finally:
        loop.close()


def green_receivers(pull: Any, got: list[bytes], futures: list[Any],
                    timeouts: list[float]) -> None:
    import gevent

    def receiver(n: int) -> None:
        i = n
        while not pull.closed:
            i += RECEIVERS
            try:
                with gevent.Timeout(timeouts[i % len(timeouts)]):
                    got.append(pull.recv())
            except (gevent.Timeout, zmqx.ZMQError):
                pass

    gevent.joinall([gevent.spawn(receiver, n) for n in range(RECEIVERS)])


def trio_receivers(pull: Any, got: list[bytes], futures: list[Any],
                   timeouts: list[float]) -> None:
    import trio

    async def receiver(n: int) -> None:
        i = n
        while not pull.closed:
            i += RECEIVERS
            with trio.move_on_after(timeouts[i % len(timeouts)]):
                try:
                    got.append(await pull.recv())
                except zmqx.ZMQError:
                    pass

    async def receivers() -> None:
        async with trio.open_nursery() as nursery:
            for n in range(RECEIVERS):
                nursery.start_soon(receiver, n)

    trio.run(receivers)


RECEIVING = {"asyncio": asyncio_receivers, "green": green_receivers, "trio": trio_receivers}


def run_round(flavour: str, rng: random.Random, problems: list[str]) -> None:
    ctx = importlib.import_module(MODULES[flavour]).Context()  # type: ignore[attr-defined]
    pull = ctx.socket(zmqx.PULL, linger=0)
    endpoint = f"inproc://random-{uuid.uuid4().hex}"
    pull.bind(endpoint)
    got: list[bytes] = []
    futures: list[Any] = []
    timeouts = [rng.choice([1e6, 0.001, 0.01, 0.05]) for _ in range(50)]
    receiving = threading.Thread(target=RECEIVING[flavour], args=(pull, got, futures, timeouts))
    sending_ctx = zmqx.Context()
    push = sending_ctx.socket(zmqx.PUSH, linger=0)
    push.connect(endpoint)
    receiving.start()
    for i in range(rng.randrange(5, 60)):
        action = rng.random()
        if action < 0.5:
            push.send(b"%d" % i)
        elif action < 0.7 and futures:
            rng.choice(futures[-RECEIVERS:]).cancel()  # from another thread than its loop's
        else:
            time.sleep(rng.choice([0, 0.0005, 0.002]))
    if rng.random() < 0.5:
        pull.close()
    else:
        ctx.destroy(linger=0)
    receiving.join(10)
    if receiving.is_alive():
        problems.append(f"{flavour}: the loop's thread did not end after the socket closed")
        return
    sending_ctx.destroy(linger=0)
    ctx.destroy(linger=0)
    if len(got) != len(set(got)):
        problems.append(f"{flavour}: a message arrived twice: {sorted(got)}")


def main() -> None:
    flavour, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    problems: list[str] = []
    for _ in range(ROUNDS):
        run_round(flavour, rng, problems)
    print(problems)


if __name__ == "__main__":
    main()
