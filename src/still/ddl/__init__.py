"""Per-dialect DDL: how each operation becomes SQL on PostgreSQL, MySQL/MariaDB, SQLite, SQL Server
and Oracle."""

from still.ddl.dialects import impl_for
from still.ddl.impl import DefaultImpl

__all__ = ["DefaultImpl", "impl_for"]
