"""The trio side of zmqx.anyio: a driver for the core's Watcher under trio.

trio has no callbacks on file descriptors or timers, and lets only one task at a
time wait on an fd. So the tasks that await a socket drive its Watcher
themselves: the first of them (the reader) waits on the socket's FD and serves
the Watcher when the FD has news or when the Watcher asks to be served; the
others park until their future is settled, or until the reader steps down and
they are promoted to reader. Each task enforces its own deadline (RCVTIMEO,
SNDTIMEO, a poll's timeout).

A cancelled task is seen at once (trio's abort callback, run when the
cancellation is delivered), and its operation is dropped before the Watcher can
complete it: an awaited operation either completes and returns, or raises and
did not happen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

import trio
from trio.lowlevel import (
    Abort,
    RaiseCancelT,
    Task,
    checkpoint,
    current_task,
    current_trio_token,
    notify_closing,
    reschedule,
    wait_readable,
    wait_task_rescheduled,
)

from zmqx._core._core import Done, Watcher, watcher_of

__all__ = ["watcher_in_run"]

_PENDING = 0
_RESULT = 1
_ERROR = 2
_DROPPED = 3  # its task was cancelled: the operation is not to be done


def watcher_in_run(socket: Any) -> Watcher | None:
    """The Watcher of socket in the running trio run; None outside of one."""
    try:
        token = current_trio_token()
    except RuntimeError:
        return None
    watcher = watcher_of(socket)
    if watcher is None or watcher.loop is not token:
        watcher = Watcher(socket, Driver(token))  # one driver per socket and run
    return watcher


class Deadline:
    """call_later's timer: fired by the waiting task once `when` has passed."""

    __slots__ = ("_arg", "_callback", "when")

    def __init__(self, when: float, callback: Callable[[Any], object], arg: object) -> None:
        self.when = when
        self._callback: Callable[[Any], object] | None = callback
        self._arg = arg

    def cancel(self) -> None:
        self._callback = None

    def fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            callback(self._arg)


class Future:
    """A Watcher's future under trio, awaited by one task."""

    __slots__ = ("_driver", "_state", "_task", "_value", "_waiter", "timer")

    def __init__(self, driver: Driver, waiter: Any) -> None:
        self._driver = driver
        self._state = _PENDING
        self._value: Any = None
        self._waiter = waiter  # the core's Waiter, told when the task stops waiting
        self._task: Task | None = None  # while parked
        self.timer: Deadline | None = None

    def done(self) -> bool:
        return self._state != _PENDING

    def cancel(self) -> bool:
        if self._state != _PENDING:
            return False
        self._settle(_DROPPED, None)
        self._dropped()
        return True

    def set_result(self, result: object) -> None:
        self._settle(_RESULT, result)

    def set_exception(self, exc: BaseException) -> None:
        self._settle(_ERROR, exc)

    def _settle(self, state: int, value: object) -> None:
        if self._state != _PENDING:
            raise RuntimeError("the future is already done")
        self._state = state
        self._value = value
        driver = self._driver
        task = self._task
        if task is not None:
            self._task = None
            del driver._sleepers[self]
            reschedule(task)
        elif driver._reader is self:
            driver._rouse()

    def _drop(self) -> None:
        """Its task stops waiting: the Watcher skips it from now on."""
        if self._state == _PENDING:
            self._state = _DROPPED
            self._dropped()

    def _dropped(self) -> None:
        self._waiter.dropped()  # nothing waits now: the socket may go

    def __await__(self) -> Generator[Any, None, Any]:
        if self._state == _PENDING:
            yield from self._driver.wait(self).__await__()
        if self._state == _RESULT:
            return self._value
        if self._state == _ERROR:
            raise self._value
        raise RuntimeError("the operation was cancelled")


