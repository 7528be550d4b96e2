"""Operation objects: what a migration asks for, as plain data.

Executing, printing SQL, reversing for ``downgrade`` and rendering to Python are functions over
these objects (see :mod:`still.operations.implementations`); an operation never emits SQL itself.
Adding an operation means one class here and one entry in each table that handles operations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class MigrateOperation:
    """Base of every operation."""

    def reverse(self) -> MigrateOperation:
        raise NotImplementedError(f"{type(self).__name__} cannot be reversed automatically.")

    @property
    def is_destructive(self) -> bool:
        """True when running it can lose data (dropping a table or a column)."""
        return False


@dataclass
class CreateTableOp(MigrateOperation):
    table_name: str
    columns: Sequence[Any]
    schema: str | None = None
    if_not_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def reverse(self) -> DropTableOp:
        return DropTableOp(self.table_name, schema=self.schema, reverse_of=self)


@dataclass
class DropTableOp(MigrateOperation):
    table_name: str
    schema: str | None = None
    if_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    reverse_of: CreateTableOp | None = None

    def reverse(self) -> CreateTableOp:
        if self.reverse_of is None:
            super().reverse()
        assert self.reverse_of is not None
        return self.reverse_of

    @property
    def is_destructive(self) -> bool:
        return True


@dataclass
class AddColumnOp(MigrateOperation):
    table_name: str
    column: Any
    schema: str | None = None
    if_not_exists: bool | None = None

    def reverse(self) -> DropColumnOp:
        return DropColumnOp(self.table_name, self.column.name, schema=self.schema, reverse_of=self)


@dataclass
class DropColumnOp(MigrateOperation):
    table_name: str
    column_name: str
    schema: str | None = None
    if_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    reverse_of: AddColumnOp | None = None

    def reverse(self) -> AddColumnOp:
        if self.reverse_of is None:
            super().reverse()
        assert self.reverse_of is not None
        return self.reverse_of

    @property
    def is_destructive(self) -> bool:
        return True


@dataclass
class CreateIndexOp(MigrateOperation):
    index_name: str | None
    table_name: str
    columns: Sequence[Any]
    schema: str | None = None
    unique: bool = False
    if_not_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def reverse(self) -> DropIndexOp:
        return DropIndexOp(self.index_name, self.table_name, schema=self.schema, reverse_of=self)


@dataclass
class DropIndexOp(MigrateOperation):
    index_name: str | None
    table_name: str | None = None
    schema: str | None = None
    if_exists: bool | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)
    reverse_of: CreateIndexOp | None = None

    def reverse(self) -> CreateIndexOp:
        if self.reverse_of is None:
            super().reverse()
        assert self.reverse_of is not None
        return self.reverse_of


@dataclass
class ExecuteSQLOp(MigrateOperation):
    sqltext: Any
    execution_options: Mapping[str, Any] | None = None
