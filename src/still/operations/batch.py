"""Batch mode: ``with op.batch_alter_table("pets") as batch_op:``.

The operations inside the block are collected as operation objects.  Where the database can run
them as plain ALTERs (PostgreSQL, MySQL/MariaDB, and SQLite for what its ALTER supports), they
run as they are.  Otherwise (SQLite, or ``recreate="always"``) the table is rebuilt
(:mod:`still.operations.rebuild`, :mod:`still.operations.swap`): a new table with the changed
definition is created, the rows are copied across, the old table is dropped, the new one renamed,
and the indexes and constraints are made again.  Data, indexes, unique/check constraints and
foreign keys survive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Table

from still.errors import CommandError
from still.operations import ops
from still.operations.extending import method_registrar
from still.operations.rebuild import TableRebuild
from still.operations.swap import swap

if TYPE_CHECKING:
    from still.operations.base import Operations

# What SQLite's own ALTER TABLE can do: everything else needs the table rebuilt.
_SQLITE_ALTER_OK = (ops.AddColumnOp, ops.CreateIndexOp, ops.DropIndexOp, ops.RenameTableOp)
# Where recreate="always" rebuilds the table (tested live on each).
_REBUILDS = ("sqlite", "postgresql", "mysql", "mariadb")


class BatchOperations:
    """``batch_op``: the operations of one table, with the table name implied."""

    def __init__(self, table_name: str, schema: str | None) -> None:
        self.table_name = table_name
        self.schema = schema
        self.collected: list[ops.MigrateOperation] = []
        # column name -> (insert_before, insert_after), honoured by table rebuilds
        self.placements: dict[str, tuple[str | None, str | None]] = {}

    def invoke(self, operation: ops.MigrateOperation) -> None:
        """Collect an operation object; it runs when the batch block ends."""
        self.collected.append(operation)

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[Any]], type[Any]]:
        """The batch form of ``Operations.register_operation``: ``batch_op.NAME(...)``."""
        return method_registrar(cls, name, sourcename)

    def add_column(
        self,
        column: Column[Any],
        insert_before: str | None = None,
        insert_after: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a column; ``insert_before``/``insert_after`` place it when the table is rebuilt."""
        op = ops.AddColumnOp(self.table_name, column, schema=self.schema)
        self.placements[column.name] = (insert_before, insert_after)
        self.collected.append(op)

    def drop_column(self, column_name: str, **kw: Any) -> None:
        self.collected.append(ops.DropColumnOp(self.table_name, column_name, schema=self.schema))

    def alter_column(self, column_name: str, **kw: Any) -> None:
        autoincrement = kw.pop("autoincrement", None)
        existing_default = kw.pop("existing_server_default", False)
        self.collected.append(
            ops.AlterColumnOp(
                self.table_name,
                column_name,
                schema=self.schema,
                nullable=kw.pop("nullable", None),
                type_=kw.pop("type_", None),
                server_default=kw.pop("server_default", False),
                new_column_name=kw.pop("new_column_name", None),
                comment=kw.pop("comment", False),
                autoincrement=autoincrement,
                existing_type=kw.pop("existing_type", None),
                existing_nullable=kw.pop("existing_nullable", None),
                existing_server_default=None if existing_default is False else existing_default,
                existing_comment=kw.pop("existing_comment", None),
                kw=kw,
            )
        )

    def create_index(self, index_name: str, columns: Sequence[Any], **kw: Any) -> None:
        unique = kw.pop("unique", False)
        self.collected.append(
            ops.CreateIndexOp(
                index_name, self.table_name, list(columns), self.schema, unique, kw=kw
            )
        )

    def drop_index(self, index_name: str, **kw: Any) -> None:
        self.collected.append(ops.DropIndexOp(index_name, self.table_name, self.schema, kw=kw))

    def create_unique_constraint(self, name: str | None, columns: Sequence[str], **kw: Any) -> None:
        spec = {"columns": list(columns), **kw}
        self.collected.append(
            ops.AddConstraintOp("unique", name, self.table_name, spec, self.schema)
        )

    def create_check_constraint(self, name: str | None, condition: Any, **kw: Any) -> None:
        spec = {"condition": condition, **kw}
        self.collected.append(
            ops.AddConstraintOp("check", name, self.table_name, spec, self.schema)
        )

    def create_primary_key(self, name: str | None, columns: Sequence[str]) -> None:
        spec = {"columns": list(columns)}
        self.collected.append(
            ops.AddConstraintOp("primary", name, self.table_name, spec, self.schema)
        )

    def create_foreign_key(
        self,
        name: str | None,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        **kw: Any,
    ) -> None:
        spec = {
            "referent_table": referent_table,
            "local_cols": list(local_cols),
            "remote_cols": list(remote_cols),
            **kw,
        }
        self.collected.append(
            ops.AddConstraintOp("foreignkey", name, self.table_name, spec, self.schema)
        )

    def drop_constraint(self, name: str, type_: str | None = None) -> None:
        self.collected.append(ops.DropConstraintOp(name, self.table_name, type_, self.schema))


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
) -> Iterator[BatchOperations]:
    if recreate not in ("auto", "always", "never"):
        raise CommandError(f"recreate={recreate!r}: use 'auto', 'always' or 'never'.")
    batch = BatchOperations(table_name, schema)
    yield batch
    dialect = operations.impl.dialect.name
    if recreate == "always" and dialect not in _REBUILDS:
        raise CommandError(
            f"batch_alter_table({table_name!r}, recreate='always') rebuilds tables on SQLite, "
            f"PostgreSQL and MySQL/MariaDB; on {dialect} use recreate='auto', which runs plain "
            "ALTERs."
        )
    needs_rebuild = recreate == "always" or (
        recreate == "auto"
        and dialect == "sqlite"
        and any(not _sqlite_can(op) for op in batch.collected)
    )
    if not needs_rebuild:
        for op in batch.collected:
            operations.invoke(op)
        return
    rebuild = TableRebuild.of(
        operations, table_name, schema, copy_from, reflect_args, naming_convention
    )
    rebuild.table_args = list(table_args)
    rebuild.table_kwargs.update(table_kwargs or {})
    for op in batch.collected:
        rebuild.apply(op)
    for column, (before, after) in batch.placements.items():
        rebuild.place(column, before, after)
    if partial_reordering:
        rebuild.reorder(partial_reordering)
    swap(operations, rebuild)


def rebuild_if_needed(operations: Operations, op: Any) -> bool:
    """Make a change SQLite's ALTER cannot make by rebuilding the table; False if not needed."""
    if _sqlite_can(op):
        return False
    operations.migration_context.note(
        f"SQLite cannot ALTER this ({type(op).__name__} on {op.table_name}); rebuilding the "
        "table with its rows, as batch mode does."
    )
    rebuild = TableRebuild.of(operations, op.table_name, op.schema, None, ())
    rebuild.apply(op)
    swap(operations, rebuild)
    return True


def _sqlite_can(op: ops.MigrateOperation) -> bool:
    if isinstance(op, ops.AlterColumnOp):
        return (
            op.nullable is None
            and op.type_ is None
            and op.server_default is False
            and op.autoincrement is None
        )
    return isinstance(op, _SQLITE_ALTER_OK)
