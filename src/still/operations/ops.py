"""Operation objects: what a migration asks for, as plain data.

Executing, printing SQL, reversing for ``downgrade`` and rendering to Python are functions over
these objects (see :mod:`still.operations.implementations`); an operation never emits SQL itself.
Adding an operation means one class here and one entry in each table that handles operations.

Each class also carries the surface Alembic documents for it, in its own body: Alembic's
constructor names (``AlterColumnOp(modify_nullable=...)``, ``CreateForeignKeyOp``,
``CreatePrimaryKeyOp`` ...), the conversions from and to SQLAlchemy schema objects
(``CreateTableOp.from_table(t)``, ``op.to_table()``), ``to_diff_tuple()`` (the form
``compare_metadata()`` reports an operation in), ``OpClass.op_name(operations, ...)``, and the
bases add-ons build on, :class:`AlterTableOp` and :class:`OpContainer`.  Add-ons and
``process_revision_directives`` rewriters build and read operations through these names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.sql.sqltypes import NullType

from still.errors import IrreversibleOperation
from still.operations import schema as schema_objects
from still.sqla_private import exclude_elements, made_by_column_flag


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

    @property
    def info(self) -> dict[str, Any]:
        """A dictionary of your own on every operation (Alembic's ``MigrateOperation.info``)."""
        found: dict[str, Any] = self.__dict__.setdefault("_still_info", {})
        return found

    @info.setter
    def info(self, value: dict[str, Any]) -> None:
        self.__dict__["_still_info"] = value


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


class AlterTableOp(MigrateOperation):
    """Alembic's base of operations on one existing table (``table_name``, ``schema``).

    Add-ons subclass it for operations of their own; still's table-level operations (alter
    column, add/drop column and constraint, rename, table comments) are its subclasses.
    """

    def __init__(self, table_name: str, schema: str | None = None) -> None:
        self.table_name = table_name
        self.schema = schema


class OpContainer(MigrateOperation):
    """Alembic's base of operations holding others in ``ops`` (upgrade_ops, downgrade_ops, the
    per-table block): UpgradeOps, DowngradeOps and ModifyTableOps are its subclasses."""

    ops: list[MigrateOperation]

    def __init__(self, ops: Sequence[MigrateOperation] = ()) -> None:
        self.ops = list(ops)

    def is_empty(self) -> bool:
        return not self.ops

    def as_diffs(self) -> list[Any]:
        """The diff tuples of the operations held, nested containers flattened."""
        return _diffs_in(self)


def _diffs_in(container: Any) -> list[Any]:
    """The diff tuples of a container's operations, nested containers flattened (an
    alter_column's list of ``modify_*`` tuples stays one entry, as compare_metadata gives it)."""
    found: list[Any] = []
    for operation in container.ops:
        if hasattr(operation, "ops"):
            found.extend(_diffs_in(operation))
        else:
            diff = diff_tuple_of(operation)
            if diff is not None:
                found.append(diff)
    return found


def _alias(name: str) -> Any:
    """A property that reads and writes the attribute ``name`` (Alembic's name for a field
    still calls otherwise: ``modify_type`` for ``type_``, ``_reverse`` for ``reverse_of``)."""
    return property(
        lambda self: getattr(self, name), lambda self, value: setattr(self, name, value)
    )


def _operations_class(batch: bool) -> type[Any]:
    """``Operations`` or ``BatchOperations`` (they import this module: looked up when asked)."""
    if batch:
        from still.operations.batch import BatchOperations

        return BatchOperations
    from still.operations.base import Operations

    return Operations


class _Forward:
    """``AddColumnOp.add_column(operations, ...)`` is ``operations.add_column(...)``; the
    signature is the method's, read when asked."""

    def __init__(self, method: str, batch: bool) -> None:
        self.method = method
        self.batch = batch
        self.__name__ = ("batch_" if batch else "") + method

    def __call__(self, cls: type[Any], operations: Any, *args: Any, **kw: Any) -> Any:
        return getattr(operations, self.method)(*args, **kw)

    @property
    def __signature__(self) -> inspect.Signature:
        signature = inspect.signature(getattr(_operations_class(self.batch), self.method))
        positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
        params = [
            inspect.Parameter("cls", positional),
            inspect.Parameter("operations", positional),
            *list(signature.parameters.values())[1:],
        ]
        return signature.replace(parameters=params)


def _forward(method: str, batch: bool = False) -> Any:
    """Alembic's ``OpClass.method(operations, ...)`` (``batch``: ``OpClass.batch_method``)."""
    return classmethod(_Forward(method, batch))


class _TableOptions:
    """Alembic's views of a table's options (``kw``), shared by create and drop."""

    kw: dict[str, Any]

    @property
    def comment(self) -> Any:
        return self.kw.get("comment")

    @property
    def prefixes(self) -> list[Any]:
        return list(self.kw.get("prefixes") or [])


@dataclass
class CreateTableOp(_TableOptions, MigrateOperation):
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

    @classmethod
    def from_table(cls, table: Table, *, _namespace_metadata: Any = None) -> Any:
        """The operation that creates ``table`` (Alembic's), from unattached copies of its
        columns and constraints: the operation builds its own table."""
        kw = dict(table.kwargs)
        for name in ("comment", "info", "prefixes"):
            value = getattr(table, name, None)
            if value:
                kw[name] = value
        # A copied column keeps its unique=/index= flags; the constraints those flags made, and
        # the primary key the columns declare, are not copied again.
        items: list[Any] = [column._copy() for column in table.columns]
        items += [
            schema_objects.detached(constraint)
            for constraint in list(table.constraints)
            if not made_by_column_flag(constraint)
            and not (isinstance(constraint, PrimaryKeyConstraint) and not constraint.name)
        ]
        metadata = table.metadata if _namespace_metadata is None else _namespace_metadata
        return cls(table.name, items, schema=table.schema, _namespace_metadata=metadata, **kw)

    def to_table(self, migration_context: Any = None) -> Table:
        """The table this operation makes, built from copies (the operation stays runnable)."""
        return schema_objects.table_of_copies(
            self.table_name, self.columns, schema=self.schema, **self.kw
        )

    def to_diff_tuple(self) -> Any:
        return ("add_table", self.to_table())

    create_table = _forward("create_table")


@dataclass
class DropTableOp(_TableOptions, MigrateOperation):
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

    # Alembic keeps what undoes a drop in ``_reverse``; add-ons read it.
    _reverse = _alias("reverse_of")

    @classmethod
    def from_table(cls, table: Table, *, _namespace_metadata: Any = None) -> Any:
        created = CreateTableOp.from_table(table, _namespace_metadata=_namespace_metadata)
        return cls(table.name, schema=table.schema, table_kw=dict(created.kw), _reverse=created)

    def to_table(self, migration_context: Any = None) -> Table:
        """The table dropped: as its reverse creates it, or a stub with no columns."""
        if self.reverse_of is not None:
            return self.reverse_of.to_table()
        return schema_objects.table(self.table_name, schema=self.schema)

    @property
    def table_kw(self) -> dict[str, Any]:
        return dict(self.kw)

    def to_diff_tuple(self) -> Any:
        return ("remove_table", self.to_table())

    drop_table = _forward("drop_table")


@dataclass
class AddColumnOp(AlterTableOp):
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

    @classmethod
    def from_column(cls, col: Column[Any]) -> Any:
        """Add ``col`` (a column of a table) to its table."""
        table_name, table_schema = schema_objects.owner_of(col)
        return cls(table_name, col, schema=table_schema)

    @classmethod
    def from_column_and_tablename(cls, schema: str | None, tname: str, col: Any) -> Any:
        return cls(tname, col, schema=schema)

    def to_column(self) -> Any:
        return self.column

    def to_diff_tuple(self) -> Any:
        return ("add_column", self.schema, self.table_name, self.column)

    add_column = _forward("add_column")
    batch_add_column = _forward("add_column", batch=True)


@dataclass
class DropColumnOp(AlterTableOp):
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

    _reverse = _alias("reverse_of")

    @classmethod
    def from_column_and_tablename(cls, schema: str | None, tname: str, col: Any) -> Any:
        return cls(tname, col.name, schema=schema, _reverse=AddColumnOp(tname, col, schema=schema))

    def to_column(self, migration_context: Any = None) -> Column[Any]:
        """The column dropped: as its reverse adds it, or a column of no known type."""
        if self.reverse_of is not None:
            column: Column[Any] = self.reverse_of.column
            return column
        return Column(self.column_name, NullType())

    def to_diff_tuple(self) -> Any:
        return ("remove_column", self.schema, self.table_name, self.to_column())

    drop_column = _forward("drop_column")
    batch_drop_column = _forward("drop_column", batch=True)


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

    @classmethod
    def from_index(cls, index: Any) -> Any:
        table_name, table_schema = schema_objects.owner_of(index)
        return cls(
            index.name,
            table_name,
            # the table's Column objects, as Alembic's (rewriters read them)
            list(index.expressions),
            schema=table_schema,
            unique=bool(index.unique),
            **index.kwargs,
        )

    def to_index(self, migration_context: Any = None) -> Any:
        return schema_objects.index(
            self.index_name,
            self.table_name,
            self.columns,
            schema=self.schema,
            unique=self.unique,
            **self.kw,
        )

    def to_diff_tuple(self) -> Any:
        return ("add_index", self.to_index())

    create_index = _forward("create_index")
    batch_create_index = _forward("create_index", batch=True)


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

    _reverse = _alias("reverse_of")

    @classmethod
    def from_index(cls, index: Any) -> Any:
        table_name, table_schema = schema_objects.owner_of(index)
        return cls(
            index.name,
            table_name,
            schema=table_schema,
            _reverse=CreateIndexOp.from_index(index),
            **index.kwargs,
        )

    def to_index(self, migration_context: Any = None) -> Any:
        """The index dropped: as its reverse creates it, or a stub on no columns."""
        if self.reverse_of is not None:
            return self.reverse_of.to_index()
        return schema_objects.index(self.index_name, self.table_name or "", [], schema=self.schema)

    def to_diff_tuple(self) -> Any:
        return ("remove_index", self.to_index())

    drop_index = _forward("drop_index")
    batch_drop_index = _forward("drop_index", batch=True)


@dataclass
class ExecuteSQLOp(MigrateOperation):
    sqltext: Any
    execution_options: Mapping[str, Any] | None = None

    def __init__(self, sqltext: Any, *, execution_options: Mapping[str, Any] | None = None) -> None:
        self.sqltext = sqltext
        self.execution_options = execution_options

    execute = _forward("execute")
    batch_execute = _forward("execute", batch=True)


@dataclass
class RenameTableOp(AlterTableOp):
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

    rename_table = _forward("rename_table")


@dataclass
class CreateTableCommentOp(AlterTableOp):
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

    def to_table(self, migration_context: Any = None) -> Table:
        """A stub of the table, with the new comment."""
        return schema_objects.table(self.table_name, schema=self.schema, comment=self.comment)

    def to_diff_tuple(self) -> Any:
        return ("add_table_comment", self.to_table(), self.existing_comment)

    create_table_comment = _forward("create_table_comment")
    batch_create_table_comment = _forward("create_table_comment", batch=True)


@dataclass
class DropTableCommentOp(AlterTableOp):
    table_name: str
    schema: str | None = None
    existing_comment: str | None = None

    def reverse(self) -> CreateTableCommentOp:
        if self.existing_comment is None:
            super().reverse()
        return CreateTableCommentOp(self.table_name, self.existing_comment, self.schema)

    def to_table(self, migration_context: Any = None) -> Table:
        """A stub of the table, with no comment."""
        return schema_objects.table(self.table_name, schema=self.schema, comment=None)

    def to_diff_tuple(self) -> Any:
        return ("remove_table_comment", self.to_table())

    drop_table_comment = _forward("drop_table_comment")
    batch_drop_table_comment = _forward("drop_table_comment", batch=True)


@dataclass
class AlterColumnOp(AlterTableOp):
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

    # Alembic's names too: column comparators set op.modify_type, rewriters read it.
    modify_nullable = _alias("nullable")
    modify_type = _alias("type_")
    modify_server_default = _alias("server_default")
    modify_name = _alias("new_column_name")
    modify_comment = _alias("comment")

    def has_changes(self) -> bool:
        return (
            self.nullable is not None
            or self.type_ is not None
            or self.server_default is not False
            or self.comment is not False
            or self.new_column_name is not None
            or bool(self.kw)
        )

    def to_diff_tuple(self) -> Any:
        """A list of ``modify_*`` tuples, one for each change (as compare_metadata gives it)."""
        existing = {
            "existing_type": self.existing_type,
            "existing_nullable": self.existing_nullable,
            "existing_server_default": self.existing_server_default,
            "existing_comment": self.existing_comment,
        }

        def others(leave_out: str) -> dict[str, Any]:
            return {k: v for k, v in existing.items() if k != leave_out}

        where = (self.schema, self.table_name, self.column_name)
        diffs: list[tuple[Any, ...]] = []
        if self.type_ is not None:
            diffs.append(
                ("modify_type", *where, others("existing_type"), self.existing_type, self.type_)
            )
        if self.nullable is not None:
            diffs.append(
                (
                    "modify_nullable",
                    *where,
                    others("existing_nullable"),
                    self.existing_nullable,
                    self.nullable,
                )
            )
        if self.server_default is not False:
            diffs.append(
                (
                    "modify_default",
                    *where,
                    others("existing_server_default"),
                    self.existing_server_default,
                    self.server_default,
                )
            )
        if self.comment is not False:
            diffs.append(
                (
                    "modify_comment",
                    *where,
                    others("existing_comment"),
                    self.existing_comment,
                    self.comment,
                )
            )
        return diffs

    alter_column = _forward("alter_column")
    batch_alter_column = _forward("alter_column", batch=True)


# constraint __visit_name__ -> fn(constraint) -> AddConstraintOp (register_add_constraint)
_ADD_CONSTRAINT_OPS: dict[str, Callable[[Any], Any]] = {}

# AddConstraintOp.kind -> Alembic's constraint_type
_CONSTRAINT_TYPES = {"primary": "primarykey", "unique": "unique", "check": "check"}


class _AddConstraintOps:
    """Alembic's ``AddConstraintOp.add_constraint_ops``: how each kind of constraint becomes an
    operation (add-ons register theirs with ``register_add_constraint``)."""

    def dispatch_for(self, type_: str, qualifier: str = "default", replace: bool = False) -> Any:
        def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
            _ADD_CONSTRAINT_OPS[type_] = fn
            return fn

        return register

    def dispatch(self, obj: Any, qualifier: str = "default") -> Callable[[Any], Any]:
        name = obj if isinstance(obj, str) else obj.__visit_name__
        return _ADD_CONSTRAINT_OPS.get(name) or _adding


@dataclass
class AddConstraintOp(AlterTableOp):
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

    add_constraint_ops = _AddConstraintOps()

    @classmethod
    def register_add_constraint(cls, type_: str) -> Callable[[type[Any]], type[Any]]:
        """Class decorator: a constraint whose ``__visit_name__`` is ``type_`` becomes an
        operation through the class's ``from_constraint``."""

        def register(klass: type[Any]) -> type[Any]:
            _ADD_CONSTRAINT_OPS[type_] = klass.from_constraint
            return klass

        return register

    @classmethod
    def from_constraint(cls, constraint: Any) -> Any:
        """The operation that adds ``constraint`` (a constraint attached to a table)."""
        return _adding(constraint)

    def to_constraint(self, migration_context: Any = None) -> Any:
        return schema_objects.constraint(self)

    @property
    def constraint_type(self) -> str:
        return _CONSTRAINT_TYPES.get(self.kind, self.kind)

    def to_diff_tuple(self) -> Any:
        return _constraint_diff("add", schema_objects.constraint(self))


@dataclass
class DropConstraintOp(AlterTableOp):
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

    _reverse = _alias("reverse_of")

    @classmethod
    def from_constraint(cls, constraint: Any) -> Any:
        table_name, table_schema = schema_objects.owner_of(constraint)
        return cls(
            schema_objects.constraint_name(constraint),
            table_name,
            type_=_DROP_TYPES.get(constraint.__visit_name__),
            schema=table_schema,
            _reverse=_adding(constraint),
        )

    def to_constraint(self, migration_context: Any = None) -> Any:
        """The constraint dropped: as its reverse adds it, or one known by name and kind."""
        if self.reverse_of is not None:
            return schema_objects.constraint(self.reverse_of)
        return schema_objects.dropped_constraint(
            self.constraint_name, self.table_name, self.type_, schema=self.schema
        )

    @property
    def constraint_type(self) -> str | None:
        return self.type_

    def to_diff_tuple(self) -> Any:
        return _constraint_diff("remove", self.to_constraint())

    drop_constraint = _forward("drop_constraint")
    batch_drop_constraint = _forward("drop_constraint", batch=True)


# constraint __visit_name__ -> DropConstraintOp.type_
_DROP_TYPES = {
    "unique_constraint": "unique",
    "foreign_key_constraint": "foreignkey",
    "primary_key_constraint": "primary",
    "check_constraint": "check",
    "column_check_constraint": "check",
    "table_or_column_check_constraint": "check",
}


def _constraint_diff(verb: str, constraint: Any) -> tuple[Any, ...]:
    kind = "fk" if isinstance(constraint, ForeignKeyConstraint) else "constraint"
    return (f"{verb}_{kind}", constraint)


# -- Alembic's constructors for each kind of constraint (AddConstraintOp under its names) ---------


class _OnColumns(AddConstraintOp):
    """A constraint over named columns (primary key, unique): Alembic's ``columns`` and ``kw``."""

    @property
    def columns(self) -> list[Any]:
        return list(self.spec["columns"])

    @property
    def kw(self) -> dict[str, Any]:
        return {k: v for k, v in self.spec.items() if k != "columns"}


class CreatePrimaryKeyOp(_OnColumns):
    constraint_type = "primarykey"

    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__("primary", constraint_name, table_name, {"columns": list(columns)}, schema)

    create_primary_key = _forward("create_primary_key")
    batch_create_primary_key = _forward("create_primary_key", batch=True)


class CreateUniqueConstraintOp(_OnColumns):
    constraint_type = "unique"

    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        spec = {"columns": list(columns), **kw}
        super().__init__("unique", constraint_name, table_name, spec, schema)

    create_unique_constraint = _forward("create_unique_constraint")
    batch_create_unique_constraint = _forward("create_unique_constraint", batch=True)


class CreateCheckConstraintOp(AddConstraintOp):
    constraint_type = "check"

    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        condition: Any,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(
            "check", constraint_name, table_name, {"condition": condition, **kw}, schema
        )

    @property
    def condition(self) -> Any:
        return self.spec["condition"]

    @property
    def kw(self) -> dict[str, Any]:
        return {k: v for k, v in self.spec.items() if k != "condition"}

    create_check_constraint = _forward("create_check_constraint")
    batch_create_check_constraint = _forward("create_check_constraint", batch=True)


# what CreateForeignKeyOp's spec holds besides its options (``kw``)
_FK_STRUCTURE = ("referent_table", "local_cols", "remote_cols")


class CreateForeignKeyOp(AddConstraintOp):
    constraint_type = "foreignkey"

    def __init__(
        self,
        constraint_name: str | None,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        **kw: Any,
    ) -> None:
        source_schema = kw.pop("source_schema", None)
        spec = {
            "referent_table": referent_table,
            "local_cols": list(local_cols),
            "remote_cols": list(remote_cols),
            "referent_schema": kw.pop("referent_schema", None),
            **{
                k: kw.pop(k, None)
                for k in ("onupdate", "ondelete", "deferrable", "initially", "match")
            },
            **kw,
        }
        super().__init__("foreignkey", constraint_name, source_table, spec, source_schema)

    @property
    def source_table(self) -> str:
        return self.table_name

    @property
    def referent_table(self) -> Any:
        return self.spec["referent_table"]

    @property
    def local_cols(self) -> list[Any]:
        return list(self.spec["local_cols"])

    @property
    def remote_cols(self) -> list[Any]:
        return list(self.spec["remote_cols"])

    @property
    def kw(self) -> dict[str, Any]:
        return {k: v for k, v in self.spec.items() if k not in _FK_STRUCTURE and v}

    create_foreign_key = _forward("create_foreign_key")
    batch_create_foreign_key = _forward("create_foreign_key", batch=True)


class CreateExcludeConstraintOp(AddConstraintOp):
    """PostgreSQL ``EXCLUDE`` (``alembic.ddl.postgresql.CreateExcludeConstraintOp``):
    ``elements`` are ``(column_or_expression, operator)`` pairs."""

    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        elements: Sequence[Any],
        where: Any = None,
        schema: str | None = None,
        _orig_constraint: Any = None,
        **kw: Any,
    ) -> None:
        spec = {"elements": list(elements), **({"where": where} if where is not None else {})}
        super().__init__("exclude", constraint_name, table_name, {**spec, **kw}, schema)

    @property
    def elements(self) -> list[Any]:
        return list(self.spec["elements"])

    @property
    def where(self) -> Any:
        return self.spec.get("where")

    @property
    def kw(self) -> dict[str, Any]:
        return {k: v for k, v in self.spec.items() if k not in ("elements", "where")}

    @classmethod
    def from_constraint(cls, constraint: Any) -> CreateExcludeConstraintOp:
        table = constraint.table
        return cls(
            constraint.name,
            table.name,
            exclude_elements(constraint),
            where=constraint.where,
            schema=table.schema,
            **{k: getattr(constraint, k) for k in ("deferrable", "initially", "using")},
        )

    create_exclude_constraint = _forward("create_exclude_constraint")
    batch_create_exclude_constraint = _forward("create_exclude_constraint", batch=True)


