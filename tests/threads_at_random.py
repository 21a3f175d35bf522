"""A random run of what other threads do to the sockets of a loop (run by
tests/test_flavoured_threads.py in a child process, so a crash shows as one).

Each round: a loop in its own thread runs tasks (greenlets) that receive from a
PULL socket, with random timeouts; this thread meanwhile sends to it, cancels
the receives' futures, and closes the socket or destroys its context at a random
moment. The loop's thread must end soon after, no message may arrive twice, and
nothing may crash. Prints the problems found (none: []).

usage: python threads_at_random.py asyncio|green|trio SEED
"""

from __future__ import annotations

import asyncio
import random
import sys
import threading
import uuid

import zmqx

ROUNDS = 60
RECEIVERS = 3


def run_asyncio_round(rng: random.Random, problems: list[str]) -> None:
    import zmqx.asyncio

    ctx = zmqx.asyncio.Context()
    pull = ctx.socket(zmqx.PULL, linger=0)
    endpoint = f"inproc://random-{uuid.uuid4().hex}"
    pull.bind(endpoint)
    got: list[bytes] = []
    futures: list[asyncio.Future[bytes]] = []
    timeouts = [rng.choice([None, 0.001, 0.01, 0.05]) for _ in range(50)]

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
    running = threading.Thread(target=loop.run_until_complete, args=(receivers(),))
    sending_ctx = zmqx.Context()
    push = sending_ctx.socket(zmqx.PUSH, linger=0)
    push.connect(endpoint)
    running.start()
    _act_at_random(rng, push, futures, pull, ctx)
    running.join(10)
    if running.is_alive():
        problems.append("the loop's thread did not end after the socket closed")
        return
    loop.close()
    sending_ctx.destroy(linger=0)
    ctx.destroy(linger=0)
    if len(got) != len(set(got)):
        problems.append(f"a message arrived twice: {sorted(got)}")


def run_green_round(rng: random.Random, problems: list[str]) -> None:
    import gevent

    import zmqx.green

    got: list[bytes] = []
    ready = threading.Event()
    shared: dict[str, object] = {}
    timeouts = [rng.choice([None, 0.001, 0.01, 0.05]) for _ in range(50)]

    def hub_thread() -> None:
        ctx = zmqx.green.Context()
        pull = ctx.socket(zmqx.PULL, linger=0)
        pull.bind(shared["endpoint"])  # type: ignore[arg-type]
        shared["pull"], shared["ctx"] = pull, ctx

        def receiver(n: int) -> None:
            i = n
            while not pull.closed:
                i += RECEIVERS
                try:
                    with gevent.Timeout(timeouts[i % len(timeouts)]):
                        got.append(pull.recv())
                except (gevent.Timeout, zmqx.ZMQError):
                    pass

        greenlets = [gevent.spawn(receiver, n) for n in range(RECEIVERS)]
        ready.set()
        gevent.joinall(greenlets, timeout=10)
        shared["alive"] = sum(not g.dead for g in greenlets)

    shared["endpoint"] = f"inproc://random-{uuid.uuid4().hex}"
    sending_ctx = zmqx.Context()
    running = threading.Thread(target=hub_thread)
    running.start()
    ready.wait(5)
    push = sending_ctx.socket(zmqx.PUSH, linger=0)
    push.connect(shared["endpoint"])  # type: ignore[arg-type]
    _act_at_random(rng, push, [], shared["pull"], shared["ctx"])
    running.join(15)
    if running.is_alive() or shared.get("alive"):
        problems.append("greenlets still waited after the socket closed")
        return
    sending_ctx.destroy(linger=0)
    if len(got) != len(set(got)):
        problems.append(f"a message arrived twice: {sorted(got)}")


def run_trio_round(rng: random.Random, problems: list[str]) -> None:
    import trio

    import zmqx.anyio

    ctx = zmqx.anyio.Context()
    pull = ctx.socket(zmqx.PULL, linger=0)
    endpoint = f"inproc://random-{uuid.uuid4().hex}"
    pull.bind(endpoint)
    got: list[bytes] = []
    timeouts = [rng.choice([1e9, 0.001, 0.01, 0.05]) for _ in range(50)]

    async def receivers() -> None:
        async def receiver(n: int) -> None:
            i = n
            while not pull.closed:
                i += RECEIVERS
                with trio.move_on_after(timeouts[i % len(timeouts)]):
                    try:
                        got.append(await pull.recv())
                    except zmqx.ZMQError:
                        pass

        async with trio.open_nursery() as nursery:
            for n in range(RECEIVERS):
                nursery.start_soon(receiver, n)

    sending_ctx = zmqx.Context()
    push = sending_ctx.socket(zmqx.PUSH, linger=0)
    push.connect(endpoint)
    running = threading.Thread(target=trio.run, args=(receivers,))
    running.start()
    _act_at_random(rng, push, [], pull, ctx)
    running.join(10)
    if running.is_alive():
        problems.append("the run's thread did not end after the socket closed")
        return
    sending_ctx.destroy(linger=0)
    ctx.destroy(linger=0)
    if len(got) != len(set(got)):
        problems.append(f"a message arrived twice: {sorted(got)}")


def _act_at_random(rng: random.Random, push: zmqx.Socket, futures: list,
                   pull: object, ctx: object) -> None:
    """Send, cancel and wait at random from this thread, then close or destroy."""
    import time

    for i in range(rng.randrange(5, 60)):
        action = rng.random()
        if action < 0.5:
            push.send(b"%d" % i)
        elif action < 0.7 and futures:
            rng.choice(futures[-RECEIVERS:]).cancel()  # from another thread than its loop's
        else:
            time.sleep(rng.choice([0, 0.0005, 0.002]))
    if rng.random() < 0.5:
        pull.close()  # type: ignore[attr-defined]
    else:
        ctx.destroy(linger=0)  # type: ignore[attr-defined]


def main() -> None:
    flavour, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    problems: list[str] = []
    run_round = {"asyncio": run_asyncio_round, "green": run_green_round,
                 "trio": run_trio_round}[flavour]
    for _ in range(ROUNDS):
        run_round(rng, problems)
    print(problems)


if __name__ == "__main__":
    main()
