"""``alembic.operations`` (and ``alembic.operations.base``)."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__path__: list[str] = []

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.operations",
    {
        "Operations": "still.operations.base:Operations",
        "BatchOperations": "still.operations.batch:BatchOperations",
        "AbstractOperations": "still.operations.abstract_operations:AbstractOperations",
        "MigrateOperation": "still.operations.ops:MigrateOperation",
        "MigrationScript": "still.operations.ops:MigrationScript",
        # ops, base: submodules (still.compat.ALEMBIC_MODULES)
    },
)
