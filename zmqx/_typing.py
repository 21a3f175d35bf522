"""Run-time stand-ins for the typing names that zmqx's class definitions use.

`import zmqx` does not import typing: that alone would add about a quarter to
its import time. Type checkers see the real names instead, since modules take
these only when TYPE_CHECKING is false:

    if TYPE_CHECKING:
        from typing import Generic
    else:
        from zmqx._typing import Generic
"""

from __future__ import annotations

import types

# What a TypeVar becomes at run time, in the bases of a generic class.
TYPE_PARAMETER = None


class Generic:
    """Base of classes that are generic for type checkers. Subscripting one
    (`Context[MySocket]`) gives an alias usable as an annotation or a base
    class, as with builtin generics."""

    __slots__ = ()

    def __class_getitem__(cls, params: object) -> types.GenericAlias:
        return types.GenericAlias(cls, params)
