"""``alembic.ddl``, ``alembic.ddl.impl`` and the per-dialect modules: the DDL implementations.

A custom implementation (``class MyImpl(DefaultImpl): __dialect__ = "mydb"``) subclasses
still's ``DefaultImpl``; custom types compare themselves with SQLAlchemy's
``compare_against_backend`` as in Alembic.
"""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__path__: list[str] = []

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.ddl",
    {
        "DefaultImpl": "still.ddl.impl:DefaultImpl",
        "PostgresqlImpl": "still.ddl.postgresql:PostgresqlImpl",
        "SQLiteImpl": "still.ddl.sqlite:SQLiteImpl",
        "MySQLImpl": "still.ddl.mysql:MySQLImpl",
        "MariaDBImpl": "still.ddl.mysql:MariaDBImpl",
        "MSSQLImpl": "still.ddl.mssql:MSSQLImpl",
        "OracleImpl": "still.ddl.oracle:OracleImpl",
        # names the dialect modules re-export
        "Operations": "still.operations.base:Operations",
        "BatchOperations": "still.operations.batch:BatchOperations",
        "CreateExcludeConstraintOp": "still.operations.ops:CreateExcludeConstraintOp",
        # impl, base and the dialect modules: submodules (still.compat.ALEMBIC_MODULES)
    },
)
