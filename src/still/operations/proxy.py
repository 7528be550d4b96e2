"""The ``op`` proxy: module-level access to the Operations of the migration being run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from still.errors import CommandError
from still.operations.base import Operations

_current: list[Operations] = []


@contextmanager
def operations_in_effect(operations: Operations) -> Iterator[Operations]:
    """Make ``op.*`` act on ``operations`` for the duration of the block."""
    _current.append(operations)
    try:
        yield operations
    finally:
        _current.pop()


def current_operations() -> Operations:
    if not _current:
        raise CommandError(
            "op.* was used outside a migration. Operations run only inside upgrade() or "
            "downgrade() of a revision file, when still runs it."
        )
    return _current[-1]


def in_migration() -> bool:
    """True while a migration runs (``op.*`` has Operations to act on)."""
    return bool(_current)
