"""Check constraints, where reflection reads them (PostgreSQL, MySQL 8 / MariaDB 10.2+, SQLite).

Named constraints match by name (their text is not compared: every database rewrites it its own
way, PostgreSQL's ``x IN (...)`` becomes ``x = ANY (ARRAY[...])``).  Unnamed ones match by their
normalised text (:func:`normalise_sql`).  An added constraint the model leaves unnamed gets the
name the database will give it where that can be predicted (PostgreSQL's ``t_col_check``), so the
downgrade drops it by that name.  What the databases add by themselves is left out: MariaDB's
``json_valid(col)`` check behind a JSON column.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import CheckConstraint, Table

from still.autogenerate.changes import Changes, Phase
from still.autogenerate.columns import name_parents
from still.autogenerate.context import AutogenContext, name_of
from still.autogenerate.sql_text import normalise_sql
from still.operations import ops


def _sql_of(constraint: CheckConstraint, dialect: Any) -> str:
    try:
        compiled = constraint.sqltext.compile(
            dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
        )
        return str(compiled)
    except Exception:
        return str(constraint.sqltext)


def _checks(table: Table) -> list[CheckConstraint]:
    return [c for c in table.constraints if isinstance(c, CheckConstraint)]


def _implicit(constraint: CheckConstraint, table: Table) -> bool:
    """MariaDB's own check behind a JSON column: ``json_valid(col)``, named after the column."""
    text = normalise_sql(str(constraint.sqltext))
    return bool(re.fullmatch(r"json_valid\w+", text)) and (name_of(constraint) or "") in table.c


def predicted_name(dialect: Any, table: Table, sql: str, taken: set[str]) -> str | None:
    """The name the database gives an unnamed check constraint (PostgreSQL's
    ``<table>_<column>_check``, MariaDB's ``CONSTRAINT_<n>``, MySQL's ``<table>_chk_<n>``):
    its implementation's ``predicted_check_name``."""
    from still.ddl import impl_for

    return impl_for(dialect.name).predicted_check_name(dialect, table, sql, taken)


def _add(
    autogen: AutogenContext, constraint: CheckConstraint, table: Table, taken: set[str]
) -> ops.AddConstraintOp:
    sql = _sql_of(constraint, autogen.dialect)
    name = name_of(constraint) or predicted_name(autogen.dialect, table, sql, taken)
    if name:
        taken.add(name)
    return ops.AddConstraintOp("check", name, table.name, {"condition": sql}, table.schema)


def compare_checks(
    autogen: AutogenContext, changes: Changes, conn_table: Table, metadata_table: Table
) -> None:
    key = (metadata_table.schema, metadata_table.name)
    parents = name_parents(*key)
    model = [
        c
        for c in _checks(metadata_table)
        if autogen.include_object(c, name_of(c), "check_constraint", False, None)
    ]
    conn = [
        c
        for c in _checks(conn_table)
        if not _implicit(c, conn_table)
        and autogen.include_name(name_of(c), "check_constraint", parents)
        and autogen.include_object(c, name_of(c), "check_constraint", True, None)
    ]
    dialect = autogen.dialect
    unmatched = list(conn)
    to_add: list[CheckConstraint] = []
    for constraint in [c for c in model if name_of(c)]:
        found = next((c for c in unmatched if name_of(c) == name_of(constraint)), None)
        if found is None:
            to_add.append(constraint)
        else:
            unmatched.remove(found)
    for constraint in [c for c in model if not name_of(c)]:
        text = normalise_sql(_sql_of(constraint, dialect))
        found = next((c for c in unmatched if normalise_sql(str(c.sqltext)) == text), None)
        if found is None:
            to_add.append(constraint)
        else:
            unmatched.remove(found)
    for constraint in unmatched:
        name = name_of(constraint)
        if name is None:
            continue  # SQLite: an unnamed constraint cannot be dropped by name
        add = ops.AddConstraintOp(
            "check", name, conn_table.name, {"condition": str(constraint.sqltext)}, key[0]
        )
        drop = ops.DropConstraintOp(name, conn_table.name, "check", schema=key[0], _reverse=add)
        changes.add(Phase.DROP_INDEXES, drop, ("remove_constraint", constraint), key)
    taken = {n for n in (name_of(c) for c in conn) if n}
    for constraint in to_add:
        op = _add(autogen, constraint, metadata_table, taken)
        changes.add(Phase.ADD_INDEXES, op, ("add_constraint", constraint), key)
