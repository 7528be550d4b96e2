"""Alembic's ``AbstractOperations``: the common base of ``op`` and ``batch_op``.

still's :class:`~still.operations.base.Operations` and
:class:`~still.operations.batch.BatchOperations` count as its subclasses (neither imports this
module), and an operation registered here becomes a method of both.
"""

from __future__ import annotations

import inspect
from abc import ABCMeta
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from still.operations.base import Operations
from still.operations.batch import BatchOperations
from still.operations.proxy import operations_in_effect

_OPERATIONS_CLASSES: tuple[type[Any], ...] = (Operations, BatchOperations)


class _Shared:
    """A method of AbstractOperations: the one the instance's own class (Operations or
    BatchOperations) has, with that class's signature."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.__name__ = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        if inspect.getattr_static(type(obj), self.name, None) in (None, self):
            raise NotImplementedError(f"{type(obj).__name__} does not implement {self.name}()")
        return getattr(obj, self.name)

    def __call__(self, operations: Any, *args: Any, **kw: Any) -> Any:
        return self.__get__(operations)(*args, **kw)

    @property
    def __signature__(self) -> inspect.Signature:
        signature = inspect.signature(getattr(Operations, self.name))
        if isinstance(inspect.getattr_static(Operations, self.name), staticmethod):
            own = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
            signature = signature.replace(parameters=[own, *signature.parameters.values()])
        return signature


class AbstractOperations(metaclass=ABCMeta):  # noqa: B024 (a base without abstract methods)
    """Alembic's common base of ``Operations`` (``op``) and ``BatchOperations`` (``batch_op``):
    still's two classes count as its subclasses, and an operation registered here becomes a
    method of both."""

    @classmethod
    def __subclasshook__(cls, subclass: type[Any]) -> bool | Any:
        if cls is AbstractOperations:
            return issubclass(subclass, _OPERATIONS_CLASSES) or NotImplemented
        return NotImplemented

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[Any]], type[Any]]:
        """Class decorator: ``op.NAME(...)`` and ``batch_op.NAME(...)`` call
        ``OpClass.SOURCENAME(operations, ...)``."""

        def register(op_class: type[Any]) -> type[Any]:
            for target in _OPERATIONS_CLASSES:
                target.register_operation(name, sourcename)(op_class)
            return op_class

        return register

    @classmethod
    def implementation_for(cls, op_cls: type[Any], replace: bool = False) -> Callable[[Any], Any]:
        """Decorator: ``fn(operations, operation)`` runs operations of ``op_cls``."""
        return Operations.implementation_for(op_cls)

    @classmethod
    @contextmanager
    def context(cls, migration_context: Any) -> Iterator[Any]:
        """``op`` bound to ``migration_context`` inside the block (operations run outside a
        migration, e.g. in a test or a script)."""
        operations = Operations(migration_context)
        with operations_in_effect(operations):
            yield operations

    def __init__(self, migration_context: Any, impl: Any = None) -> None:
        self.migration_context = migration_context
        self.impl = impl if impl is not None else migration_context.impl
        self.schema_obj: Any = None

    # the methods both have: Operations' or BatchOperations' own, whichever the instance is
    batch_alter_table = _Shared("batch_alter_table")
    f = _Shared("f")
    get_bind = _Shared("get_bind")
    get_context = _Shared("get_context")
    inline_literal = _Shared("inline_literal")
    invoke = _Shared("invoke")
    run_async = _Shared("run_async")
