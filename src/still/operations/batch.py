"""Batch mode: ``with op.batch_alter_table("pets") as batch_op:``.

The table changes inside the block are collected as operation objects.  Where the database can
make them as plain ALTERs (PostgreSQL, MySQL/MariaDB, and SQLite for what its ALTER supports),
they run as they are when the block ends.  Otherwise (SQLite, or ``recreate="always"``) the table
is rebuilt (:mod:`still.operations.rebuild`, :mod:`still.operations.swap`): a new table with the
changed definition is created, the rows are copied across, the old table is dropped, the new one
renamed, and the indexes and constraints are made again.  Data, indexes, unique/check constraints
and foreign keys survive.

Everything else ``batch_op`` offers (``execute``, ``get_bind``, ``f``, custom operations ...) acts
at once, as Alembic's ``batch_op`` does: only table changes wait for the end of the block.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Column, Computed, Identity, Table

from still.errors import CommandError
from still.operations import ops
from still.operations.extending import method_registrar
from still.operations.rebuild import TableRebuild
from still.operations.swap import swap
from still.sqla_private import created_on, type_bound

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from still.ddl import DefaultImpl
    from still.operations.base import MigrationContextLike, Operations

_T = TypeVar("_T")
_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})

# The table changes a batch collects; every other operation runs when it is called.
TABLE_CHANGES = (
    ops.AddColumnOp,
    ops.DropColumnOp,
    ops.AlterColumnOp,
    ops.CreateIndexOp,
    ops.DropIndexOp,
    ops.AddConstraintOp,
    ops.DropConstraintOp,
    ops.CreateTableCommentOp,
    ops.DropTableCommentOp,
)


class BatchImpl:
    """``batch_op.impl``: Alembic's ``BatchOperationsImpl``.  It holds the batch's table
    (``table_name``, ``schema``) and options, and records the table changes made through it,
    as still's operation objects, until :meth:`flush` makes them (plain ALTERs, or a rebuild).

    An add-on's implementation of its own operation calls it as it calls a DDL implementation
    (``operations.impl.add_column(table_name, column, schema=...)``, ``create_index(index)``
    ...): within a batch those calls are recorded too.  What is not a table change
    (``static_output``, ``dialect``, ``execute`` ...) is the dialect implementation's.
    """

    def __init__(
        self,
        operations: Operations | None,
        table_name: str | None,
        schema: str | None = None,
        recreate: str = "auto",
        copy_from: Table | None = None,
        table_args: Sequence[Any] = (),
        table_kwargs: Mapping[str, Any] | None = None,
        reflect_args: Sequence[Any] = (),
        reflect_kwargs: Mapping[str, Any] | None = None,
        naming_convention: Mapping[str, Any] | None = None,
        partial_reordering: Sequence[Sequence[str]] | None = None,
    ) -> None:
        if recreate not in ("auto", "always", "never"):
            raise CommandError(f"recreate={recreate!r}: use 'auto', 'always' or 'never'.")
        self.operations = operations
        self.table_name = table_name
        self.schema = schema
        self.recreate = recreate
        self.copy_from = copy_from
        self.table_args = tuple(table_args)
        self.table_kwargs = dict(table_kwargs or {})
        self.reflect_args = tuple(reflect_args)
        self.reflect_kwargs = dict(reflect_kwargs or {})
        self.naming_convention = naming_convention
        self.partial_reordering = partial_reordering
        # the table changes, in order, as still's operation objects
        self.collected: list[ops.MigrateOperation] = []
        # column name -> (insert_before, insert_after), honoured by table rebuilds
        self.placements: dict[str, tuple[str | None, str | None]] = {}
        # the columns add_column was asked to place (plain ALTERs cannot)
        self.placed_new_columns: list[str] = []

    # -- Alembic's BatchOperationsImpl: what the batch holds ----------------------------------

    @property
    def impl(self) -> DefaultImpl:
        """The dialect's DDL implementation."""
        return self._operations("impl").impl

    @property
    def dialect(self) -> Any:
        return self.impl.dialect

    @property
    def batch(self) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
        """The recorded changes as Alembic lists them: ``(method, args, kw)`` of the DDL
        implementation's method each would call (``("add_column", (table, column), {...})``),
        which ``requires_recreate_in_batch`` implementations read."""
        return [batch_entry(op) for op in self.collected]

    def _operations(self, what: str) -> Operations:
        if self.operations is None:
            raise CommandError(
                f"batch_op.impl.{what} needs the migration this batch belongs to; use the "
                "batch_op that `with op.batch_alter_table(...) as batch_op:` gives."
            )
        return self.operations

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or self.operations is None:
            raise AttributeError(name)
        return getattr(self.operations.impl, name)

    def collect(self, operation: ops.MigrateOperation) -> None:
        """Record a table change (a new column with what it carries, each as a change of its
        own, as Alembic's batch mode adds them); placements go to :attr:`placements`."""
        if isinstance(operation, ops.AddColumnOp) and self.operations is not None:
            self.collected += split_add_column(operation, self.operations)
        else:
            self.collected.append(operation)
        kw = getattr(operation, "kw", None) or {}
        before, after = kw.get("insert_before"), kw.get("insert_after")
        if isinstance(operation, ops.AddColumnOp):
            name = operation.column.name
            if before or after:
                self.placements[name] = (before, after)
                self.placed_new_columns.append(name)
        elif isinstance(operation, ops.AlterColumnOp) and (before or after):
            self.placements[operation.new_column_name or operation.column_name] = (before, after)

    # -- the DDL implementation's methods, recorded ------------------------------------------

    def add_column(
        self,
        table_name: str,
        column: Column[Any],
        *,
        schema: str | None = None,
        if_not_exists: bool | None = None,
        inline_references: bool | None = None,
        inline_primary_key: bool | None = None,
        **kw: Any,
    ) -> None:
        self.collected.append(
            ops.AddColumnOp(
                table_name,
                column,
                schema=schema,
                if_not_exists=if_not_exists,
                inline_references=inline_references,
                inline_primary_key=inline_primary_key,
                **kw,
            )
        )
        if kw.get("insert_before") or kw.get("insert_after"):
            self.placements[column.name] = (kw.get("insert_before"), kw.get("insert_after"))
            self.placed_new_columns.append(column.name)

    def drop_column(
        self,
        table_name: str,
        column: Column[Any] | str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        name = column if isinstance(column, str) else column.name
        self.collected.append(
            ops.DropColumnOp(table_name, name, schema=schema, if_exists=if_exists, **kw)
        )

    def alter_column(
        self,
        table_name: str,
        column_name: str,
        *,
        nullable: bool | None = None,
        server_default: Any = False,
        name: str | None = None,
        type_: Any = None,
        schema: str | None = None,
        autoincrement: bool | None = None,
        comment: Any = False,
        existing_comment: str | None = None,
        existing_type: Any = None,
        existing_server_default: Any = None,
        existing_nullable: bool | None = None,
        existing_autoincrement: bool | None = None,
        **kw: Any,
    ) -> None:
        self.collect(
            ops.AlterColumnOp(
                table_name,
                column_name,
                schema=schema,
                nullable=nullable,
                type_=type_,
                server_default=server_default,
                new_column_name=name,
                comment=comment,
                autoincrement=autoincrement,
                existing_type=existing_type,
                existing_nullable=existing_nullable,
                existing_server_default=existing_server_default,
                existing_comment=existing_comment,
                **_given(existing_autoincrement=existing_autoincrement),
                **kw,
            )
        )

    def add_constraint(self, const: Any, **kw: Any) -> None:
        from still.operations.schema import constraint_op

        self.collected.append(constraint_op(const))

    def drop_constraint(self, const: Any, **kw: Any) -> None:
        from still.ddl.impl import constraint_kind, constraint_name

        table = const.table
        self.collected.append(
            ops.DropConstraintOp(
                constraint_name(const),
                table.name,
                constraint_kind(const),
                schema=table.schema,
                if_exists=kw.get("if_exists"),
            )
        )

    def create_index(self, index: Any, **kw: Any) -> None:
        made = ops.CreateIndexOp.from_index(index)
        made.if_not_exists = kw.get("if_not_exists")
        self.collected.append(made)

    def drop_index(self, index: Any, **kw: Any) -> None:
        table = index.table
        self.collected.append(
            ops.DropIndexOp(
                index.name,
                table.name if table is not None else self.table_name,
                schema=table.schema if table is not None else self.schema,
                if_exists=kw.get("if_exists"),
            )
        )

    def create_table_comment(self, table: Table) -> None:
        self.collected.append(ops.CreateTableCommentOp(table.name, table.comment, table.schema))

    def drop_table_comment(self, table: Table) -> None:
        self.collected.append(ops.DropTableCommentOp(table.name, table.schema))

    # -- making the changes --------------------------------------------------------------------

    def _should_recreate(self) -> bool:
        """``recreate="always"``: yes; ``"never"``: no; ``"auto"``: as the implementation's
        ``requires_recreate_in_batch(self)`` says (SQLite's: unless its ALTER can do it all)."""
        if self.recreate == "auto":
            return bool(self.impl.requires_recreate_in_batch(self))
        return self.recreate == "always"

    def flush(self) -> None:
        """Make the recorded changes: as plain ALTERs, or by rebuilding the table."""
        operations = self._operations("flush")
        dialect = self.impl.dialect.name
        table_name = str(self.table_name)
        if self.recreate == "always" and not self.impl.rebuilds_tables:
            raise CommandError(
                f"batch_alter_table({table_name!r}, recreate='always') rebuilds tables on "
                f"SQLite, PostgreSQL and MySQL/MariaDB; on {dialect} use recreate='auto', which "
                "runs plain ALTERs."
            )
        if not self._should_recreate():
            if self.placed_new_columns:
                raise CommandError(
                    f"batch_alter_table({table_name!r}): insert_before/insert_after place a new "
                    f"column ({', '.join(self.placed_new_columns)}), which needs the table "
                    "rebuilt; plain ALTERs add columns at the end. Pass recreate='always'."
                )
            for op in self.collected:
                operations.invoke(op)
            return
        rebuild = TableRebuild.of(
            operations,
            table_name,
            self.schema,
            self.copy_from,
            self.reflect_args,
            self.naming_convention,
            reflect_kwargs=self.reflect_kwargs,
        )
        rebuild.table_args = list(self.table_args)
        rebuild.table_kwargs.update(self.table_kwargs)
        if not self.partial_reordering:
            # added columns are placed as Alembic places them (after the last column, or where
            # insert_before/insert_after say), each as it is added
            rebuild.placements = {
                name: self.placements[name]
                for name in self.placed_new_columns
                if name in self.placements
            }
        for op in self.collected:
            rebuild.apply(op)
        if self.partial_reordering:
            for column, (before, after) in self.placements.items():
                rebuild.place(column, before, after)
            rebuild.reorder(self.partial_reordering)
        else:
            rebuild.order_columns()
            # alter_column(insert_before=/insert_after=) moves an existing column
            for column, (before, after) in self.placements.items():
                if column not in self.placed_new_columns:
                    rebuild.place(column, before, after)
        rebuild.finish()
        swap(operations, rebuild, self)


class BatchOperations:
    """``batch_op``: the operations of one table, with the table name implied.

    Built as Alembic's is, ``BatchOperations(migration_context, impl=batch_impl)``, its
    ``impl`` a :class:`BatchImpl` naming the table.  Every directive has the parameters (names,
    positions, defaults) of Alembic's ``BatchOperations``, so keyword and positional calls
    written for Alembic work unchanged.
    """

    def __init__(self, migration_context: Any, impl: BatchImpl | None = None) -> None:
        self.migration_context = migration_context
        self.impl = impl if impl is not None else BatchImpl(None, None)

    @property
    def table_name(self) -> str | None:
        return self.impl.table_name

    @property
    def schema(self) -> str | None:
        return self.impl.schema

    @property
    def operations(self) -> Operations | None:
        """The migration's ``op`` (what acts at once goes there)."""
        return self.impl.operations

    @property
    def collected(self) -> list[ops.MigrateOperation]:
        return self.impl.collected

    def _outer(self, what: str) -> Operations:
        if self.impl.operations is None:
            raise CommandError(
                f"batch_op.{what} needs the migration this batch belongs to; use the batch_op "
                "that `with op.batch_alter_table(...) as batch_op:` gives."
            )
        return self.impl.operations

    def _table(self, what: str) -> str:
        if self.impl.table_name is None:
            raise CommandError(
                f"batch_op.{what} needs the table of a batch; use the batch_op that "
                "`with op.batch_alter_table(TABLE) as batch_op:` gives."
            )
        return self.impl.table_name

    # -- running operations -----------------------------------------------------------------------

    def invoke(self, operation: ops.MigrateOperation) -> Any:
        """Collect a table change (it is made when the batch block ends); run anything else
        (SQL, custom operations) now, as Alembic's batch mode does.  An operation an add-on
        registered an implementation for runs that implementation with this ``batch_op``:
        its calls on ``batch_op.impl`` are recorded as the batch's changes."""
        from still.operations.implementations import runner_for, runs_own

        if not runs_own(operation):
            runner = runner_for(operation)
            if runner is not None:
                return runner(self, operation)
        if self.impl.operations is None or isinstance(operation, TABLE_CHANGES):
            self.impl.collect(operation)
            return None
        return self.impl.operations.invoke(operation)

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[_T]], type[_T]]:
        """The batch form of ``Operations.register_operation``: ``batch_op.NAME(...)``."""
        return method_registrar(cls, name, sourcename)

    @classmethod
    def implementation_for(cls, op_cls: Any, replace: bool = False) -> Callable[[Any], Any]:
        """Decorator: ``fn(operations, operation)`` runs operations of ``op_cls`` (one registry
        serves ``op`` and ``batch_op``; a later registration replaces an earlier one)."""
        from still.operations.base import Operations

        return Operations.implementation_for(op_cls)

    @classmethod
    @contextmanager
    def context(cls, migration_context: Any) -> Iterator[Operations]:
        """Make ``op.*`` act on ``migration_context`` inside the block (Alembic's
        ``Operations.context``)."""
        from still.operations.base import Operations

        with Operations.context(migration_context) as operations:
            yield operations

    @classmethod
    def create_module_class_proxy(
        cls, globals_: MutableMapping[str, Any], locals_: MutableMapping[str, Any]
    ) -> None:
        """Give a module functions named like ``op``'s directives that call the Operations of
        the migration being run (what ``alembic.op`` is)."""
        from still.operations.base import Operations
        from still.operations.proxy import current_operations

        def forward(name: str) -> Callable[..., Any]:
            def call(*args: Any, **kw: Any) -> Any:
                return getattr(current_operations(), name)(*args, **kw)

            call.__name__ = name
            return call

        for name in dir(Operations):
            if not name.startswith("_") and callable(getattr(Operations, name)):
                globals_[name] = forward(name)

    # -- what acts at once ------------------------------------------------------------------------

    def execute(self, sqltext: Any, *, execution_options: dict[str, Any] | None = None) -> None:
        """Run SQL now, before the batch's table changes (which wait for the end of the
        block), as Alembic does."""
        self._outer("execute").execute(sqltext, execution_options=execution_options)

    def get_bind(self) -> Connection | None:
        """The migration's connection (``None`` with ``--sql``)."""
        return self._outer("get_bind").get_bind()

    def get_context(self) -> MigrationContextLike:
        return self._outer("get_context").get_context()

    def f(self, name: str) -> Any:
        """Mark a constraint or index name as final: no naming convention applies to it."""
        from still.operations.base import Operations

        return Operations.f(name)

    def inline_literal(self, value: str | int, type_: Any = None) -> Any:
        """A value rendered into the SQL itself (also in ``--sql`` scripts), not bound."""
        from still.operations.base import Operations

        return Operations.inline_literal(value, type_)

    def run_async(
        self, async_function: Callable[..., Awaitable[_T]], *args: Any, **kw_args: Any
    ) -> _T:
        """``await async_function(async_connection, *args)`` on an async engine's connection."""
        result: _T = self._outer("run_async").run_async(async_function, *args, **kw_args)
        return result

    def batch_alter_table(
        self,
        table_name: str,
        schema: str | None = None,
        recreate: str = "auto",
        partial_reordering: list[tuple[str, ...]] | None = None,
        copy_from: Table | None = None,
        table_args: tuple[Any, ...] = (),
        table_kwargs: Mapping[str, Any] = _NO_OPTIONS,
        reflect_args: tuple[Any, ...] = (),
        reflect_kwargs: Mapping[str, Any] = _NO_OPTIONS,
        naming_convention: dict[str, str] | None = None,
    ) -> Any:
        """Another table's batch, made when its own block ends."""
        return self._outer("batch_alter_table").batch_alter_table(
            table_name,
            schema=schema,
            recreate=recreate,
            partial_reordering=partial_reordering,
            copy_from=copy_from,
            table_args=table_args,
            table_kwargs=table_kwargs,
            reflect_args=reflect_args,
            reflect_kwargs=reflect_kwargs,
            naming_convention=naming_convention,
        )

    # -- columns ----------------------------------------------------------------------------------

    def add_column(
        self,
        column: Column[Any],
        *,
        insert_before: str | None = None,
        insert_after: str | None = None,
        if_not_exists: bool | None = None,
        inline_references: bool | None = None,
        inline_primary_key: bool | None = None,
    ) -> None:
        """Add a column; ``insert_before``/``insert_after`` place it (the table is rebuilt)."""
        placement = _given(insert_before=insert_before, insert_after=insert_after)
        self.invoke(
            ops.AddColumnOp(
                self._table("add_column"),
                column,
                schema=self.schema,
                if_not_exists=if_not_exists,
                inline_references=inline_references,
                inline_primary_key=inline_primary_key,
                **placement,
            )
        )

    def drop_column(self, column_name: str, **kw: Any) -> None:
        """Drop a column (``if_exists=``; ``existing_type=`` names the CHECK its type made)."""
        self.invoke(
            ops.DropColumnOp(self._table("drop_column"), column_name, schema=self.schema, **kw)
        )

    def alter_column(
        self,
        column_name: str,
        *,
        nullable: bool | None = None,
        comment: str | bool | None = False,
        server_default: Any = False,
        new_column_name: str | None = None,
        type_: Any = None,
        existing_type: Any = None,
        existing_server_default: Any = False,
        existing_nullable: bool | None = None,
        existing_comment: str | None = None,
        insert_before: str | None = None,
        insert_after: str | None = None,
        **kw: Any,
    ) -> None:
        """Change a column; ``insert_before``/``insert_after`` move it when the table is
        rebuilt."""
        autoincrement = kw.pop("autoincrement", None)
        placement = _given(insert_before=insert_before, insert_after=insert_after)
        self.invoke(
            ops.AlterColumnOp(
                self._table("alter_column"),
                column_name,
                schema=self.schema,
                nullable=nullable,
                type_=type_,
                server_default=server_default,
                new_column_name=new_column_name,
                comment=comment,
                autoincrement=autoincrement,
                existing_type=existing_type,
                existing_nullable=existing_nullable,
                existing_server_default=(
                    None if existing_server_default is False else existing_server_default
                ),
                existing_comment=existing_comment,
                **placement,
                **kw,
            )
        )

    # -- indexes ----------------------------------------------------------------------------------

    def create_index(self, index_name: str, columns: Sequence[Any], **kw: Any) -> None:
        """Create an index (``unique=``, ``if_not_exists=``, dialect options)."""
        unique = bool(kw.pop("unique", False))
        kw.pop("schema", None)
        if not isinstance(columns, (list, tuple)):
            columns = [columns]
        self.invoke(
            ops.CreateIndexOp(
                index_name,
                self._table("create_index"),
                list(columns),
                schema=self.schema,
                unique=unique,
                **kw,
            )
        )

    def drop_index(self, index_name: str, **kw: Any) -> None:
        """Drop an index (``if_exists=``, dialect options)."""
        kw.pop("schema", None)
        kw.pop("table_name", None)
        self.invoke(
            ops.DropIndexOp(index_name, self._table("drop_index"), schema=self.schema, **kw)
        )

    # -- constraints ------------------------------------------------------------------------------

    def create_primary_key(self, constraint_name: str | None, columns: list[str]) -> None:
        self.invoke(
            ops.AddConstraintOp(
                "primary",
                constraint_name,
                self._table("constraint"),
                {"columns": list(columns)},
                self.schema,
            )
        )

    def create_unique_constraint(
        self, constraint_name: str | None, columns: Sequence[str], **kw: Any
    ) -> Any:
        kw.pop("schema", None)
        spec = {"columns": list(columns), **kw}
        return self.invoke(
            ops.AddConstraintOp(
                "unique", constraint_name, self._table("constraint"), spec, self.schema
            )
        )

    def create_check_constraint(
        self, constraint_name: str | None, condition: Any, **kw: Any
    ) -> None:
        kw.pop("schema", None)
        spec = {"condition": condition, **kw}
        self.invoke(
            ops.AddConstraintOp(
                "check", constraint_name, self._table("constraint"), spec, self.schema
            )
        )

    def create_foreign_key(
        self,
        constraint_name: str | None,
        referent_table: str,
        local_cols: list[str],
        remote_cols: list[str],
        *,
        referent_schema: str | None = None,
        onupdate: str | None = None,
        ondelete: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        spec = {
            "referent_table": referent_table,
            "local_cols": list(local_cols),
            "remote_cols": list(remote_cols),
            "referent_schema": referent_schema,
            "onupdate": onupdate,
            "ondelete": ondelete,
            "deferrable": deferrable,
            "initially": initially,
            "match": match,
            **dialect_kw,
        }
        self.invoke(
            ops.AddConstraintOp(
                "foreignkey", constraint_name, self._table("constraint"), spec, self.schema
            )
        )

    def create_exclude_constraint(
        self, constraint_name: str | None, *elements: Any, **kw: Any
    ) -> None:
        """PostgreSQL ``EXCLUDE USING ...``: elements are ``(column_or_expression, operator)``."""
        kw.pop("schema", None)
        spec = {"elements": list(elements), **kw}
        self.invoke(
            ops.AddConstraintOp(
                "exclude", constraint_name, self._table("constraint"), spec, self.schema
            )
        )

    def drop_constraint(self, constraint_name: str | None, type_: str | None = None) -> None:
        self.invoke(
            ops.DropConstraintOp(
                constraint_name, self._table("drop_constraint"), type_, schema=self.schema
            )
        )

    # -- table comment ----------------------------------------------------------------------------

    def create_table_comment(
        self, comment: str | None, *, existing_comment: str | None = None
    ) -> None:
        self.invoke(
            ops.CreateTableCommentOp(
                self._table("create_table_comment"), comment, self.schema, existing_comment
            )
        )

    def drop_table_comment(self, *, existing_comment: str | None = None) -> None:
        self.invoke(
            ops.DropTableCommentOp(self._table("drop_table_comment"), self.schema, existing_comment)
        )


def split_add_column(op: ops.AddColumnOp, operations: Operations) -> list[ops.MigrateOperation]:
    """The column alone, then what it carries as operations of their own (its foreign keys,
    ``unique=True``, CHECK constraints, the CHECK its type makes, ``index=True``), named by the
    naming convention of env.py's ``target_metadata``, as Alembic's batch mode adds them: so a
    rebuild makes them, and on SQLite they are what asks for one."""
    from sqlalchemy import (
        CheckConstraint,
        ForeignKeyConstraint,
        MetaData,
        PrimaryKeyConstraint,
        UniqueConstraint,
    )
    from sqlalchemy.sql.schema import SchemaEventTarget

    from still.operations.checks import final_name

    column = op.column
    dialect = operations.impl.dialect
    target = operations.migration_context.opts.get("target_metadata")
    convention = getattr(target, "naming_convention", None)
    metadata = MetaData(naming_convention=dict(convention)) if convention else MetaData()
    stub = Table(op.table_name, metadata, column._copy(), schema=op.schema)
    compiler = dialect.ddl_compiler(dialect, None)  # type: ignore[arg-type]
    carried: list[ops.MigrateOperation] = []
    type_check = False
    for constraint in stub.constraints:
        if isinstance(constraint, PrimaryKeyConstraint):
            continue
        name = final_name(constraint, compiler)
        if isinstance(constraint, ForeignKeyConstraint):
            element = constraint.elements[0]
            parts = element.target_fullname.split(".")
            spec: dict[str, Any] = {
                "referent_table": parts[-2],
                "referent_schema": ".".join(parts[:-2]) or None,
                "local_cols": [c.name for c in constraint.columns],
                "remote_cols": [e.target_fullname.split(".")[-1] for e in constraint.elements],
                "ondelete": constraint.ondelete,
                "onupdate": constraint.onupdate,
                "deferrable": constraint.deferrable,
                "initially": constraint.initially,
                "match": constraint.match,
            }
            carried.append(ops.AddConstraintOp("foreignkey", name, op.table_name, spec, op.schema))
        elif isinstance(constraint, UniqueConstraint):
            spec = {"columns": [c.name for c in constraint.columns]}
            carried.append(ops.AddConstraintOp("unique", name, op.table_name, spec, op.schema))
        elif isinstance(constraint, CheckConstraint):
            if not created_on(constraint, compiler):
                continue  # a native ENUM/BOOLEAN here: no CHECK
            type_check = type_check or type_bound(constraint)
            condition = compiler.sql_compiler.process(
                constraint.sqltext, include_table=False, literal_binds=True
            )
            spec = {"condition": condition}
            carried.append(ops.AddConstraintOp("check", name, op.table_name, spec, op.schema))
    for index in stub.indexes:
        carried.append(
            ops.CreateIndexOp(
                final_name(index, compiler),
                op.table_name,
                [c.name for c in index.columns],
                schema=op.schema,
                unique=bool(index.unique),
                **index.dialect_kwargs,
            )
        )
    if column.comment is not None and dialect.supports_comments and not dialect.inline_comments:
        # PostgreSQL (and Oracle, SQL Server): a comment is a statement of its own
        carried.append(
            ops.AlterColumnOp(
                op.table_name,
                column.name,
                schema=op.schema,
                comment=column.comment,
                existing_type=column.type,
                existing_nullable=column.nullable,
            )
        )
    if not carried:
        return [op]
    bare_type = column.type
    if type_check and isinstance(bare_type, SchemaEventTarget):
        bare_type = bare_type.copy()  # type: ignore[attr-defined]
        bare_type.create_constraint = False
    generated = (
        column.server_default if isinstance(column.server_default, (Identity, Computed)) else None
    )
    bare = Column(
        column.name,
        bare_type,
        *([generated._copy()] if generated is not None else []),
        key=column.key,
        primary_key=column.primary_key,
        nullable=column.nullable,
        server_default=(
            column.server_default._copy()
            if generated is None and column.server_default is not None
            else None
        ),
        comment=column.comment if dialect.inline_comments else None,
        autoincrement=column.autoincrement,
        info=dict(column.info),
    )
    bare_op = ops.AddColumnOp(op.table_name, bare, schema=op.schema)
    for extra in fields(ops.AddColumnOp):
        if extra.name not in ("table_name", "column", "schema"):
            setattr(bare_op, extra.name, getattr(op, extra.name))
    return [bare_op, *carried]


@contextmanager
def batch_alter_table(
    operations: Operations,
    table_name: str,
    schema: str | None = None,
    recreate: str = "auto",
    copy_from: Table | None = None,
    table_args: Sequence[Any] = (),
    table_kwargs: Mapping[str, Any] | None = None,
    reflect_args: Sequence[Any] = (),
    partial_reordering: Sequence[Sequence[str]] | None = None,
    naming_convention: Mapping[str, Any] | None = None,
    reflect_kwargs: Mapping[str, Any] | None = None,
) -> Iterator[BatchOperations]:
    impl = BatchImpl(
        operations,
        table_name,
        schema,
        recreate=recreate,
        copy_from=copy_from,
        table_args=table_args,
        table_kwargs=table_kwargs,
        reflect_args=reflect_args,
        reflect_kwargs=reflect_kwargs,
        naming_convention=naming_convention,
        partial_reordering=partial_reordering,
    )
    yield BatchOperations(operations.migration_context, impl=impl)
    impl.flush()


def _given(**options: Any) -> dict[str, Any]:
    """The options that were given (not None)."""
    return {k: v for k, v in options.items() if v is not None}


def batch_entry(op: ops.MigrateOperation) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """A table change as Alembic's batch mode records it: the DDL implementation's method it
    calls, with its arguments."""
    if isinstance(op, ops.AddColumnOp):
        return (
            "add_column",
            (op.table_name, op.column),
            {"schema": op.schema, "if_not_exists": op.if_not_exists, **op.kw},
        )
    if isinstance(op, ops.DropColumnOp):
        column = op.to_column()
        return ("drop_column", (op.table_name, column), {"schema": op.schema, **op.kw})
    if isinstance(op, ops.AlterColumnOp):
        kw = {
            "nullable": op.nullable,
            "server_default": op.server_default,
            "name": op.new_column_name,
            "type_": op.type_,
            "schema": op.schema,
            "autoincrement": op.autoincrement,
            "comment": op.comment,
            "existing_type": op.existing_type,
            "existing_server_default": op.existing_server_default,
            "existing_nullable": op.existing_nullable,
            "existing_comment": op.existing_comment,
            **op.kw,
        }
        return ("alter_column", (op.table_name, op.column_name), kw)
    if isinstance(op, ops.CreateIndexOp):
        return ("create_index", (op.to_index(),), {})
    if isinstance(op, ops.DropIndexOp):
        return ("drop_index", (op.to_index(),), {})
    if isinstance(op, ops.AddConstraintOp):
        return ("add_constraint", (op.to_constraint(),), {})
    if isinstance(op, ops.DropConstraintOp):
        return ("drop_constraint", (op.to_constraint(),), {})
    if isinstance(op, ops.CreateTableCommentOp):
        return ("create_table_comment", (op.to_table(),), {})
    if isinstance(op, ops.DropTableCommentOp):
        return ("drop_table_comment", (op.to_table(),), {})
    if isinstance(op, ops.RenameTableOp):
        return ("rename_table", (op.table_name, op.new_table_name), {"schema": op.schema})
    return (type(op).__name__, (op,), {})


def rebuild_if_needed(operations: Operations, op: Any) -> bool:
    """Make a change SQLite's ALTER cannot make by rebuilding the table; False if not needed."""
    if operations.impl.alters_in_place(*batch_entry(op)):
        return False
    operations.migration_context.note(
        f"SQLite cannot ALTER this ({type(op).__name__} on {op.table_name}); rebuilding the "
        "table with its rows, as batch mode does."
    )
    rebuild = TableRebuild.of(operations, op.table_name, op.schema, None, ())
    rebuild.apply(op)
    rebuild.finish()
    swap(operations, rebuild)
    return True
