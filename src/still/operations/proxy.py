"""The ``op`` proxy: module-level access to the Operations of the migration being run.

The current Operations are kept per thread and per asyncio task (a context variable), so that
several threads or tasks can each migrate their own database at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from still.errors import CommandError
from still.operations.base import Operations

_current: ContextVar[tuple[Operations, ...]] = ContextVar("still_operations", default=())


@contextmanager
def operations_in_effect(operations: Operations) -> Iterator[Operations]:
    """Make ``op.*`` act on ``operations`` for the duration of the block."""
    before = _current.get()
    _current.set((*before, operations))
    try:
        yield operations
    finally:
        _current.set(before)


def current_operations() -> Operations:
    current = _current.get()
    if not current:
        raise CommandError(
            "op.* was used outside a migration. Operations run only inside upgrade() or "
            "downgrade() of a revision file, when still runs it."
        )
    return current[-1]


def in_migration() -> bool:
    """True while a migration runs (``op.*`` has Operations to act on)."""
    return bool(_current.get())