class Driver:
    """The Watcher driver of one socket in one trio run (see the module's doc)."""

    __slots__ = (
        "_fd",
        "_on_fd",
        "_reader",
        "_scope",
        "_serve",
        "_serve_due",
        "_sleepers",
        "loop",
    )

    def __init__(self, token: trio.lowlevel.TrioToken) -> None:
        self.loop = token  # the run this driver belongs to (Watcher.loop)
        self._fd = -1
        self._on_fd: Callable[[], object] | None = None
        self._serve: Callable[[], object] | None = None
        self._serve_due = False  # the Watcher asked to be served (call_soon)
        self._reader: Future | None = None  # the future whose task waits on the FD
        self._scope: trio.CancelScope | None = None  # the reader's, while on the FD
        self._sleepers: dict[Future, None] = {}  # parked, oldest first

    # ---- the Watcher's driver protocol -------------------------------------

    def watch(self, fd: int, callback: Callable[[], object]) -> None:
        self._fd = fd
        self._on_fd = callback

    def unwatch(self, fd: int) -> None:
        self._on_fd = None
        if self._scope is not None:
            # the reader waits on the FD, which may be closed right after this:
            # trio must let go of it first (the reader sees ClosedResourceError)
            notify_closing(fd)

    def call_soon(self, callback: Callable[[], object]) -> None:
        self._serve = callback  # the Watcher's serve, its only use of call_soon
        self._serve_due = True
        self._rouse()

    def call_later(self, seconds: float, callback: Callable[[Any], object],
                   waiter: Any) -> Deadline:
        timer = Deadline(trio.current_time() + seconds, callback, waiter)
        waiter.future.timer = timer
        return timer

    def pending(self, waiter: object) -> Future:
        return Future(self, waiter)

    def elsewhere(self) -> bool:
        """Whether the run may go on in another thread: it is not the one here."""
        try:
            return current_trio_token() is not self.loop
        except RuntimeError:
            return True  # no run here: the socket's, if not finished, is elsewhere

    def call_soon_threadsafe(self, callback: Callable[[], object]) -> None:
        # trio.RunFinishedError, a RuntimeError, once the run is over
        self.loop.run_sync_soon(callback)

    # the token of the trio run in this thread (RuntimeError outside of one): the
    # Watcher's check that its run is the running one
    current = staticmethod(current_trio_token)

    # an operation that completed at once: a compiled future, already done
    completed = Done
    failed = staticmethod(Done.failed)

    @staticmethod
    def abandon(future: Future, error: BaseException) -> None:
        future.set_exception(error)  # what a blocking call raises: ENOTSOCK or ETERM

    # ---- the awaiting tasks' side -------------------------------------------

    async def wait(self, future: Future) -> None:
        """Return once future is settled, serving the Watcher meanwhile if no
        other task does."""
        try:
            while future._state == _PENDING:
                if self._reader is None:
                    await self._read(future)
                else:
                    await self._park(future)
        except BaseException:
            future._drop()  # cancelled: the operation must not happen now
            raise

    async def _read(self, future: Future) -> None:
        self._reader = future
        try:
            deadline = math.inf if future.timer is None else future.timer.when
            while future._state == _PENDING:
                if self._serve_due:
                    await checkpoint()  # serve from the scheduler's turn, not in a spin
                    self._serve_due = False
                    if self._serve is not None:
                        self._serve()
                elif await self._readable(deadline):
                    if self._on_fd is not None:
                        self._on_fd()
                elif trio.current_time() >= deadline:
                    self._give_up(future)
        finally:
            self._reader = None
            if self._sleepers:
                self._promote()

    async def _readable(self, deadline: float) -> bool:
        """Wait for the FD: True if it has news, False if roused, timed out or closed."""
        with trio.CancelScope(deadline=deadline) as scope:
            self._scope = scope
            try:
                await wait_readable(self._fd)
                return True
            except trio.ClosedResourceError:
                return False  # the socket closes: its Watcher settles the futures
            finally:
                self._scope = None
        return False

    async def _park(self, future: Future) -> None:
        self._sleepers[future] = None
        future._task = current_task()

        def abort(_: RaiseCancelT) -> Abort:
            # cancelled or timed out, and trio has not run the task yet: drop
            # the operation now, before a reader can complete it
            future._task = None
            del self._sleepers[future]
            self._give_up(future)
            return Abort.SUCCEEDED

        if future.timer is None:
            await wait_task_rescheduled(abort)
        else:
            with trio.move_on_at(future.timer.when):
                await wait_task_rescheduled(abort)

    def _give_up(self, future: Future) -> None:
        """The task of future stops waiting: it times out if its deadline has
        passed (Again, or 0 for a poll), else it is cancelled."""
        timer = future.timer
        if timer is not None and trio.current_time() >= timer.when:
            timer.fire()
        future._drop()

    def _rouse(self) -> None:
        """Get the Watcher served: by the reader, or by a parked task made reader."""
        if self._scope is not None:
            self._scope.cancel()
        elif self._reader is None and self._sleepers:
            self._promote()

    def _promote(self) -> None:
        future = next(iter(self._sleepers))
        del self._sleepers[future]
        task = future._task
        future._task = None
        assert task is not None
        reschedule(task)
