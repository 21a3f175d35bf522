# Done: a future that is already done, for event loops without futures of their
# own (trio): what their drivers give for an operation that completed at once
# (completed(result) and failed(error) in watcher.pxi's driver protocol). Awaiting
# it gives the result, or raises the error, without suspending the task.

cimport cython


cdef class Done:
    """A finished operation's future: its result, or the error it failed with."""

    cdef object _result
    cdef object _error

    def __init__(self, result=None, error=None):
        self._result = result
        self._error = error

    @staticmethod
    def failed(error):
        """A Done that failed with error."""
        return Done(None, error)

    def done(self):
        return True

    def cancelled(self):
        return False

    def cancel(self):
        """Too late: it is done."""
        return False

    def result(self):
        """The result; raises the error if it failed."""
        if self._error is not None:
            raise self._error
        return self._result

    def exception(self):
        """The error it failed with, or None."""
        return self._error

    @cython.warn.unreachable(False)
    def __await__(self):
        if self._error is not None:
            raise self._error
        return self._result
        yield  # a generator: awaiting it returns at once
