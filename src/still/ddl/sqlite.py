"""SQLite: its implementation (ALTER TABLE renames and adds, everything else rebuilds the table in
batch mode; an explicit BEGIN so DDL runs in the migration's transaction)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Constraint,
    Table,
)
from sqlalchemy.engine import Connection

from still.ddl.alter import ColumnName
from still.ddl.change import AlterColumn
from still.ddl.impl import (
    DefaultImpl,
    column_name_of,
    column_on_table,
)
from still.ddl.locks import LockTimeout
from still.errors import StillError
from still.sqla_private import creation_order, type_bound


class SQLiteImpl(DefaultImpl):
    __dialect__ = "sqlite"
    display_name = "SQLite"
    transactional_ddl = True

    @classmethod
    @contextmanager
    def migration_lock(
        cls,
        connection: Connection,
        name: str,
        timeout: float,
        *,
        whole_run_in_one_transaction: bool,
        owns_transaction: bool,
    ) -> Iterator[None]:
        """The write lock (``BEGIN IMMEDIATE``), released by the run's COMMIT or ROLLBACK: only
        where the whole run is one transaction still began."""
        if owns_transaction and whole_run_in_one_transaction:
            _write_lock(connection, timeout)
        yield

    alters_constraints = False

    # -- capabilities (see DefaultImpl) ---------------------------------------------------------
    sqlglot_dialect = "sqlite"
    rebuilds_tables = True
    rebuilds_outside_batch = True
    swaps_by_rename = True
    json_is_text = True
    constraint_names_hint = "SQLite keeps only the names given when the constraint was created"
    heavy_operations: ClassVar[Mapping[str, str]] = {
        "alter_column": "rebuilds the table (move and copy)",
        "add_constraint": "rebuilds the table (move and copy)",
        "drop_constraint": "rebuilds the table (move and copy)",
    }

    @classmethod
    def lives_in_one_connection(cls, url: str) -> bool:
        return (
            url.rstrip("/") in ("sqlite:", "sqlite+pysqlite:")
            or ":memory:" in url
            or "mode=memory" in url
        )

    def requires_recreate_in_batch(self, batch_op: Any) -> bool:
        """A batch is rebuilt unless SQLite's ALTER TABLE can make every change in it, and no
        column is placed (``insert_before`` / ``insert_after``)."""
        batch = list(batch_op.batch)
        if any(kw.get("insert_before") or kw.get("insert_after") for _, _, kw in batch):
            return True
        return not all(self.alters_in_place(name, args, kw) for name, args, kw in batch)

    def alters_in_place(self, name: str, args: Sequence[Any], kw: Mapping[str, Any]) -> bool:
        """What SQLite's ALTER TABLE can do: add a column (with a constant default, and not a
        stored generated one), rename a column, create or drop an index, rename the table."""
        if name == "add_column":
            return _sqlite_can_add(args[1])
        if name == "alter_column":
            return (
                kw.get("nullable") is None
                and kw.get("type_") is None
                and kw.get("server_default", False) is False
                and kw.get("autoincrement") is None
            )
        return name in ("create_index", "drop_index", "rename_table")

    def cast_for_batch_migrate(
        self, existing: Column[Any], existing_transfer: dict[str, Any], new_type: Any
    ) -> None:
        from sqlalchemy import JSON

        if isinstance(new_type, JSON):
            return  # SQLite stores JSON as text: the values copy as they are
        super().cast_for_batch_migrate(existing, existing_transfer, new_type)

    def render_ddl_sql_expr(self, expr: Any, is_server_default: bool = False, **kw: Any) -> str:
        rendered = super().render_ddl_sql_expr(expr, is_server_default=is_server_default, **kw)
        if is_server_default and _sqlite_needs_parentheses(rendered):
            return f"({rendered})"  # SQLite takes an expression default only in parentheses
        return rendered

    def correct_for_autogen_constraints(
        self,
        conn_unique_constraints: set[Any],
        conn_indexes: set[Any],
        metadata_unique_constraints: set[Any],
        metadata_indexes: set[Any],
    ) -> None:
        super().correct_for_autogen_constraints(
            conn_unique_constraints, conn_indexes, metadata_unique_constraints, metadata_indexes
        )

    def change_column(self, table_name: str, column_name: str, change: AlterColumn) -> None:
        # SQLite's ALTER TABLE renames columns and nothing else.
        others = (
            change.nullable is not None
            or change.type_ is not None
            or change.server_default is not False
            or change.autoincrement is not None
        )
        if others:
            raise StillError(_batch_only(f"alter column {table_name}.{column_name}"))
        if change.new_column_name:
            self._exec(
                ColumnName(table_name, column_name, change.new_column_name, **change.described())
            )

    def add_constraint(self, const: Any, **kw: Any) -> None:
        if not self.creates(const):
            return
        name = const.name if isinstance(const.name, str) else ""
        raise StillError(_batch_only(f"add constraint {name}".rstrip()))

    def drop_constraint(self, const: Constraint, **kw: Any) -> None:
        name = const.name if isinstance(const.name, str) else ""
        raise StillError(_batch_only(f"drop constraint {name}".rstrip()))

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
        column = column_on_table(table_name, column, schema)
        # SQLite's ADD COLUMN has no IF NOT EXISTS: ask the database instead.
        if if_not_exists and column.name in self._column_names(table_name, schema, "if_not_exists"):
            return
        super().add_column(
            table_name,
            column,
            schema=schema,
            inline_references=inline_references,
            inline_primary_key=inline_primary_key,
        )

    def inline_constraints(self, column: Column[Any]) -> list[Constraint]:
        # SQLite has no ADD CONSTRAINT, but takes a CHECK in ADD COLUMN: the CHECK a type makes
        # (Boolean, non-native Enum) goes there (Alembic skips it with a warning).
        table = column.table
        return super().inline_constraints(column) + sorted(
            (
                c
                for c in table.constraints
                if isinstance(c, CheckConstraint) and type_bound(c) and self.creates(c)
            ),
            key=creation_order,
        )

    def drop_column(
        self,
        table_name: str,
        column: Column[Any] | str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        name = column_name_of(column)
        if if_exists and name not in self._column_names(table_name, schema, "if_exists"):
            return
        super().drop_column(table_name, name, schema=schema)

    def _column_names(self, table_name: str, schema: str | None, guard: str) -> set[str]:
        if self.connection is None:
            raise StillError(
                f"SQLite's ALTER TABLE has no {guard.replace('_', ' ').upper()} for columns, and "
                f"with --sql there is no database to ask whether {table_name} has the column. "
                f"Leave {guard}= out of the offline migration."
            )
        from sqlalchemy import inspect

        inspector = inspect(self.connection)
        if not inspector.has_table(table_name, schema=schema):
            return set()
        return {c["name"] for c in inspector.get_columns(table_name, schema=schema)}

    def create_table_comment(self, table: Table) -> None:
        pass  # SQLite keeps no comments; nothing to do

    def drop_table_comment(self, table: Table) -> None:
        pass

    def begin(self, connection: Connection) -> Any:
        # Python's sqlite3 module (and aiosqlite over it) opens transactions only before
        # INSERT/UPDATE/DELETE, so DDL would otherwise run in autocommit mode and survive a
        # rollback.  An explicit BEGIN makes the whole migration (DDL included) one transaction.
        transaction = super().begin(connection)
        if _driver_in_transaction(connection.connection.dbapi_connection) is False:
            connection.exec_driver_sql("BEGIN")
        return transaction


def _sqlite_can_add(column: Column[Any]) -> bool:
    """SQLite's ADD COLUMN takes constant defaults only, and no stored generated column."""
    from sqlalchemy import DefaultClause
    from sqlalchemy.sql import ClauseElement

    default = column.server_default
    if isinstance(default, DefaultClause) and isinstance(default.arg, ClauseElement):
        return False
    return not (isinstance(default, Computed) and default.persisted)


