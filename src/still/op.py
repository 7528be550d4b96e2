"""``from alembic import op`` / ``from still import op``: the operations of the running migration.

Every attribute is looked up on the :class:`~still.operations.Operations` of the migration being
run, so ``op.create_table(...)`` works inside ``upgrade()`` and ``downgrade()``.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    if name == "Operations":  # as Alembic's proxy module has it
        from still.operations.base import Operations

        return Operations
    from still.operations.proxy import current_operations, in_migration

    if in_migration():
        return getattr(current_operations(), name)
    from still.operations.base import Operations

    if not callable(getattr(Operations, name, None)):
        return getattr(current_operations(), name)  # the error that says where op works
    # ``from alembic.op import create_table`` at the top of a revision file, before any
    # migration runs: a function that finds the running migration when it is called.

    def forward(*args: Any, **kw: Any) -> Any:
        return getattr(current_operations(), name)(*args, **kw)

    forward.__name__ = forward.__qualname__ = name
    return forward
