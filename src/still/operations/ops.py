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

    def to_diff_tuple(self) -> Any:
        """The operation as ``compare_metadata()`` reports it; an operation that has no such
        form raises NotImplementedError (as Alembic's base does), which autogenerate takes as
        "no diff tuple"."""
        raise NotImplementedError(f"{type(self).__name__} has no diff tuple")

    def reverse(self) -> MigrateOperation:
        raise IrreversibleOperation(
            f"{self!r} cannot be reversed automatically: what it removes or runs is not known "
            "from the operation itself. Write the downgrade() step by hand."
        )

    @property
    def is_destructive(self) -> bool:
        """True when running it can lose data (dropping a table or a column)."""
        return False


def diff_tuple_of(op: MigrateOperation) -> Any:
    """An operation's diff tuple (``compare_metadata()``'s form), or None when it has none: no
    ``to_diff_tuple``, or one that raises NotImplementedError (Alembic's base does)."""
    to_diff = getattr(op, "to_diff_tuple", None)
    if not callable(to_diff):
        return None
    try:
        return to_diff()
    except NotImplementedError:
        return None


@dataclass
class CreateTableOp(MigrateOperation):
    """``kw`` holds the table's options (``comment``, ``info``, ``prefixes``, dialect options);
    ``_constraints_included`` says the column's ``unique``/``index`` flags are already among
    ``columns`` as constraints and indexes of their own (Alembic's ``from_table``)."""

    table_name: str
    columns: Sequence[Any]
    schema: str | None = None
    if_not_exists: bool | None = None
    kw: dict[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        table_name: str,
        columns: Sequence[Any],
        *,
        schema: str | None = None,
        if_not_exists: bool | None = None,
        _namespace_metadata: Any = None,
        _constraints_included: bool = False,
        **kw: Any,
    ) -> None:
        self.table_name = table_name
        self.columns = columns
        self.schema = schema
        self.if_not_exists = if_not_exists
        self.kw = kw
        self._namespace_metadata = _namespace_metadata
        self._constraints_included = _constraints_included

    def reverse(self) -> DropTableOp:
        return DropTableOp(self.table_name, schema=self.schema, _reverse=self)


@dataclass
class DropTableOp(MigrateOperation):
    """``kw`` is Alembic's ``table_kw`` (the table options the drop events see)."""

    table_name: str
    schema: str | None = None
    if_exists: bool | None = None
    kw: dict[str, Any] = field(default_factory=dict)
    reverse_of: CreateTableOp | None = None

    def __init__(
        self,
        table_name: str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        table_kw: Mapping[str, Any] | None = None,
        _reverse: CreateTableOp | None = None,
    ) -> None:
        self.table_name = table_name
        self.schema = schema
        self.if_exists = if_exists
        self.kw = dict(table_kw or {})
        self.reverse_of = _reverse
        self._namespace_metadata = getattr(_reverse, "_namespace_metadata", None)

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
    kw: dict[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        table_name: str,
        column: Any,
        *,
        schema: str | None = None,
        if_not_exists: bool | None = None,
        inline_references: bool | None = None,
        inline_primary_key: bool | None = None,
        **kw: Any,
    ) -> None:
        """``kw``: what else the call gave (batch mode's ``insert_before``/``insert_after``)."""
        self.table_name = table_name
        self.column = column
        self.schema = schema
        self.if_not_exists = if_not_exists
        self.inline_references = inline_references
        self.inline_primary_key = inline_primary_key
        self.kw = kw

    def reverse(self) -> DropColumnOp:
        return DropColumnOp(self.table_name, self.column.name, schema=self.schema, _reverse=self)


