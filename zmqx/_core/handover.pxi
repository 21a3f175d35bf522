# Handing work to an event loop's thread: what a Watcher (watcher.pxi) does when a
# call from another thread would change its state (see the rule at its top).

cdef enum:
    # Why a watcher lets go of its socket (beside CLOSED_BY_SOCKET and
    # CLOSED_BY_CONTEXT of guard.pxi): another event loop took the socket over.
    TAKEN_OVER = 3


cdef object let_go_error(int reason):
    """What a call still waiting when its watcher lets go fails with."""
    if reason == TAKEN_OVER:
        return ZMQError(
            EBUSY, "Socket was taken over by an event loop in another thread while this "
                   "call waited (use each socket from one event loop at a time)")
    return closed_while_waiting(reason)


cdef class HandOver:
    """An action handed to an event loop's thread through its thread-safe door.

    It runs there once. If the loop drops it unrun (the loop stopped and was closed
    before it came to it), it runs when dropped: no thread runs that loop any more,
    so the thread that drops it may act for it, and a socket whose close was handed
    over is closed all the same."""

    cdef object action

    def __init__(self, action):
        self.action = action

    def run(self):
        """Run the action, once."""
        action, self.action = self.action, None
        if action is not None:
            action()

    def __del__(self):
        if self.action is not None:
            try:
                self.run()
            except Exception:
                pass  # nobody to tell: the loop that would have reported it is gone
