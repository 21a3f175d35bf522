"""Decorators that give a function its own Context or socket for the length of a call::

    from zmqx.decorators import context, socket

    @context()
    @socket(zmqx.PUSH)
    def work(ctx, push):
        push.connect("tcp://127.0.0.1:5555")
        push.send(b"job")

Each call creates the object, passes it to the function (appended to the
positional arguments, or as the keyword named by a leading string argument or
``name=``) and closes it when the function returns or raises: sockets are
closed, contexts terminated. Stacked, the outer decorator's object comes first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import zmqx

__all__ = ["context", "socket"]

_Func = TypeVar("_Func", bound=Callable[..., Any])


def _split_name(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[str | None, tuple[Any, ...]]:
    """The keyword to inject under (``name=`` or a leading string), and the remaining args.

    Removes ``name`` from `kwargs` when it is used.
    """
    if isinstance(kwargs.get("name"), str):
        return kwargs.pop("name"), args
    if args and isinstance(args[0], str):
        return args[0], args[1:]
    return None, args


def _injecting(
    name: str | None, make: Callable[[tuple[Any, ...], dict[str, Any]], Any]
) -> Callable[[_Func], _Func]:
    """A decorator calling the function with ``make(args, kwargs)``'s object, then closing it."""

    def decorator(func: _Func) -> _Func:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if name is not None and name in kwargs:
                raise TypeError(f"{func.__name__}() got multiple values for argument {name!r}")
            with make(args, kwargs) as obj:
                if name is None:
                    return func(*args, obj, **kwargs)
                return func(*args, **{**kwargs, name: obj})

        return wrapper  # type: ignore[return-value]

    return decorator


def context(*args: Any, **kwargs: Any) -> Callable[[_Func], _Func]:
    """Give each call of the decorated function a new `Context`, terminated afterwards.

    A leading string argument (or ``name="ctx"``) passes the context as that
    keyword argument; the other arguments go to the Context constructor.
    """
    name, ctx_args = _split_name(args, kwargs)
    return _injecting(name, lambda _args, _kwargs: zmqx.Context(*ctx_args, **kwargs))


def socket(*args: Any, **kwargs: Any) -> Callable[[_Func], _Func]:
    """Give each call of the decorated function a new socket, closed afterwards.

    Arguments are those of `Context.socket` (the socket type first), after an
    optional leading string or ``name=`` naming the keyword to pass it as. The
    socket's context is the call's keyword argument named ``context_name``
    ("context" by default) if it is a Context, else its first positional
    Context argument (such as one from an outer ``@context()``), else
    `Context.instance()`.
    """
    name, socket_args = _split_name(args, kwargs)
    context_name = kwargs.pop("context_name", "context")

    def make(call_args: tuple[Any, ...], call_kwargs: dict[str, Any]) -> Any:
        return _context_of(context_name, call_args, call_kwargs).socket(*socket_args, **kwargs)

    return _injecting(name, make)


def _context_of(
    context_name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> zmqx.Context:
    candidate = kwargs.get(context_name)
    if isinstance(candidate, zmqx.Context):
        return candidate
    for arg in args:
        if isinstance(arg, zmqx.Context):
            return arg
    return zmqx.Context.instance()
