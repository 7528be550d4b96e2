"""Per-dialect differences, one small class each."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.engine import Connection

from still.ddl.impl import DefaultImpl


class PostgresqlImpl(DefaultImpl):
    __dialect__ = "postgresql"
    transactional_ddl: bool = True


class SQLiteImpl(DefaultImpl):
    __dialect__ = "sqlite"
    transactional_ddl = True

    def begin(self, connection: Connection) -> Any:
        # Python's sqlite3 module opens transactions only before INSERT/UPDATE/DELETE, so DDL
        # would otherwise run in autocommit mode and survive a rollback.  An explicit BEGIN makes
        # the whole migration (DDL included) one transaction.
        transaction = super().begin(connection)
        dbapi_connection = connection.connection.dbapi_connection
        if not getattr(dbapi_connection, "in_transaction", True):
            connection.exec_driver_sql("BEGIN")
        return transaction


class MySQLImpl(DefaultImpl):
    """MySQL and MariaDB: every DDL statement commits by itself."""

    __dialect__ = "mysql"
    transactional_ddl = False


class MariaDBImpl(MySQLImpl):
    __dialect__ = "mariadb"


class MSSQLImpl(DefaultImpl):
    __dialect__ = "mssql"
    transactional_ddl = True
    batch_separator: ClassVar[str] = "GO"

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
