"""``alembic.operations.ops``: the operation classes (still's, under their Alembic names)."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.operations.ops",
    {
        "Operations": "still.operations.base:Operations",
        "BatchOperations": "still.operations.batch:BatchOperations",
        # Alembic's constructors for hand-built operations (each kind of AddConstraintOp)
        "CreatePrimaryKeyOp": "still.operations.ops:CreatePrimaryKeyOp",
        "CreateUniqueConstraintOp": "still.operations.ops:CreateUniqueConstraintOp",
        "CreateCheckConstraintOp": "still.operations.ops:CreateCheckConstraintOp",
        "CreateForeignKeyOp": "still.operations.ops:CreateForeignKeyOp",
        # base classes add-ons subclass (still's operations are their subclasses)
        "AlterTableOp": "still.operations.ops:AlterTableOp",
        "OpContainer": "still.operations.ops:OpContainer",
    },
    names_of="still.operations.ops",
)
