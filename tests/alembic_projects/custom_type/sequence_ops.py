"""The project's own operations: ``op.create_sequence`` and ``op.drop_sequence``, added to
Alembic's ``op`` through its documented extension interface (register_operation for the method,
implementation_for for what runs).  SQLite has no sequences: there a sequence is a one-row table
holding the next value (named like the sequence, NAME_seq), which is what the application reads."""

from typing import Any

from alembic.operations import MigrateOperation, Operations


@Operations.register_operation("create_sequence")
class CreateSequenceOp(MigrateOperation):
    def __init__(self, sequence_name: str, start: int = 1) -> None:
        self.sequence_name = sequence_name
        self.start = start

    @classmethod
    def create_sequence(cls, operations: Any, sequence_name: str, start: int = 1) -> Any:
        """Make a sequence that hands out numbers from ``start``."""
        return operations.invoke(cls(sequence_name, start))

    def reverse(self) -> "DropSequenceOp":
        return DropSequenceOp(self.sequence_name, self.start)


@Operations.register_operation("drop_sequence")
class DropSequenceOp(MigrateOperation):
    def __init__(self, sequence_name: str, start: int = 1) -> None:
        self.sequence_name = sequence_name
        self.start = start

    @classmethod
    def drop_sequence(cls, operations: Any, sequence_name: str, start: int = 1) -> Any:
        """Remove a sequence made by create_sequence."""
        return operations.invoke(cls(sequence_name, start))

    def reverse(self) -> CreateSequenceOp:
        return CreateSequenceOp(self.sequence_name, self.start)


def is_sequence_table(name: str) -> bool:
    """The SQLite stand-in tables are named like sequences: NAME_seq."""
    return name.endswith("_seq")


def _sqlite(operations: Any) -> bool:
    return bool(operations.get_context().dialect.name == "sqlite")


@Operations.implementation_for(CreateSequenceOp)
def create_sequence(operations: Any, operation: CreateSequenceOp) -> None:
    name = operation.sequence_name
    if _sqlite(operations):
        operations.execute(f"CREATE TABLE {name} (next_value INTEGER NOT NULL)")
        operations.execute(f"INSERT INTO {name} (next_value) VALUES ({operation.start})")
    else:
        operations.execute(f"CREATE SEQUENCE {name} START WITH {operation.start}")


@Operations.implementation_for(DropSequenceOp)
def drop_sequence(operations: Any, operation: DropSequenceOp) -> None:
    kind = "TABLE" if _sqlite(operations) else "SEQUENCE"
    operations.execute(f"DROP {kind} {operation.sequence_name}")