def _sqlite_needs_parentheses(rendered: str) -> bool:
    """Whether a rendered default is an expression (not a literal, a number or a keyword such
    as CURRENT_TIMESTAMP), which SQLite takes only in parentheses."""
    text = rendered.strip()
    if not text or text.startswith("("):
        return False
    if text[0] == "'" and text[-1] == "'":
        return False  # a string literal
    try:
        float(text)
        return False  # a number
    except ValueError:
        pass
    return not re.fullmatch(r"[A-Za-z_]+", text)  # NULL, TRUE, CURRENT_TIMESTAMP ... stand alone


def _batch_only(what: str) -> str:
    return (
        f"SQLite's ALTER TABLE cannot {what}. Write the change inside "
        "`with op.batch_alter_table(TABLE) as batch_op:`, which rebuilds the table (batch mode)."
    )


def _driver_in_transaction(dbapi_connection: Any) -> bool | None:
    """Whether the sqlite3 (or aiosqlite) connection has a transaction open; None if unknown."""
    # aiosqlite's connection is behind SQLAlchemy's adaptor (AdaptedConnection.driver_connection)
    for candidate in (dbapi_connection, getattr(dbapi_connection, "driver_connection", None)):
        state = getattr(candidate, "in_transaction", None)
        if isinstance(state, bool):
            return state
    return None


# -- the migration lock --------------------------------------------------------------------------


def _write_lock(connection: Connection, timeout: float) -> None:
    # The version table was read in a deferred transaction, which cannot wait to become a writer
    # while another connection writes (SQLite answers "database is locked" at once).  Nothing has
    # been written yet: end it, and begin again as the writer, waiting up to the timeout.
    transaction = connection.get_transaction()
    if transaction is not None:
        transaction.rollback()
    connection.begin()
    # The wait is ours; the connection (maybe the application's own) keeps its busy timeout.
    previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except Exception as exc:
        if "locked" in str(exc).lower():
            raise LockTimeout(
                f"Another process kept the SQLite database locked for more than {timeout:g} s, "
                "so nothing was run. It is probably migrating this database now: wait for it, "
                "then run the command again. To wait longer, set migration_lock_timeout = SECONDS "
                "in the [alembic] section of the configuration."
            ) from exc
        raise
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous or 0)}")
