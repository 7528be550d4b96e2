"""DDL constructs SQLAlchemy does not have (ALTER TABLE ... ADD/DROP COLUMN), with their SQL.

Each construct compiles through SQLAlchemy's compiler; a database whose grammar differs registers
its own compile function in its module (``compiles(AddColumn, "mssql")`` in ``ddl/mssql.py``).  The
phrases they are written with (``alter_table_phrase``, ``add_column_phrase`` ...) are what
``alembic.ddl.base``'s helper functions are under still, for dialects that write their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Constraint, ForeignKeyConstraint
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.elements import quoted_name
from sqlalchemy.sql.sqltypes import NullType

from still.sqla_private import creation_order


class AlterTable(ExecutableDDLElement):
    """``ALTER TABLE <name> ...``; the table name is quoted for the dialect."""

    def __init__(self, table_name: str, schema: str | None = None) -> None:
        self.table_name = table_name
        self.schema = schema


class AddColumn(AlterTable):
    """``ALTER TABLE ... ADD [COLUMN]`` with ``constraints`` inline (the dialect's choice: a CHECK
    given on the Column, SQLite's CHECK of a type), and on request the column's PRIMARY KEY and
    its foreign key as REFERENCES."""

    def __init__(
        self,
        name: str,
        column: Column[Any],
        schema: str | None = None,
        if_not_exists: bool | None = None,
        inline_references: bool | None = None,
        inline_primary_key: bool | None = None,
        constraints: Sequence[Constraint] | None = None,
    ) -> None:
        """``name``: the table's; ``constraints``: those written inline (by default the
        column's own, as Alembic)."""
        super().__init__(name, schema)
        self.column = column
        self.if_not_exists = if_not_exists
        self.inline_references = inline_references
        self.inline_primary_key = inline_primary_key
        self.constraints = (
            sorted(column.constraints, key=creation_order)
            if constraints is None
            else list(constraints)
        )


class DropColumn(AlterTable):
    """``ALTER TABLE ... DROP COLUMN``; ``column`` a Column (as Alembic's) or its name."""

    def __init__(
        self,
        name: str,
        column: Column[Any] | str,
        schema: str | None = None,
        if_exists: bool | None = None,
    ) -> None:
        super().__init__(name, schema)
        self.column: Column[Any] = Column(column, NullType()) if isinstance(column, str) else column
        self.if_exists = if_exists

    @property
    def column_name(self) -> str:
        return str(self.column.name)


class DDLText(ExecutableDDLElement):
    """SQL text run as it is: unlike ``text()``, colons in it are not bound parameters."""

    def __init__(self, sql: str) -> None:
        self.sql = sql


@compiles(DDLText)
def _ddl_text(element: DDLText, compiler: DDLCompiler, **kw: Any) -> str:
    return element.sql


def nstring(value: str) -> str:
    """A T-SQL Unicode string literal."""
    return "N" + string(value)


def tsql_string(value: str) -> str:
    """A T-SQL string literal, Unicode (N'...') where it needs to be."""
    return string(value) if str(value).isascii() else nstring(value)


def string(value: str) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def table_name(compiler: DDLCompiler, name: str, schema: str | None) -> str:
    quoted = compiler.preparer.quote(name)
    return f"{compiler.preparer.quote_schema(schema)}.{quoted}" if schema else quoted


def column_name(compiler: DDLCompiler, name: str) -> str:
    return compiler.preparer.quote(name)


def quote_dotted(name: str, quote: Any) -> str:
    """Each part of a dotted name (``db.schema``) quoted; a ``quoted_name`` is one name."""
    if isinstance(name, quoted_name):
        return str(quote(name))
    return ".".join(str(quote(part)) for part in name.split("."))


def alter_table_phrase(compiler: DDLCompiler, name: str, schema: str | None) -> str:
    return f"ALTER TABLE {table_name(compiler, name, schema)}"


def alter_column_phrase(compiler: DDLCompiler, name: str) -> str:
    return f"ALTER COLUMN {column_name(compiler, name)}"


def drop_column_phrase(
    compiler: DDLCompiler, name: str, if_exists: bool | None = None, **kw: Any
) -> str:
    guard = "IF EXISTS " if if_exists else ""
    return f"DROP COLUMN {guard}{column_name(compiler, name)}"


def add_column_phrase(
    compiler: DDLCompiler,
    column: Column[Any],
    if_not_exists: bool | None = None,
    inline_references: bool | None = None,
    inline_primary_key: bool | None = None,
    **kw: Any,
) -> str:
    """``ADD COLUMN [IF NOT EXISTS] <definition>``, the column's own constraints inline."""
    element = AddColumn(
        "",
        column,
        if_not_exists=bool(if_not_exists),
        inline_references=bool(inline_references),
        inline_primary_key=bool(inline_primary_key),
    )
    guard = "IF NOT EXISTS " if if_not_exists else ""
    return f"ADD COLUMN {guard}{column_definition(compiler, element)}"


def _column_spec(compiler: DDLCompiler, column: Column[Any]) -> str:
    return compiler.get_column_specification(column)


def inline_foreign_key(column: Column[Any]) -> ForeignKeyConstraint | None:
    """The column's foreign key when ``inline_references`` can write it as REFERENCES: the
    column's only one, and on this column alone."""
    keys = list(column.foreign_keys)
    if len(keys) != 1 or keys[0].constraint is None or len(keys[0].constraint.columns) != 1:
        return None
    return keys[0].constraint


def column_definition(compiler: DDLCompiler, element: AddColumn) -> str:
    """The column as ADD writes it: its specification, then what is written inline."""
    column = element.column
    text = _column_spec(compiler, column)
    if element.inline_primary_key and column.primary_key:
        text += " PRIMARY KEY"
    fk = inline_foreign_key(column) if element.inline_references else None
    if fk is not None:
        target = fk.elements[0].column
        text += (
            f" REFERENCES {table_name(compiler, target.table.name, target.table.schema)}"
            f" ({compiler.preparer.quote(target.name)})"
            + compiler.define_constraint_match(fk)
            + compiler.define_constraint_cascades(fk)
            + compiler.define_constraint_deferrability(fk)
        )
    inline = [compiler.process(c) for c in element.constraints]
    return " ".join([text, *[c for c in inline if c]])


@compiles(AddColumn)
def visit_add_column(element: AddColumn, compiler: DDLCompiler, **kw: Any) -> str:
    guard = "IF NOT EXISTS " if element.if_not_exists else ""
    return (
        f"{alter_table_phrase(compiler, element.table_name, element.schema)} "
        f"ADD COLUMN {guard}{column_definition(compiler, element)}"
    )


@compiles(DropColumn)
def visit_drop_column(element: DropColumn, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{alter_table_phrase(compiler, element.table_name, element.schema)} "
        f"{drop_column_phrase(compiler, element.column_name, element.if_exists)}"
    )


class DropNamedConstraint(AlterTable):
    """``ALTER TABLE ... DROP CONSTRAINT name``, in each dialect's grammar for its ``kind``
    (``foreignkey``, ``unique``, ``primary``, ``check`` or None).  still's own construct, so
    compile hooks other libraries register for SQLAlchemy's DropConstraint do not apply."""

    def __init__(
        self,
        name: str | None,
        table_name: str,
        kind: str | None,
        schema: str | None = None,
        if_exists: bool = False,
    ) -> None:
        super().__init__(table_name, schema)
        self.name = name
        self.kind = kind
        self.if_exists = if_exists


def constraint_name_sql(compiler: DDLCompiler, element: DropNamedConstraint) -> str:
    if not element.name:
        raise ValueError(f"Dropping a constraint of {element.table_name} needs its name.")
    # a name made by op.f() or a naming convention is shortened as it was when created
    return compiler.preparer.truncate_and_render_constraint_name(element.name)


@compiles(DropNamedConstraint)
def _drop_constraint(element: DropNamedConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    guard = "IF EXISTS " if element.if_exists else ""
    return (
        f"ALTER TABLE {table_name(compiler, element.table_name, element.schema)} "
        f"DROP CONSTRAINT {guard}{constraint_name_sql(compiler, element)}"
    )
