"""``from alembic import op`` / ``from still import op``: the operations of the running migration.

Every attribute is looked up on the :class:`~still.operations.Operations` of the migration being
run, so ``op.create_table(...)`` works inside ``upgrade()`` and ``downgrade()``.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    from still.operations.proxy import current_operations

    return getattr(current_operations(), name)
