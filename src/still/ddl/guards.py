"""``if_not_exists`` / ``if_exists`` where the database's grammar has no such clause.

SQL Server has ``DROP ... IF EXISTS`` (2016+) but no ``CREATE TABLE/INDEX IF NOT EXISTS`` and no
guarded ``ADD`` column: the statement is put under an ``IF`` that asks the catalog
(``OBJECT_ID``, ``sys.indexes``, ``COL_LENGTH``).  Oracle before 23ai has no ``IF [NOT] EXISTS``
at all: the statement runs from a PL/SQL block (``EXECUTE IMMEDIATE``) that ignores the one error
meaning "already there" (or "not there").  Both forms run the same online and in ``--sql`` scripts;
an offline Oracle script ends each block with a ``/`` line, as SQL*Plus and SQLcl need.

:class:`Guarded` wraps other DDL constructs: the first is the guarded statement, the rest run only
if it ran (the comments and indexes of a table ``create_table(if_not_exists=True)`` created).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler

from still.ddl.elements import nstring, string, table_name

# What is guarded -> the Oracle error that means "already there" / "not there".
ORACLE_ERRORS: dict[str, int] = {
    "create_table": 955,  # ORA-00955: name is already used by an existing object
    "create_index": 955,
    "add_column": 1430,  # ORA-01430: column being added already exists in table
    "drop_table": 942,  # ORA-00942: table or view does not exist
    "drop_index": 1418,  # ORA-01418: specified index does not exist
    "drop_column": 904,  # ORA-00904: invalid identifier
    "drop_constraint": 2443,  # ORA-02443: cannot drop constraint - nonexistent constraint
}


class Guarded(ExecutableDDLElement):
    """``statements[0]`` unless the guard says it is already done; then ``statements[1:]``.

    ``guard`` is a key of :data:`ORACLE_ERRORS`; ``table`` / ``schema`` the table concerned and
    ``name`` the index or column (SQL Server's catalog check needs them)."""

    def __init__(
        self,
        guard: str,
        statements: Sequence[ExecutableDDLElement],
        table: str,
        schema: str | None = None,
        name: str | None = None,
    ) -> None:
        if guard not in ORACLE_ERRORS:
            raise ValueError(f"unknown guard {guard!r}")
        self.guard = guard
        self.statements = list(statements)
        self.table = table
        self.schema = schema
        self.name = name


def _sql(compiler: DDLCompiler, element: ExecutableDDLElement, **kw: Any) -> str:
    return str(compiler.process(element, **kw)).strip()


@compiles(Guarded, "mssql")
def _mssql_guarded(element: Guarded, compiler: DDLCompiler, **kw: Any) -> str:
    table = nstring(table_name(compiler, element.table, element.schema))
    if element.guard == "create_table":
        condition = f"OBJECT_ID({table}, N'U') IS NULL"
    elif element.guard == "create_index":
        condition = (
            "NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = "
            f"{nstring(str(element.name))} AND object_id = OBJECT_ID({table}))"
        )
    elif element.guard == "add_column":
        condition = f"COL_LENGTH({table}, {nstring(str(element.name))}) IS NULL"
    else:  # SQL Server 2016+ has DROP ... IF EXISTS; the constructs carry it themselves
        raise ValueError(f"SQL Server needs no guard for {element.guard}")
    statements = [_sql(compiler, s, **kw) for s in element.statements]
    if len(statements) == 1:
        return f"IF {condition}\n{statements[0]}"
    body = ";\n".join(statements)
    return f"IF {condition}\nBEGIN\n{body};\nEND"


@compiles(Guarded, "oracle")
def _oracle_guarded(element: Guarded, compiler: DDLCompiler, **kw: Any) -> str:
    code = ORACLE_ERRORS[element.guard]
    first, *rest = (
        f"EXECUTE IMMEDIATE {string(_sql(compiler, s, **kw))};" for s in element.statements
    )
    if not rest:
        return (
            f"BEGIN\n  {first}\nEXCEPTION\n  WHEN OTHERS THEN\n"
            f"    IF SQLCODE != -{code} THEN\n      RAISE;\n    END IF;\nEND;"
        )
    # The rest runs only if the first statement did: RETURN leaves the block when it was done.
    then = "\n".join(f"  {statement}" for statement in rest)
    return (
        f"BEGIN\n  BEGIN\n    {first}\n  EXCEPTION\n    WHEN OTHERS THEN\n"
        f"      IF SQLCODE = -{code} THEN\n        RETURN;\n      END IF;\n      RAISE;\n  END;\n"
        f"{then}\nEND;"
    )


class Description(ExecutableDDLElement):
    """SQL Server's comment on a table or column: its ``MS_Description`` extended property, added
    or updated (``comment``) or dropped (``None``) whether or not the property is there now
    (``sp_addextendedproperty`` fails on a second comment, ``sp_dropextendedproperty`` on none).
    """

    def __init__(
        self, table: str, schema: str | None, column: str | None, comment: str | None
    ) -> None:
        self.table = table
        self.schema = schema or "dbo"  # sp_*extendedproperty name the schema; dbo is the default
        self.column = column
        self.comment = comment


@compiles(Description, "mssql")
def _mssql_description(element: Description, compiler: DDLCompiler, **kw: Any) -> str:
    target = nstring(table_name(compiler, element.table, element.schema))
    levels = f"N'SCHEMA', {nstring(element.schema)}, N'TABLE', {nstring(element.table)}"
    minor = "0"
    if element.column is not None:
        levels += f", N'COLUMN', {nstring(element.column)}"
        minor = f"COLUMNPROPERTY(OBJECT_ID({target}), {nstring(element.column)}, 'ColumnId')"
    exists = (
        "EXISTS (SELECT 1 FROM sys.extended_properties WHERE class = 1 AND "
        f"major_id = OBJECT_ID({target}) AND minor_id = {minor} AND name = N'MS_Description')"
    )
    if element.comment is None:
        return f"IF {exists}\nEXEC sp_dropextendedproperty N'MS_Description', {levels}"
    value = nstring(element.comment)
    return (
        f"IF {exists}\nEXEC sp_updateextendedproperty N'MS_Description', {value}, {levels}\n"
        f"ELSE\nEXEC sp_addextendedproperty N'MS_Description', {value}, {levels}"
    )
