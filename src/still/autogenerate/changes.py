"""The comparators' findings, each an operation with its Alembic-style diff, and how they are put
in order: one list of operations whose reverse is the downgrade.

Phases, in upgrade order: enum types; foreign keys dropped; tables created (foreign-key order);
per table: indexes and unique constraints dropped, columns dropped, added, altered, indexes and
unique constraints added, then what add-ons' table comparators add; foreign keys added; tables
dropped (reverse foreign-key order); enum types dropped.  Every phase only depends on the ones
before it, so the reverse order (the downgrade) is valid too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from still.operations import ops


class Phase(IntEnum):
    ENUMS = 0
    DROP_FOREIGN_KEYS = 1
    CREATE_TABLES = 2
    DROP_INDEXES = 3
    DROP_COLUMNS = 4
    ADD_COLUMNS = 5
    ALTER_COLUMNS = 6
    ADD_INDEXES = 7
    TABLE_EXTRAS = 8  # what registered "table" comparators added to the table's operations
    ADD_FOREIGN_KEYS = 9
    DROP_TABLES = 10
    DROP_ENUMS = 11


# Phases whose operations are grouped per table in one block.
_TABLE_BLOCK = {
    Phase.DROP_INDEXES,
    Phase.DROP_COLUMNS,
    Phase.ADD_COLUMNS,
    Phase.ALTER_COLUMNS,
    Phase.ADD_INDEXES,
    Phase.TABLE_EXTRAS,
}


@dataclass
class Change:
    phase: Phase
    op: ops.MigrateOperation
    diff: Any  # a tuple, or a list of tuples (one column's modify_* diffs)
    table: tuple[str | None, str] | None = None  # (schema, name) when the op is on a table
    order: int = 0  # tables' order (creation order) within a phase


@dataclass
class Changes:
    items: list[Change] = field(default_factory=list)
    table_order: dict[tuple[str | None, str], int] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # worth knowing; nothing to migrate
    cautions: list[str] = field(default_factory=list)  # differences no operation here can make

    def add(
        self,
        phase: Phase,
        op: ops.MigrateOperation,
        diff: Any,
        table: tuple[str | None, str] | None = None,
    ) -> None:
        self.items.append(Change(phase, op, diff, table))

    def ordered(self) -> list[Change]:
        def key(item: tuple[int, Change]) -> tuple[int, int, int, int]:
            seq, change = item
            phase = change.phase
            table_rank = self.table_order.get(change.table, 0) if change.table else 0
            if phase in _TABLE_BLOCK:
                return (Phase.DROP_INDEXES, table_rank, phase, seq)
            if phase is Phase.DROP_TABLES:
                return (phase, 0, 0, seq)  # already in drop order
            return (phase, table_rank, 0, seq)

        return [change for _, change in sorted(enumerate(self.items), key=key)]

    def diffs(self) -> list[Any]:
        return [change.diff for change in self.ordered() if change.diff is not None]

    def upgrade_ops(self) -> ops.UpgradeOps:
        result: list[ops.MigrateOperation] = []
        for change in self.ordered():
            if change.table is None:
                result.append(change.op)
                continue
            schema, name = change.table
            last = result[-1] if result else None
            if (
                isinstance(last, ops.ModifyTableOps)
                and last.table_name == name
                and last.schema == schema
            ):
                last.ops.append(change.op)
            else:
                result.append(ops.ModifyTableOps(name, [change.op], schema=schema))
        return ops.UpgradeOps(result)
