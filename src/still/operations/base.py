"""``Operations``: the object behind ``op`` inside a migration.

Each method builds an operation object (:mod:`still.operations.ops`) and hands it to
:meth:`Operations.invoke`, which runs it through the dialect's DDL implementation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from still.ddl import DefaultImpl
from still.operations import ops
from still.operations.implementations import run

if TYPE_CHECKING:
    from sqlalchemy import Column, Table
    from sqlalchemy.engine import Connection


class MigrationContextLike(Protocol):
    """What operations need from the runtime's migration context."""

    impl: DefaultImpl

    @property
    def bind(self) -> Connection | None: ...


class Operations:
    """Schema operations for one migration context; ``op`` is a proxy to an instance."""

    def __init__(self, migration_context: MigrationContextLike) -> None:
        self.migration_context = migration_context
        self.impl = migration_context.impl

    def invoke(self, operation: ops.MigrateOperation) -> Any:
        """Run an operation object (on the database, or as SQL text with ``--sql``)."""
        return run(self.impl, operation)

    def get_context(self) -> MigrationContextLike:
        return self.migration_context

    def get_bind(self) -> Connection | None:
        """The connection migrations run on (``None`` in ``--sql`` mode)."""
        return self.migration_context.bind

    # -- tables -----------------------------------------------------------------------------------

    def create_table(
        self, table_name: str, *columns: Any, if_not_exists: bool | None = None, **kw: Any
    ) -> Table:
        schema = kw.pop("schema", None)
        result: Table = self.invoke(
            ops.CreateTableOp(
                table_name, columns, schema=schema, if_not_exists=if_not_exists, kw=kw
            )
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
        self.invoke(ops.DropTableOp(table_name, schema=schema, if_exists=if_exists, kw=kw))

    # -- columns ----------------------------------------------------------------------------------

    def add_column(
        self,
        table_name: str,
        column: Column[Any],
        *,
        schema: str | None = None,
        if_not_exists: bool | None = None,
    ) -> None:
        self.invoke(ops.AddColumnOp(table_name, column, schema=schema, if_not_exists=if_not_exists))

    def drop_column(
        self, table_name: str, column_name: str, *, schema: str | None = None, **kw: Any
    ) -> None:
        if_exists = kw.pop("if_exists", None)
        self.invoke(
            ops.DropColumnOp(table_name, column_name, schema=schema, if_exists=if_exists, kw=kw)
        )

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
                kw=kw,
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
            ops.DropIndexOp(index_name, table_name, schema=schema, if_exists=if_exists, kw=kw)
        )

    # -- raw SQL ----------------------------------------------------------------------------------

    def execute(self, sqltext: Any, *, execution_options: Mapping[str, Any] | None = None) -> Any:
        """Run SQL text or a SQLAlchemy construct inside the migration's transaction."""
        return self.invoke(ops.ExecuteSQLOp(sqltext, execution_options))
