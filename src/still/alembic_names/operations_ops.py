"""``alembic.operations.ops``: the operation classes (still's, under their Alembic names)."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.operations.ops",
    {
        "Operations": "still.operations.base:Operations",
        "BatchOperations": "still.operations.batch:BatchOperations",
    },
    names_of="still.operations.ops",
)
