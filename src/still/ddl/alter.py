"""ALTER TABLE constructs for renaming tables and changing columns, with each dialect's grammar.

The generic SQL is PostgreSQL's (which SQLite shares for renames); SQL Server, Oracle and
MySQL/MariaDB get their own compile functions.  MySQL changes a column with CHANGE/MODIFY and the
full column definition, built by :class:`MySQLChangeColumn`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.type_api import to_instance

from still.ddl.elements import AlterTable, column_name, nstring, string, table_name, tsql_string


class RenameTable(AlterTable):
    def __init__(self, old: str, new: str, schema: str | None = None) -> None:
        super().__init__(old, schema)
        self.new_name = new


class RenameConstraint(AlterTable):
    def __init__(self, table: str, schema: str | None = None, *, old: str, new: str) -> None:
        super().__init__(table, schema)
        self.old_name = old
        self.new_name = new


class ColumnChange(AlterTable):
    def __init__(self, table: str, column: str, schema: str | None = None, **change: Any) -> None:
        super().__init__(table, schema)
        self.column_name = column
        self.change = change


class ColumnNullable(ColumnChange):
    """change: nullable, existing_type"""


class ColumnType(ColumnChange):
    """change: type_, using, existing_nullable"""


class ColumnDefault(ColumnChange):
    """change: default (None drops it)"""


class ColumnName(ColumnChange):
    """change: new_name"""


class MySQLChangeColumn(ColumnChange):
    """change: new_name, type_, nullable, default, computed, comment, autoincrement (the whole
    column)."""


def type_sql(compiler: DDLCompiler, type_: Any) -> str:
    """A type (class or instance) as this dialect writes it."""
    return str(compiler.dialect.type_compiler_instance.process(to_instance(type_)))


def default_sql(compiler: DDLCompiler, default: Any) -> str:
    rendered = compiler.get_column_default_string(Column("x", NullType(), server_default=default))
    return str(rendered)


def _alter(compiler: DDLCompiler, element: AlterTable) -> str:
    return f"ALTER TABLE {table_name(compiler, element.table_name, element.schema)}"


# -- generic (PostgreSQL; SQLite for renames) ----------------------------------------------------


@compiles(RenameTable)
def _rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    return f"{_alter(compiler, element)} RENAME TO {compiler.preparer.quote(element.new_name)}"


@compiles(RenameConstraint)
def _rename_constraint(element: RenameConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    quote = compiler.preparer.quote
    return (
        f"{_alter(compiler, element)} RENAME CONSTRAINT {quote(element.old_name)} "
        f"TO {quote(element.new_name)}"
    )


@compiles(ColumnName)
def _rename_column(element: ColumnName, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{_alter(compiler, element)} RENAME COLUMN {column_name(compiler, element.column_name)} "
        f"TO {column_name(compiler, element.change['new_name'])}"
    )


@compiles(ColumnNullable)
def _nullable(element: ColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    verb = "DROP" if element.change["nullable"] else "SET"
    return (
        f"{_alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
        f"{verb} NOT NULL"
    )


@compiles(ColumnType)
def _type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    using = element.change.get("using")
    return (
        f"{_alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
        f"TYPE {type_sql(compiler, element.change['type_'])}" + (f" USING {using}" if using else "")
    )


@compiles(ColumnDefault)
def _default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.change["default"]
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default_sql(compiler, default)}"
    return (
        f"{_alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
        f"{action}"
    )


# -- SQL Server ---------------------------------------------------------------------------------


@compiles(RenameTable, "mssql")
def _mssql_rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    old = table_name(compiler, element.table_name, element.schema)
    return f"EXEC sp_rename {string(old)}, {compiler.preparer.quote(element.new_name)}"


@compiles(ColumnName, "mssql")
def _mssql_rename_column(element: ColumnName, compiler: DDLCompiler, **kw: Any) -> str:
    old = (
        f"{table_name(compiler, element.table_name, element.schema)}."
        f"{column_name(compiler, element.column_name)}"
    )
    new = column_name(compiler, element.change["new_name"])
    return f"EXEC sp_rename {string(old)}, {new}, 'COLUMN'"


@compiles(ColumnNullable, "mssql")
def _mssql_nullable(element: ColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    existing = element.change.get("existing_type")
    if existing is None:
        raise ValueError(
            f"SQL Server needs existing_type= to change the nullability of "
            f"{element.table_name}.{element.column_name}."
        )
    null = "NULL" if element.change["nullable"] else "NOT NULL"
    return (
        f"{_alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
        f"{type_sql(compiler, existing)} {null}"
    )


@compiles(ColumnType, "mssql")
def _mssql_type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    nullable = element.change.get("existing_nullable")
    null = "" if nullable is None else (" NULL" if nullable else " NOT NULL")
    return (
        f"{_alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
        f"{type_sql(compiler, element.change['type_'])}{null}"
    )


@compiles(ColumnDefault, "mssql")
def _mssql_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.change["default"]
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
    null = "NULL" if element.change["nullable"] else "NOT NULL"
    return f"{_alter(compiler, element)} MODIFY {column_name(compiler, element.column_name)} {null}"


@compiles(ColumnType, "oracle")
def _oracle_type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{_alter(compiler, element)} MODIFY {column_name(compiler, element.column_name)} "
        f"{type_sql(compiler, element.change['type_'])}"
    )


@compiles(ColumnDefault, "oracle")
def _oracle_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.change["default"]
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
    new = table_name(compiler, element.new_name, element.schema)
    return f"{_alter(compiler, element)} RENAME TO {new}"


@compiles(ColumnDefault, "mysql")
@compiles(ColumnDefault, "mariadb")
def _mysql_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    return _default(element, compiler, **kw)


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
        f"TO {column_name(compiler, element.change['new_name'])}"
    )
