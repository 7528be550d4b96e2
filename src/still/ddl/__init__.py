"""Per-dialect DDL: how each operation becomes SQL on PostgreSQL, MySQL/MariaDB, SQLite, SQL Server
and Oracle.

:mod:`still.ddl.impl` holds the generic :class:`DefaultImpl` and the registry of implementations
(``impl_for``); each database's module holds its implementation and the constructs only it
compiles.  Importing this package registers them all.
"""

from still.ddl import mssql, mysql, oracle, postgresql, sqlite
from still.ddl.impl import DefaultImpl, impl_for

__all__ = ["DefaultImpl", "impl_for", "mssql", "mysql", "oracle", "postgresql", "sqlite"]
