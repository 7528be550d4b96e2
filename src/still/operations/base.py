"""``Operations``: the object behind ``op`` inside a migration.

Each method builds an operation object (:mod:`still.operations.ops`) and hands it to
:meth:`Operations.invoke`, which runs it through the dialect's DDL implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from still.ddl import DefaultImpl
from still.errors import CommandError
from still.operations import ops
from still.operations.extending import method_registrar
from still.operations.implementations import run, runs_own

if TYPE_CHECKING:
    from sqlalchemy import Column, MetaData, Table
    from sqlalchemy.engine import Connection


class NothingToRead(RuntimeError):
    """A migration read the database in a ``--sql`` run without ``--shadow``.  Not a StillError:
    the run reports it as the failure of that migration, naming its file and line."""


class MigrationContextLike(Protocol):
    """What operations need from the runtime's migration context."""

    impl: DefaultImpl
    opts: dict[str, Any]

    @property
    def bind(self) -> Connection | None: ...

    def note(self, text: str) -> None: ...


class Operations:
    """Schema operations for one migration context; ``op`` is a proxy to an instance."""

    def __init__(self, migration_context: MigrationContextLike, impl: Any = None) -> None:
        """``impl``: the DDL implementation operations go to (the migration context's)."""
        self.migration_context = migration_context
        self.impl = impl if impl is not None else migration_context.impl

    @classmethod
    @contextmanager
    def context(cls, migration_context: Any) -> Iterator[Operations]:
        """``op.*`` acting on ``migration_context`` inside the block (operations run from a
        script or a test, outside a migration)."""
        from still.operations.proxy import operations_in_effect

        with operations_in_effect(cls(migration_context)) as operations:
            yield operations

    def invoke(self, operation: ops.MigrateOperation) -> Any:
        """Run an operation object (on the database, or as SQL text with ``--sql``).

        On SQLite, a change its ALTER TABLE cannot make (altering a column, adding or dropping a
        constraint) is made by rebuilding the table as batch mode does, with a note, unless env.py
        turns that off with ``context.configure(sqlite_rebuild=False)``.
        """
        hooks = getattr(self.migration_context, "hooks", None)  # a stand-in context has none
        for listener in hooks.operation_listeners if hooks is not None else ():
            listener(operation)  # `upgrade --plan` reads the operations as they are made
        result = self.apply(operation)
        self._done(operation)
        return result

    def apply(self, operation: ops.MigrateOperation) -> Any:
        """Run an operation that is part of another one (e.g. the foreign key an added column
        carries): as :meth:`invoke`, but not reported as an operation of its own."""
        if (
            self.impl.rebuilds_outside_batch
            and self.migration_context.opts.get("sqlite_rebuild", True)
            and isinstance(
                operation, (ops.AlterColumnOp, ops.AddConstraintOp, ops.DropConstraintOp)
            )
            and runs_own(operation)
        ):
            from still.operations.batch import rebuild_if_needed

            if rebuild_if_needed(self, operation):
                return None
        return run(self, operation)

    def _done(self, operation: ops.MigrateOperation) -> None:
        # the runtime counts what ran, for `still resolve` (a stand-in context may have no count)
        done = getattr(self.migration_context, "operation_done", None)
        if done is not None:
            done(operation)

    # -- extending op (Alembic's add-on interface) ------------------------------------------------

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[Any]], type[Any]]:
        """Class decorator: ``op.NAME(...)`` calls ``OpClass.SOURCENAME(operations, ...)``."""
        return method_registrar(cls, name, sourcename)

    @classmethod
    def implementation_for(cls, op_cls: Any, replace: bool = False) -> Callable[[Any], Any]:
        """Decorator: ``fn(operations, operation)`` runs operations of ``op_cls`` (one registry
        serves ``op`` and ``batch_op``).  A later registration replaces an earlier one, with or
        without ``replace=True`` (Alembic refuses without it)."""
        from still.operations.implementations import runs

        return runs(op_cls)

    @staticmethod
    def inline_literal(value: Any, type_: Any = None) -> Any:
        """A value rendered into the SQL itself (also in ``--sql`` scripts), not bound."""
        from sqlalchemy import literal

        return literal(value, type_).render_literal_execute()

    @staticmethod
    def f(name: str) -> Any:
        """Mark a constraint or index name as final: no naming convention applies to it."""
        from sqlalchemy.sql.elements import conv

        return conv(name)

    def get_context(self) -> MigrationContextLike:
        return self.migration_context

    def get_bind(self) -> Connection | None:
        """The connection migrations run on: ``None`` in ``--sql`` mode, except with
        ``--shadow``, where it is the shadow database, kept in step with the script, for
        reading (docs/shadow.md)."""
        return self.migration_context.bind

    def schema(self, *table_names: str, schema: str | None = None) -> MetaData:
        """The tables as they are at this point of the migration (all of them, or those named),
        as SQLAlchemy ``Table`` objects read from the database: what a data step needs, without
        importing today's models, which describe the schema at head and break old revisions.
        In a ``--sql --shadow`` run they are read from the shadow database, which stands where
        the script has brought it.

        ``op.schema("pets").tables["pets"]`` is the pets table as this revision sees it."""
        from sqlalchemy import MetaData

        bind = self.get_bind()
        if bind is None:
            raise NothingToRead(
                "op.schema() reads the tables from the database, and a --sql run has none. "
                "Add --shadow (the tables are then read from a shadow database that follows "
                "the script), run this migration online, or write the data step with "
                "sa.table()/sa.column() for the columns it uses."
            )
        metadata = MetaData()
        metadata.reflect(bind, schema=schema, only=list(table_names) or None)
        return metadata

    # -- tables -----------------------------------------------------------------------------------

    def create_table(
        self, table_name: str, *columns: Any, if_not_exists: bool | None = None, **kw: Any
    ) -> Table:
        result: Table = self.invoke(
            ops.CreateTableOp(table_name, columns, if_not_exists=if_not_exists, **kw)
        )
        return result

    def drop_table(
        self,
        table_name: str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        self.invoke(ops.DropTableOp(table_name, schema=schema, if_exists=if_exists, table_kw=kw))

    # -- columns ----------------------------------------------------------------------------------

    def add_column(
        self,
        table_name: str,
        column: Column[Any],
        *,
        schema: str | None = None,
        if_not_exists: bool | None = None,
        inline_references: bool | None = None,
        inline_primary_key: bool | None = None,
    ) -> None:
        """Add a column, and then its foreign key, unique constraint, indexes and comment.

        ``inline_references=True`` writes a single-column foreign key into the ADD as
        ``REFERENCES``; ``inline_primary_key=True`` writes ``PRIMARY KEY`` there."""
        self.invoke(
            ops.AddColumnOp(
                table_name,
                column,
                schema=schema,
                if_not_exists=if_not_exists,
                inline_references=inline_references,
                inline_primary_key=inline_primary_key,
            )
        )

    def drop_column(
        self, table_name: str, column_name: str, *, schema: str | None = None, **kw: Any
    ) -> None:
        self.invoke(ops.DropColumnOp(table_name, column_name, schema=schema, **kw))

    # -- indexes ----------------------------------------------------------------------------------

    def create_index(
        self,
        index_name: str | None,
        table_name: str,
        columns: Any,
        *,
        schema: str | None = None,
        unique: bool = False,
        if_not_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        if not isinstance(columns, (list, tuple)):
            columns = [columns]
        self.invoke(
            ops.CreateIndexOp(
                index_name,
                table_name,
                list(columns),
                schema=schema,
                unique=unique,
                if_not_exists=if_not_exists,
                **kw,
            )
        )

    def drop_index(
        self,
        index_name: str,
        table_name: str | None = None,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        self.invoke(
            ops.DropIndexOp(index_name, table_name, schema=schema, if_exists=if_exists, **kw)
        )

    def rename_table(
        self, old_table_name: str, new_table_name: str, *, schema: str | None = None
    ) -> None:
        self.invoke(ops.RenameTableOp(old_table_name, new_table_name, schema=schema))

    def create_table_comment(
        self,
        table_name: str,
        comment: str | None,
        *,
        existing_comment: str | None = None,
        schema: str | None = None,
    ) -> None:
        self.invoke(ops.CreateTableCommentOp(table_name, comment, schema, existing_comment))

    def drop_table_comment(
        self, table_name: str, *, existing_comment: str | None = None, schema: str | None = None
    ) -> None:
        self.invoke(ops.DropTableCommentOp(table_name, schema, existing_comment))

    def alter_column(
        self,
        table_name: str,
        column_name: str,
        *,
        nullable: bool | None = None,
        comment: Any = False,
        server_default: Any = False,
        new_column_name: str | None = None,
        type_: Any = None,
        existing_type: Any = None,
        existing_server_default: Any = False,
        existing_nullable: bool | None = None,
        existing_comment: str | None = None,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Change a column's nullability, type, default, comment or name."""
        autoincrement = kw.pop("autoincrement", None)
        self.invoke(
            ops.AlterColumnOp(
                table_name,
                column_name,
                schema=schema,
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
                **kw,
            )
        )

    # -- constraints ------------------------------------------------------------------------------

    def create_primary_key(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
    ) -> None:
        self.invoke(
            ops.AddConstraintOp(
                "primary", constraint_name, table_name, {"columns": list(columns)}, schema
            )
        )

    def create_unique_constraint(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        spec = {"columns": list(columns), **kw}
        self.invoke(ops.AddConstraintOp("unique", constraint_name, table_name, spec, schema))

    def create_check_constraint(
        self,
        constraint_name: str | None,
        table_name: str,
        condition: Any,
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        spec = {"condition": condition, **kw}
        self.invoke(ops.AddConstraintOp("check", constraint_name, table_name, spec, schema))

    def create_foreign_key(
        self,
        constraint_name: str | None,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        *,
        onupdate: str | None = None,
        ondelete: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        source_schema: str | None = None,
        referent_schema: str | None = None,
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
            ops.AddConstraintOp("foreignkey", constraint_name, source_table, spec, source_schema)
        )

    def create_exclude_constraint(
        self, constraint_name: str | None, table_name: str, *elements: Any, **kw: Any
    ) -> None:
        """PostgreSQL ``EXCLUDE USING ...``: elements are ``(column_or_expression, operator)``."""
        schema = kw.pop("schema", None)
        spec = {"elements": list(elements), **kw}
        self.invoke(ops.AddConstraintOp("exclude", constraint_name, table_name, spec, schema))

    def run_async(self, async_function: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run ``await async_function(async_connection, *args)`` on an async engine's connection."""
        from sqlalchemy.util import await_only

        from still.sqla_private import async_connection_of

        bind = self.get_bind()
        if bind is None or self.impl.as_sql:
            raise CommandError("op.run_async needs a connection; it cannot run with --sql.")
        async_connection = async_connection_of(bind)
        if async_connection is None:
            raise CommandError(
                "op.run_async works only when env.py runs migrations through an async engine "
                "(AsyncConnection.run_sync); this connection is synchronous."
            )
        return await_only(async_function(async_connection, *args, **kw))

    def drop_constraint(
        self,
        constraint_name: str,
        table_name: str,
        type_: str | None = None,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
    ) -> None:
        self.invoke(
            ops.DropConstraintOp(
                constraint_name, table_name, type_, schema=schema, if_exists=if_exists
            )
        )

    # -- data -------------------------------------------------------------------------------------

    def bulk_insert(
        self, table: Any, rows: Sequence[Mapping[str, Any]], *, multiinsert: bool = True
    ) -> None:
        """INSERT rows into a ``sa.table()`` / ``Table`` (values inlined in ``--sql`` scripts)."""
        self.invoke(ops.BulkInsertOp(table, rows, multiinsert))

    # -- batch mode -------------------------------------------------------------------------------

    def batch_alter_table(
        self,
        table_name: str,
        schema: str | None = None,
        recreate: str = "auto",
        partial_reordering: Any = None,
        copy_from: Any = None,
        table_args: Sequence[Any] = (),
        table_kwargs: Mapping[str, Any] | None = None,
        reflect_args: Sequence[Any] = (),
        reflect_kwargs: Mapping[str, Any] | None = None,
        naming_convention: Mapping[str, Any] | None = None,
    ) -> AbstractContextManager[Any]:
        """Change a table in one go; on SQLite, by rebuilding it with its rows (batch mode)."""
        from still.operations.batch import batch_alter_table

        return batch_alter_table(
            self,
            table_name,
            schema=schema,
            recreate=recreate,
            copy_from=copy_from,
            table_args=table_args,
            table_kwargs=table_kwargs,
            reflect_args=reflect_args,
            partial_reordering=partial_reordering,
            naming_convention=naming_convention,
            reflect_kwargs=reflect_kwargs,
        )

    # -- raw SQL ----------------------------------------------------------------------------------

    def execute(self, sqltext: Any, *, execution_options: Mapping[str, Any] | None = None) -> Any:
        """Run SQL text or a SQLAlchemy construct inside the migration's transaction."""
        return self.invoke(ops.ExecuteSQLOp(sqltext, execution_options=execution_options))
