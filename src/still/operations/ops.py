"""Operation objects: what a migration asks for, as plain data.

Executing, printing SQL, reversing for ``downgrade`` and rendering to Python are functions over
these objects (see :mod:`still.operations.implementations`); an operation never emits SQL itself.
Adding an operation means one class here and one entry in each table that handles operations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from still.errors import IrreversibleOperation


class MigrateOperation:
    """Base of every operation."""

    def reverse(self) -> MigrateOperation:
        raise IrreversibleOperation(
            f"{self!r} cannot be reversed automatically: what it removes or runs is not known "
            "from the operation itself. Write the downgrade() step by hand."
        )

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
    """Add ``column`` with what it carries (foreign key, unique, index, CHECK, comment);
    ``inline_references`` / ``inline_primary_key`` write its foreign key and primary key into
    the ADD itself."""

    table_name: str
    column: Any
    schema: str | None = None
    if_not_exists: bool | None = None
    inline_references: bool | None = None
    inline_primary_key: bool | None = None

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


@dataclass
class RenameTableOp(MigrateOperation):
    table_name: str
    new_table_name: str
    schema: str | None = None

    def reverse(self) -> RenameTableOp:
        return RenameTableOp(self.new_table_name, self.table_name, self.schema)


@dataclass
class CreateTableCommentOp(MigrateOperation):
    table_name: str
    comment: str | None
    schema: str | None = None
    existing_comment: str | None = None

    def reverse(self) -> MigrateOperation:
        if self.existing_comment is None:
            return DropTableCommentOp(self.table_name, self.schema, self.comment)
        return CreateTableCommentOp(
            self.table_name, self.existing_comment, self.schema, self.comment
        )


@dataclass
class DropTableCommentOp(MigrateOperation):
    table_name: str
    schema: str | None = None
    existing_comment: str | None = None

    def reverse(self) -> CreateTableCommentOp:
        if self.existing_comment is None:
            super().reverse()
        return CreateTableCommentOp(self.table_name, self.existing_comment, self.schema)


@dataclass
class AlterColumnOp(MigrateOperation):
    """Change a column; ``existing_*`` describe it as it is (MySQL needs the full definition)."""

    table_name: str
    column_name: str
    schema: str | None = None
    nullable: bool | None = None
    type_: Any = None
    server_default: Any = False  # False: leave alone; None: drop the default
    new_column_name: str | None = None
    comment: Any = False  # False: leave alone; None: drop the comment
    autoincrement: bool | None = None
    existing_type: Any = None
    existing_nullable: bool | None = None
    existing_server_default: Any = None
    existing_comment: str | None = None
    kw: Mapping[str, Any] = field(default_factory=dict)

    def reverse(self) -> AlterColumnOp:
        name = self.new_column_name or self.column_name
        return AlterColumnOp(
            self.table_name,
            name,
            schema=self.schema,
            nullable=self.existing_nullable if self.nullable is not None else None,
            type_=self.existing_type if self.type_ is not None else None,
            server_default=self.existing_server_default
            if self.server_default is not False
            else False,
            new_column_name=self.column_name if self.new_column_name else None,
            comment=self.existing_comment if self.comment is not False else False,
            existing_type=self.type_ if self.type_ is not None else self.existing_type,
            existing_nullable=self.nullable
            if self.nullable is not None
            else self.existing_nullable,
            existing_server_default=(
                self.server_default
                if self.server_default is not False
                else self.existing_server_default
            ),
            existing_comment=self.comment if self.comment is not False else self.existing_comment,
        )


@dataclass
class AddConstraintOp(MigrateOperation):
    """create_primary_key / create_unique_constraint / create_check_constraint /
    create_foreign_key: ``kind`` says which; ``spec`` holds what that kind needs."""

    kind: str
    constraint_name: str | None
    table_name: str
    spec: Mapping[str, Any]
    schema: str | None = None

    def reverse(self) -> DropConstraintOp:
        type_ = {
            "primary": "primary",
            "unique": "unique",
            "check": "check",
            "foreignkey": "foreignkey",
        }
        return DropConstraintOp(
            self.constraint_name, self.table_name, type_[self.kind], self.schema, reverse_of=self
        )


@dataclass
class DropConstraintOp(MigrateOperation):
    constraint_name: str | None
    table_name: str
    type_: str | None = None
    schema: str | None = None
    reverse_of: AddConstraintOp | None = None
    if_exists: bool | None = None

    def reverse(self) -> AddConstraintOp:
        if self.reverse_of is None:
            super().reverse()
        assert self.reverse_of is not None
        return self.reverse_of

    @property
    def is_destructive(self) -> bool:
        return False


@dataclass
class BulkInsertOp(MigrateOperation):
    table: Any
    rows: Sequence[Mapping[str, Any]]
    multiinsert: bool = True


# -- PostgreSQL enum types (autogenerate emits these; they render as op.execute) ------------------


@dataclass
class CreateEnumOp(MigrateOperation):
    """``CREATE TYPE name AS ENUM (...)``: before the tables that use it."""

    name: str
    values: Sequence[str]
    schema: str | None = None

    def reverse(self) -> DropEnumOp:
        return DropEnumOp(self.name, self.schema, list(self.values))


@dataclass
class DropEnumOp(MigrateOperation):
    """``DROP TYPE name``: after the tables that used it; ``values`` make it reversible."""

    name: str
    schema: str | None = None
    values: Sequence[str] | None = None

    def reverse(self) -> CreateEnumOp:
        if self.values is None:
            super().reverse()
        assert self.values is not None
        return CreateEnumOp(self.name, list(self.values), self.schema)


@dataclass
class AlterEnumOp(MigrateOperation):
    """Give an enum type new ``values``: appended ones with ``ALTER TYPE ... ADD VALUE``; a
    removal or reordering by swapping the type under ``columns`` ((schema, table, column))."""

    name: str
    values: Sequence[str]
    existing_values: Sequence[str]
    schema: str | None = None
    columns: Sequence[tuple[str | None, str, str]] = ()

    def reverse(self) -> AlterEnumOp:
        return AlterEnumOp(
            self.name, self.existing_values, self.values, self.schema, list(self.columns)
        )

    @property
    def is_destructive(self) -> bool:
        return bool(set(self.existing_values) - set(self.values))


# -- containers (autogenerate's result) -----------------------------------------------------------


@dataclass
class ModifyTableOps(MigrateOperation):
    """Operations on one existing table, kept together (batch mode renders them as one block)."""

    table_name: str
    ops: list[MigrateOperation]
    schema: str | None = None

    def reverse(self) -> ModifyTableOps:
        return ModifyTableOps(
            self.table_name, [op.reverse() for op in reversed(self.ops)], schema=self.schema
        )

    @property
    def is_destructive(self) -> bool:
        return any(op.is_destructive for op in self.ops)


@dataclass
class UpgradeOps(MigrateOperation):
    """The body of ``upgrade()``."""

    ops: list[MigrateOperation] = field(default_factory=list)
    upgrade_token: str = "upgrades"

    def reverse(self) -> DowngradeOps:
        return DowngradeOps(
            [op.reverse() for op in reversed(self.ops)],
            downgrade_token=self.upgrade_token.replace("upgrade", "downgrade"),
        )

    def is_empty(self) -> bool:
        return not self.ops


@dataclass
class DowngradeOps(MigrateOperation):
    """The body of ``downgrade()``."""

    ops: list[MigrateOperation] = field(default_factory=list)
    downgrade_token: str = "downgrades"

    def reverse(self) -> UpgradeOps:
        return UpgradeOps(
            [op.reverse() for op in reversed(self.ops)],
            upgrade_token=self.downgrade_token.replace("downgrade", "upgrade"),
        )

    def is_empty(self) -> bool:
        return not self.ops


@dataclass
class MigrationScript(MigrateOperation):
    """A revision file to write: its header fields and its upgrade and downgrade operations."""

    rev_id: str | None
    upgrade_ops: UpgradeOps
    downgrade_ops: DowngradeOps
    message: str | None = None
    imports: set[str] = field(default_factory=set)
    head: str | None = None
    splice: bool | None = None
    branch_label: Any = None
    version_path: str | None = None
    depends_on: Any = None
    info: dict[str, Any] = field(default_factory=dict)
    # An env.py that compares several databases in one run (the multidb templates: one
    # context.configure() per database) gives one more body pair per further database, each
    # named by its upgrade_token / downgrade_token.
    further_upgrade_ops: list[UpgradeOps] = field(default_factory=list)
    further_downgrade_ops: list[DowngradeOps] = field(default_factory=list)

    @property
    def upgrade_ops_list(self) -> list[UpgradeOps]:
        """Alembic's name: the ``upgrade()`` body of every database compared, in order."""
        return [self.upgrade_ops, *self.further_upgrade_ops]

    @property
    def downgrade_ops_list(self) -> list[DowngradeOps]:
        """Alembic's name: the ``downgrade()`` body of every database compared, in order."""
        return [self.downgrade_ops, *self.further_downgrade_ops]


# Alembic's names and constructors for hand-built operations (imported last: they extend the
# classes above).
from still.operations.alembic_ops import (  # noqa: E402, F401
    CreateCheckConstraintOp,
    CreateForeignKeyOp,
    CreatePrimaryKeyOp,
    CreateUniqueConstraintOp,
)