def _adding(constraint: Any) -> AddConstraintOp:
    """The operation that adds ``constraint`` (a constraint attached to a table): an add-on's
    (``register_add_constraint``) for its kind, else the constructor of its kind."""
    registered = _ADD_CONSTRAINT_OPS.get(constraint.__visit_name__)
    if registered is not None:
        made: AddConstraintOp = registered(constraint)
        return made
    table_name, table_schema = schema_objects.owner_of(constraint)
    name = schema_objects.constraint_name(constraint)
    if isinstance(constraint, PrimaryKeyConstraint):
        return CreatePrimaryKeyOp(
            name, table_name, list(constraint.columns.keys()), table_schema,
            **constraint.dialect_kwargs,
        )  # fmt: skip
    if isinstance(constraint, UniqueConstraint):
        kw = {
            k: getattr(constraint, k) for k in ("deferrable", "initially") if getattr(constraint, k)
        }
        return CreateUniqueConstraintOp(
            name, table_name, [c.name for c in constraint.columns], table_schema,
            **kw, **constraint.dialect_kwargs,
        )  # fmt: skip
    if isinstance(constraint, CheckConstraint):
        return CreateCheckConstraintOp(
            name, table_name, constraint.sqltext, table_schema, **constraint.dialect_kwargs
        )
    if isinstance(constraint, ForeignKeyConstraint):
        kw = {
            k: getattr(constraint, k)
            for k in ("onupdate", "ondelete", "initially", "deferrable", "use_alter", "match")
            if getattr(constraint, k)
        }
        target = constraint.elements[0].column.table if constraint.elements else None
        return CreateForeignKeyOp(
            name,
            table_name,
            target.name if target is not None else constraint.elements[0].target_fullname,
            [c.name for c in constraint.columns],
            [element.column.name for element in constraint.elements],
            source_schema=table_schema,
            referent_schema=target.schema if target is not None else None,
            **kw,
            **constraint.dialect_kwargs,
        )
    raise ValueError(f"No operation adds a {type(constraint).__name__}")


@dataclass
class BulkInsertOp(MigrateOperation):
    table: Any
    rows: Sequence[Mapping[str, Any]]
    multiinsert: bool = True

    bulk_insert = _forward("bulk_insert")


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
class ModifyTableOps(OpContainer):
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
class UpgradeOps(OpContainer):
    """The body of ``upgrade()``."""

    ops: list[MigrateOperation] = field(default_factory=list)
    upgrade_token: str = "upgrades"

    def reverse(self) -> DowngradeOps:
        return DowngradeOps(
            [op.reverse() for op in reversed(self.ops)],
            downgrade_token=self.upgrade_token.replace("upgrade", "downgrade"),
        )

    def reverse_into(self, downgrade_ops: DowngradeOps) -> DowngradeOps:
        """Fill ``downgrade_ops`` with the reverse of these operations; return it."""
        downgrade_ops.ops[:] = [operation.reverse() for operation in reversed(self.ops)]
        return downgrade_ops

    def is_empty(self) -> bool:
        return not self.ops


@dataclass
class DowngradeOps(OpContainer):
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
