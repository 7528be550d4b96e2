"""ALTER TABLE constructs for renaming tables and changing columns, with each dialect's grammar.

The compile functions here write the generic SQL (PostgreSQL's, which SQLite shares for renames);
each database whose grammar differs registers its own in its module (:mod:`still.ddl.mssql`,
:mod:`still.ddl.oracle`, :mod:`still.ddl.mysql`, :mod:`still.ddl.postgresql`).

The constructs have the constructors and attributes of Alembic's ``alembic.ddl.base`` ones
(``ColumnType(table, column, type_, schema=..., existing_type=...)`` with ``.type_``,
``RenameTable(old, new, schema)`` with ``.new_table_name`` ...), which ``alembic.ddl.base``
names under still: a third-party dialect's or an add-on's ``@compiles(ColumnType, "mydb")`` then
decides how still writes that statement, as it does under Alembic.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.type_api import to_instance

from still.ddl.elements import (
    AlterTable,
    alter_column_phrase,
    alter_table_phrase,
    column_name,
    table_name,
)


class RenameTable(AlterTable):
    def __init__(self, old_table_name: str, new_table_name: str, schema: str | None = None) -> None:
        super().__init__(old_table_name, schema)
        self.new_table_name = new_table_name


class RenameConstraint(AlterTable):
    def __init__(self, table: str, schema: str | None = None, *, old: str, new: str) -> None:
        super().__init__(table, schema)
        self.old_name = old
        self.new_name = new


class ColumnChange(AlterTable):
    """``ALTER TABLE ... <a column>`` (Alembic's ``AlterColumn``): the column, what it is now
    (``existing_*``), and in ``change`` what a still-only construct needs."""

    def __init__(
        self,
        name: str,
        column_name: str,
        schema: str | None = None,
        existing_type: Any = None,
        existing_nullable: bool | None = None,
        existing_server_default: Any = None,
        existing_comment: str | None = None,
        **change: Any,
    ) -> None:
        super().__init__(name, schema)
        self.column_name = column_name
        self.existing_type = to_instance(existing_type) if existing_type is not None else None
        self.existing_nullable = existing_nullable
        self.existing_server_default = existing_server_default
        self.existing_comment = existing_comment
        self.change = change


class ColumnNullable(ColumnChange):
    def __init__(self, name: str, column_name: str, nullable: bool, **kw: Any) -> None:
        super().__init__(name, column_name, **kw)
        self.nullable = nullable


class ColumnType(ColumnChange):
    """``using``: PostgreSQL's ``USING`` expression."""

    def __init__(
        self, name: str, column_name: str, type_: Any, using: str | None = None, **kw: Any
    ) -> None:
        super().__init__(name, column_name, **kw)
        self.type_ = to_instance(type_)
        self.using = using


class ColumnDefault(ColumnChange):
    """``default``: the new server default (None drops it)."""

    def __init__(self, name: str, column_name: str, default: Any, **kw: Any) -> None:
        super().__init__(name, column_name, **kw)
        self.default = default


class ColumnName(ColumnChange):
    def __init__(self, name: str, column_name: str, newname: str, **kw: Any) -> None:
        super().__init__(name, column_name, **kw)
        self.newname = newname


class ColumnComment(ColumnChange):
    """``COMMENT ON COLUMN`` (Alembic's construct; still writes comments with SQLAlchemy's
    ``SetColumnComment``, so this one serves code that builds it itself)."""

    def __init__(self, name: str, column_name: str, comment: str | None, **kw: Any) -> None:
        super().__init__(name, column_name, **kw)
        self.comment = comment


def type_sql(compiler: DDLCompiler, type_: Any) -> str:
    """A type (class or instance) as this dialect writes it."""
    return str(compiler.dialect.type_compiler_instance.process(to_instance(type_)))


def default_sql(compiler: DDLCompiler, default: Any) -> str:
    """A server default as this dialect writes it after DEFAULT."""
    rendered = compiler.get_column_default_string(Column("x", NullType(), server_default=default))
    return str(rendered)


def alter(compiler: DDLCompiler, element: AlterTable) -> str:
    return alter_table_phrase(compiler, element.table_name, element.schema)


@compiles(RenameTable)
def visit_rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    return f"{alter(compiler, element)} RENAME TO {compiler.preparer.quote(element.new_table_name)}"


@compiles(RenameConstraint)
def _rename_constraint(element: RenameConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    quote = compiler.preparer.quote
    return (
        f"{alter(compiler, element)} RENAME CONSTRAINT {quote(element.old_name)} "
        f"TO {quote(element.new_name)}"
    )


@compiles(ColumnName)
def visit_column_name(element: ColumnName, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{alter(compiler, element)} RENAME COLUMN {column_name(compiler, element.column_name)} "
        f"TO {column_name(compiler, element.newname)}"
    )


@compiles(ColumnNullable)
def visit_column_nullable(element: ColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    verb = "DROP" if element.nullable else "SET"
    return (
        f"{alter(compiler, element)} {alter_column_phrase(compiler, element.column_name)} "
        f"{verb} NOT NULL"
    )


@compiles(ColumnType)
def visit_column_type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    using = element.using
    return (
        f"{alter(compiler, element)} {alter_column_phrase(compiler, element.column_name)} "
        f"TYPE {type_sql(compiler, element.type_)}" + (f" USING {using}" if using else "")
    )


@compiles(ColumnDefault)
def visit_column_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.default
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default_sql(compiler, default)}"
    return (
        f"{alter(compiler, element)} {alter_column_phrase(compiler, element.column_name)} {action}"
    )


@compiles(ColumnComment)
def visit_column_comment(element: ColumnComment, compiler: DDLCompiler, **kw: Any) -> str:
    target = f"{table_name(compiler, element.table_name, element.schema)}." + column_name(
        compiler, element.column_name
    )
    comment = (
        "NULL"
        if element.comment is None
        else compiler.sql_compiler.render_literal_value(element.comment, String())
    )
    return f"COMMENT ON COLUMN {target} IS {comment}"
