"""ALTER TABLE constructs for renaming tables and changing columns, with each dialect's grammar.

The generic SQL is PostgreSQL's (which SQLite shares for renames); SQL Server, Oracle and
MySQL/MariaDB get their own compile functions.  MySQL changes a column with CHANGE/MODIFY and the
full column definition, built by :class:`MySQLChangeColumn`.

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
    nstring,
    string,
    table_name,
    tsql_string,
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


class MySQLChangeColumn(ColumnChange):
    """change: new_name, type_, nullable, default, computed, comment, autoincrement (the whole
    column)."""


def type_sql(compiler: DDLCompiler, type_: Any) -> str:
    """A type (class or instance) as this dialect writes it."""
    return str(compiler.dialect.type_compiler_instance.process(to_instance(type_)))


def default_sql(compiler: DDLCompiler, default: Any) -> str:
    """A server default as this dialect writes it after DEFAULT."""
    rendered = compiler.get_column_default_string(Column("x", NullType(), server_default=default))
    return str(rendered)


def _alter(compiler: DDLCompiler, element: AlterTable) -> str:
    return alter_table_phrase(compiler, element.table_name, element.schema)


# -- generic (PostgreSQL; SQLite for renames) ----------------------------------------------------


@compiles(RenameTable)
def visit_rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{_alter(compiler, element)} RENAME TO {compiler.preparer.quote(element.new_table_name)}"
    )


@compiles(RenameConstraint)
def _rename_constraint(element: RenameConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    quote = compiler.preparer.quote
    return (
        f"{_alter(compiler, element)} RENAME CONSTRAINT {quote(element.old_name)} "
        f"TO {quote(element.new_name)}"
    )


@compiles(ColumnName)
def visit_column_name(element: ColumnName, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{_alter(compiler, element)} RENAME COLUMN {column_name(compiler, element.column_name)} "
        f"TO {column_name(compiler, element.newname)}"
    )


@compiles(ColumnNullable)
def visit_column_nullable(element: ColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    verb = "DROP" if element.nullable else "SET"
    return (
        f"{_alter(compiler, element)} {alter_column_phrase(compiler, element.column_name)} "
        f"{verb} NOT NULL"
    )


@compiles(ColumnType)
def visit_column_type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    using = element.using
    return (
        f"{_alter(compiler, element)} {alter_column_phrase(compiler, element.column_name)} "
        f"TYPE {type_sql(compiler, element.type_)}" + (f" USING {using}" if using else "")
    )


@compiles(ColumnDefault)
def visit_column_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.default
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default_sql(compiler, default)}"
    return (
        f"{_alter(compiler, element)} {alter_column_phrase(compiler, element.column_name)} {action}"
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


# -- SQL Server ---------------------------------------------------------------------------------


@compiles(RenameTable, "mssql")
def _mssql_rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    old = table_name(compiler, element.table_name, element.schema)
    return f"EXEC sp_rename {string(old)}, {compiler.preparer.quote(element.new_table_name)}"


@compiles(ColumnName, "mssql")
def _mssql_rename_column(element: ColumnName, compiler: DDLCompiler, **kw: Any) -> str:
    old = (
        f"{table_name(compiler, element.table_name, element.schema)}."
        f"{column_name(compiler, element.column_name)}"
    )
    new = column_name(compiler, element.newname)
    return f"EXEC sp_rename {string(old)}, {new}, 'COLUMN'"


@compiles(ColumnNullable, "mssql")
def _mssql_nullable(element: ColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    existing = element.existing_type
    if existing is None:
        raise ValueError(
            f"SQL Server needs existing_type= to change the nullability of "
            f"{element.table_name}.{element.column_name}."
        )
    null = "NULL" if element.nullable else "NOT NULL"
    return (
        f"{_alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
        f"{type_sql(compiler, existing)} {null}"
    )


@compiles(ColumnType, "mssql")
def _mssql_type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    nullable = element.existing_nullable
    null = "" if nullable is None else (" NULL" if nullable else " NOT NULL")
    return (
        f"{_alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
        f"{type_sql(compiler, element.type_)}{null}"
    )


@compiles(ColumnDefault, "mssql")
def _mssql_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.default
    if default is None:
        # SQL Server names each default constraint: look the name up and drop it.
        table = table_name(compiler, element.table_name, element.schema)
        return (
            "DECLARE @name NVARCHAR(256); SELECT @name = dc.name FROM sys.default_constraints dc "
            "JOIN sys.columns c ON c.object_id = dc.parent_object_id "
            "AND c.column_id = dc.parent_column_id "
            f"WHERE dc.parent_object_id = OBJECT_ID({nstring(table)}) "
            f"AND c.name = {nstring(element.column_name)}; "
            f"IF @name IS NOT NULL EXEC({tsql_string(f'ALTER TABLE {table} DROP CONSTRAINT ')} "
            "+ QUOTENAME(@name))"
        )
    return (
        f"{_alter(compiler, element)} ADD DEFAULT {default_sql(compiler, default)} "
        f"FOR {column_name(compiler, element.column_name)}"
    )


# -- Oracle -------------------------------------------------------------------------------------


@compiles(ColumnNullable, "oracle")
def _oracle_nullable(element: ColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    null = "NULL" if element.nullable else "NOT NULL"
    return f"{_alter(compiler, element)} MODIFY {column_name(compiler, element.column_name)} {null}"


@compiles(ColumnType, "oracle")
def _oracle_type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{_alter(compiler, element)} MODIFY {column_name(compiler, element.column_name)} "
        f"{type_sql(compiler, element.type_)}"
    )


@compiles(ColumnDefault, "oracle")
def _oracle_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.default
    value = "NULL" if default is None else default_sql(compiler, default)
    return (
        f"{_alter(compiler, element)} MODIFY {column_name(compiler, element.column_name)} "
        f"DEFAULT {value}"
    )


# -- MySQL / MariaDB ----------------------------------------------------------------------------


@compiles(RenameTable, "mysql")
@compiles(RenameTable, "mariadb")
def _mysql_rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    # MySQL moves a table renamed to an unqualified name into the session's database: the new
    # name keeps the table's schema.
    new = table_name(compiler, element.new_table_name, element.schema)
    return f"{_alter(compiler, element)} RENAME TO {new}"


@compiles(ColumnDefault, "mysql")
@compiles(ColumnDefault, "mariadb")
def _mysql_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    return visit_column_default(element, compiler, **kw)


@compiles(MySQLChangeColumn, "mysql")
@compiles(MySQLChangeColumn, "mariadb")
def _mysql_change(element: MySQLChangeColumn, compiler: DDLCompiler, **kw: Any) -> str:
    change = element.change
    old = column_name(compiler, element.column_name)
    new = change.get("new_name") or element.column_name
    parts = [type_sql(compiler, change["type_"])]
    computed = change.get("computed")
    if computed is not None:
        parts.append(compiler.process(computed))  # GENERATED ALWAYS AS (...) [STORED|VIRTUAL]
        if change.get("nullable") is False:  # MariaDB takes no NULL after a generated column
            parts.append("NOT NULL")
    else:
        parts.append("NULL" if change.get("nullable", True) else "NOT NULL")
    if change.get("autoincrement"):
        parts.append("AUTO_INCREMENT")
    if change.get("default") is not None:
        parts.append(f"DEFAULT {default_sql(compiler, change['default'])}")
    if change.get("comment") is not None:
        parts.append(
            f"COMMENT {compiler.sql_compiler.render_literal_value(change['comment'], String())}"
        )
    # CHANGE whenever a name is given (the same one included), as Alembic writes it
    verb = (
        f"CHANGE {old} {column_name(compiler, new)}" if change.get("new_name") else f"MODIFY {old}"
    )
    return f"{_alter(compiler, element)} {verb} {' '.join(parts)}"


@compiles(ColumnName, "postgresql")
def _pg_rename_column(element: ColumnName, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{_alter(compiler, element)} RENAME {column_name(compiler, element.column_name)} "
        f"TO {column_name(compiler, element.newname)}"
    )