@dataclass
class DropColumnOp(MigrateOperation):
    """``kw``: ``existing_type=`` (the CHECK its type made), dialect options
    (``mssql_drop_default=True`` ...)."""

    table_name: str
    column_name: str
    schema: str | None = None
    if_exists: bool | None = None
    kw: dict[str, Any] = field(default_factory=dict)
    reverse_of: AddColumnOp | None = None

    def __init__(
        self,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        _reverse: AddColumnOp | None = None,
        **kw: Any,
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        self.if_exists = if_exists
        self.kw = kw
        self.reverse_of = _reverse

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
    kw: dict[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        index_name: str | None,
        table_name: str,
        columns: Sequence[Any],
        *,
        schema: str | None = None,
        unique: bool = False,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """``kw``: the index's dialect options (``postgresql_using=`` ...)."""
        self.index_name = index_name
        self.table_name = table_name
        self.columns = columns
        self.schema = schema
        self.unique = unique
        self.if_not_exists = if_not_exists
        self.kw = kw

    def reverse(self) -> DropIndexOp:
        return DropIndexOp(
            self.index_name, self.table_name, schema=self.schema, _reverse=self, **self.kw
        )


@dataclass
class DropIndexOp(MigrateOperation):
    index_name: str | None
    table_name: str | None = None
    schema: str | None = None
    if_exists: bool | None = None
    kw: dict[str, Any] = field(default_factory=dict)
    reverse_of: CreateIndexOp | None = None

    def __init__(
        self,
        index_name: str | None,
        table_name: str | None = None,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        _reverse: CreateIndexOp | None = None,
        **kw: Any,
    ) -> None:
        self.index_name = index_name
        self.table_name = table_name
        self.schema = schema
        self.if_exists = if_exists
        self.kw = kw
        self.reverse_of = _reverse

    def reverse(self) -> CreateIndexOp:
        if self.reverse_of is None:
            super().reverse()
        assert self.reverse_of is not None
        return self.reverse_of


@dataclass
class ExecuteSQLOp(MigrateOperation):
    sqltext: Any
    execution_options: Mapping[str, Any] | None = None

    def __init__(self, sqltext: Any, *, execution_options: Mapping[str, Any] | None = None) -> None:
        self.sqltext = sqltext
        self.execution_options = execution_options


@dataclass
class RenameTableOp(MigrateOperation):
    table_name: str  # the old name
    new_table_name: str
    schema: str | None = None

    def __init__(
        self, old_table_name: str, new_table_name: str, *, schema: str | None = None
    ) -> None:
        self.table_name = old_table_name
        self.new_table_name = new_table_name
        self.schema = schema

    def reverse(self) -> RenameTableOp:
        return RenameTableOp(self.new_table_name, self.table_name, schema=self.schema)


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
    kw: dict[str, Any] = field(default_factory=dict)

    def __init__(
        self,
        table_name: str,
        column_name: str,
        schema: str | None = None,
        existing_type: Any = None,
        existing_server_default: Any = False,
        existing_nullable: bool | None = None,
        existing_comment: str | None = None,
        modify_nullable: bool | None = None,
        modify_comment: Any = False,
        modify_server_default: Any = False,
        modify_name: str | None = None,
        modify_type: Any = None,
        **kw: Any,
    ) -> None:
        """Alembic's constructor (its positional order, its ``modify_*`` names); still's own
        names (``nullable=``, ``type_=``, ``server_default=``, ``new_column_name=``,
        ``comment=``, ``autoincrement=``) are taken too.  What else is given (dialect options,
        ``existing_autoincrement``, batch mode's placement) stays in ``kw``."""
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        self.nullable = kw.pop("nullable", modify_nullable)
        self.type_ = kw.pop("type_", modify_type)
        self.server_default = kw.pop("server_default", modify_server_default)
        self.new_column_name = kw.pop("new_column_name", modify_name)
        self.comment = kw.pop("comment", modify_comment)
        self.autoincrement = kw.pop("autoincrement", None)
        self.existing_type = existing_type
        self.existing_nullable = existing_nullable
        # "not given" is None here (Alembic's False)
        self.existing_server_default = (
            None if existing_server_default is False else existing_server_default
        )
        self.existing_comment = existing_comment
        self.kw = kw

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
        # a kind DROP CONSTRAINT does not name (PostgreSQL's EXCLUDE): no type, as in Alembic
        type_ = self.kind if self.kind in ("primary", "unique", "check", "foreignkey") else None
        return DropConstraintOp(
            self.constraint_name,
            self.table_name,
            type_,
            schema=self.schema,
            _reverse=self,
        )


@dataclass
class DropConstraintOp(MigrateOperation):
    constraint_name: str | None
    table_name: str
    type_: str | None = None
    schema: str | None = None
    reverse_of: AddConstraintOp | None = None
    if_exists: bool | None = None

    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        type_: str | None = None,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        _reverse: AddConstraintOp | None = None,
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.type_ = type_
        self.schema = schema
        self.if_exists = if_exists
        self.reverse_of = _reverse

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
