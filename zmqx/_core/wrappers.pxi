# Wrappers: the Python objects on each libzmq object, by its address. Several may
# wrap one libzmq context or socket (an owner and its shadows); once one of them
# ends it (term, close), the others must see it ended instead of using freed
# memory, and a shadow finds the owner whose state it shares. Contexts and
# sockets keep one registry each.

cdef class Wrappers:
    """Weak references to the objects on each address, in the order they came."""

    cdef dict _at  # address -> [weakref.ref(object), ...]

    def __cinit__(self):
        self._at = {}

    cdef int add(self, size_t address, object wrapper) except -1:
        refs = self._at.get(address)
        if refs is None:
            self._at[address] = [weakref.ref(wrapper)]
        else:
            refs.append(weakref.ref(wrapper))
        return 0

    cdef list alive(self, size_t address):
        """The objects on address that are still alive."""
        return live_objects(self._at.get(address, ()))

    cdef list forget(self, size_t address):
        """Forget address (its libzmq object ended): the objects that were alive on it."""
        return live_objects(self._at.pop(address, ()))


cdef list live_objects(object refs):
    cdef list alive = []
    for ref in refs:
        wrapper = ref()
        if wrapper is not None:
            alive.append(wrapper)
    return alive
