"""``alembic.ddl``, ``alembic.ddl.impl`` and the per-dialect modules: the DDL implementations.

A custom implementation (``class MyImpl(DefaultImpl): __dialect__ = "mydb"``) subclasses
still's ``DefaultImpl``; custom types compare themselves with SQLAlchemy's
``compare_against_backend`` as in Alembic.
"""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__path__: list[str] = []

_D = "still.ddl.dialects"
__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.ddl",
    {
        "DefaultImpl": "still.ddl.impl:DefaultImpl",
        "PostgresqlImpl": f"{_D}:PostgresqlImpl",
        "SQLiteImpl": f"{_D}:SQLiteImpl",
        "MySQLImpl": f"{_D}:MySQLImpl",
        "MariaDBImpl": f"{_D}:MariaDBImpl",
        "MSSQLImpl": f"{_D}:MSSQLImpl",
        "OracleImpl": f"{_D}:OracleImpl",
        # names the dialect modules re-export
        "Operations": "still.operations.base:Operations",
        "BatchOperations": "still.operations.batch:BatchOperations",
        "CreateExcludeConstraintOp": "still.operations.alembic_ops:CreateExcludeConstraintOp",
        # impl, base and the dialect modules: submodules (still.compat.ALEMBIC_MODULES)
    },
)
