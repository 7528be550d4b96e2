"""How add-ons add methods to ``op`` and ``batch_op`` (Alembic's ``register_operation``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def method_registrar(
    target: type[Any], name: str, sourcename: str | None = None
) -> Callable[[type[Any]], type[Any]]:
    """Class decorator: ``target().NAME(...)`` calls ``OpClass.SOURCENAME(instance, ...)``."""

    def register(op_class: type[Any]) -> type[Any]:
        factory = getattr(op_class, sourcename or name)

        def method(self: Any, *args: Any, **kw: Any) -> Any:
            return factory(self, *args, **kw)

        method.__name__ = name
        method.__doc__ = factory.__doc__
        setattr(target, name, method)
        return op_class

    return register
