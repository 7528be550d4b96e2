"""PostgreSQL's own canonical definition of an expression or partial index, for the model side.

The database rewrites what it is given (``lower(email)`` becomes ``lower((email)::text)``,
``trim(x)`` becomes ``TRIM(BOTH FROM x)``, ``x IN (...)`` becomes ``x = ANY (ARRAY[...])``); text
normalisation covers the common cases, and when it still sees a difference this module asks the
database: the model's index is built on an empty temporary copy of the table, inside a savepoint
that is rolled back, and ``pg_get_indexdef`` of both is compared from ``USING`` on.  The real
table is only read.  When the database cannot answer, the text comparison stands.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.sql.elements import TextClause

from still.autogenerate.context import AutogenContext
from still.operations import ops

PROBE = "still_index_probe"
PROBE_INDEX = "still_index_probe_ix"


def _definition(bind: Any, qualified: str) -> str | None:
    # bound by SQLAlchemy, not the driver (asyncpg does not take %(name)s)
    row = bind.execute(
        text("SELECT pg_get_indexdef(to_regclass(:name))"), {"name": qualified}
    ).scalar()
    if not row:
        return None
    _, using, rest = row.partition(" USING ")
    return using + rest if using else None


def _sql(op: ops.CreateIndexOp, preparer: Any) -> str:
    columns = ", ".join(
        c.text if isinstance(c, TextClause) else preparer.quote(str(getattr(c, "name", c)))
        for c in op.columns
    )
    kw = dict(op.kw)
    using = f" USING {kw['postgresql_using']}" if kw.get("postgresql_using") else ""
    include = kw.get("postgresql_include") or []
    including = (
        f" INCLUDE ({', '.join(preparer.quote(str(c)) for c in include)})" if include else ""
    )
    where = kw.get("postgresql_where")
    if isinstance(where, TextClause):
        where = where.text
    condition = f" WHERE {where}" if where is not None else ""
    unique = "UNIQUE " if op.unique else ""
    return f"CREATE {unique}INDEX {PROBE_INDEX} ON {PROBE}{using} ({columns}){including}{condition}"


def same_index(
    autogen: AutogenContext, conn_table: Table, name: str, op: ops.CreateIndexOp
) -> bool:
    """Whether the database's index ``name`` on ``conn_table`` is the one ``op`` would build."""
    bind = autogen.connection
    preparer = autogen.dialect.identifier_preparer
    table = preparer.quote(conn_table.name)
    if conn_table.schema:
        table = f"{preparer.quote_schema(conn_table.schema)}.{table}"
    index = preparer.quote(name)
    if conn_table.schema:
        index = f"{preparer.quote_schema(conn_table.schema)}.{index}"
    try:
        existing = _definition(bind, index)
        savepoint = bind.begin_nested()
        try:
            bind.exec_driver_sql(f"CREATE TEMPORARY TABLE {PROBE} (LIKE {table})")
            bind.exec_driver_sql(_sql(op, preparer))
            wanted = _definition(bind, f"pg_temp.{PROBE_INDEX}")
        finally:
            savepoint.rollback()
    except Exception:
        return False
    return existing is not None and _clean(existing) == _clean(wanted)


def _clean(definition: str | None) -> str:
    return re.sub(r"\s+", " ", definition or "").strip()
