"""``alembic.operations.ops``: the operation classes (still's, under their Alembic names)."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.operations.ops",
    {
        "Operations": "still.operations.base:Operations",
        "BatchOperations": "still.operations.batch:BatchOperations",
        # Alembic's constructors for hand-built operations (operations/alembic_ops.py)
        "CreatePrimaryKeyOp": "still.operations.ops:CreatePrimaryKeyOp",
        "CreateUniqueConstraintOp": "still.operations.ops:CreateUniqueConstraintOp",
        "CreateCheckConstraintOp": "still.operations.ops:CreateCheckConstraintOp",
        "CreateForeignKeyOp": "still.operations.ops:CreateForeignKeyOp",
        # base classes add-ons subclass (still's operations count as their instances)
        "AlterTableOp": "still.operations.alembic_ops:AlterTableOp",
        "OpContainer": "still.operations.alembic_ops:OpContainer",
    },
    names_of="still.operations.ops",
)
