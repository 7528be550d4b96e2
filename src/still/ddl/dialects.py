"""Per-dialect differences, one small class each."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from sqlalchemy import Index
from sqlalchemy.engine import Connection

from still.ddl.impl import DefaultImpl


class PostgresqlImpl(DefaultImpl):
    __dialect__ = "postgresql"
    transactional_ddl: bool = True


class SQLiteImpl(DefaultImpl):
    __dialect__ = "sqlite"
    transactional_ddl = True

    def begin(self, connection: Connection) -> Any:
        # Python's sqlite3 module (and aiosqlite over it) opens transactions only before
        # INSERT/UPDATE/DELETE, so DDL would otherwise run in autocommit mode and survive a
        # rollback.  An explicit BEGIN makes the whole migration (DDL included) one transaction.
        transaction = super().begin(connection)
        if _driver_in_transaction(connection.connection.dbapi_connection) is False:
            connection.exec_driver_sql("BEGIN")
        return transaction


def _driver_in_transaction(dbapi_connection: Any) -> bool | None:
    """Whether the sqlite3 (or aiosqlite) connection has a transaction open; None if unknown."""
    for candidate in (dbapi_connection, getattr(dbapi_connection, "_connection", None)):
        state = getattr(candidate, "in_transaction", None)
        if isinstance(state, bool):
            return state
    return None


class MySQLImpl(DefaultImpl):
    """MySQL and MariaDB: every DDL statement commits by itself."""

    __dialect__ = "mysql"
    transactional_ddl = False

    def drop_index(self, index: Index, if_exists: bool = False) -> None:
        # InnoDB drops its own index for a foreign key once another index can serve it, and then
        # refuses to drop that other index (error 1553).  Put back the index InnoDB would have made,
        # in the same statement, so the downgrade leaves the schema as it was before the upgrade.
        replacement = None if self.as_sql else self._foreign_key_index_to_restore(index)
        if replacement is None:
            super().drop_index(index, if_exists)
            return
        name, columns = replacement
        quote = self.dialect.identifier_preparer.quote
        table = index.table
        assert table is not None
        target = (
            quote(table.name) if not table.schema else f"{quote(table.schema)}.{quote(table.name)}"
        )
        self.execute(
            f"ALTER TABLE {target} DROP INDEX {quote(str(index.name))}, "
            f"ADD INDEX {quote(name)} ({', '.join(quote(c) for c in columns)})"
        )

    def _foreign_key_index_to_restore(self, index: Index) -> tuple[str, list[str]] | None:
        from sqlalchemy import inspect

        table = index.table
        if self.connection is None or table is None or index.name is None:
            return None
        inspector = inspect(self.connection)
        schema = table.schema
        others = [
            list(ix["column_names"])
            for ix in inspector.get_indexes(table.name, schema=schema)
            if ix["name"] != index.name
        ]
        others.append(
            list(inspector.get_pk_constraint(table.name, schema=schema)["constrained_columns"])
        )
        ours = next(
            (
                list(ix["column_names"])
                for ix in inspector.get_indexes(table.name, schema=schema)
                if ix["name"] == index.name
            ),
            None,
        )
        if ours is None:
            return None
        for fk in inspector.get_foreign_keys(table.name, schema=schema):
            columns = list(fk["constrained_columns"])
            if ours[: len(columns)] != columns:
                continue
            if any(other[: len(columns)] == columns for other in others):
                continue
            name = fk.get("name") or ""
            generated = re.fullmatch(rf"{re.escape(table.name)}_ibfk_\d+", name)
            return (columns[0] if generated or not name else name), columns
        return None


class MariaDBImpl(MySQLImpl):
    __dialect__ = "mariadb"


class MSSQLImpl(DefaultImpl):
    __dialect__ = "mssql"
    transactional_ddl = True
    batch_separator: ClassVar[str] = "GO"

    def emit_begin(self) -> None:
        self.static_output("BEGIN TRANSACTION" + self.statement_terminator)

    def static_output(self, text_: str) -> None:
        super().static_output(text_)
        if text_.endswith(self.statement_terminator):
            super().static_output(self.batch_separator)


class OracleImpl(DefaultImpl):
    __dialect__ = "oracle"
    transactional_ddl = False


IMPLEMENTATIONS: dict[str, type[DefaultImpl]] = {
    cls.__dialect__: cls
    for cls in (PostgresqlImpl, SQLiteImpl, MySQLImpl, MariaDBImpl, MSSQLImpl, OracleImpl)
}


def impl_for(dialect_name: str) -> type[DefaultImpl]:
    """The implementation class for a dialect name; the generic one for unknown dialects."""
    return IMPLEMENTATIONS.get(dialect_name, DefaultImpl)
