"""SQL Server: its implementation and the statements it writes its own way (sp_rename, ALTER
COLUMN restating the type, named default constraints, guards under IF, comments as the
MS_Description extended property)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    Index,
    Table,
    literal_column,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler

from still.ddl.alter import (
    ColumnDefault,
    ColumnName,
    ColumnNullable,
    ColumnType,
    RenameTable,
    alter,
    default_sql,
    type_sql,
)
from still.ddl.change import AlterColumn
from still.ddl.elements import (
    AddColumn,
    DDLText,
    column_name,
    nstring,
    string,
    table_name,
    tsql_string,
)
from still.ddl.generated import generated_change
from still.ddl.guarded import Guarded, GuardedDDLImpl, add_column_without_keyword, compiled_sql
from still.ddl.impl import (
    ExecutableDDL,
    column_name_of,
)
from still.errors import StillError


class MSSQLImpl(GuardedDDLImpl):
    __dialect__ = "mssql"
    display_name = "SQL Server"
    transactional_ddl = True
    sqlglot_dialect = "tsql"
    batch_separator: ClassVar[str] = "GO"
    # ON DELETE and ON UPDATE without RESTRICT (NO ACTION is its default and means the same);
    # no deferrable constraints.
    foreign_key_on_delete = frozenset({"CASCADE", "SET NULL", "SET DEFAULT", "NO ACTION"})
    foreign_key_on_update = foreign_key_on_delete
    deferrable_foreign_keys = False

    def emit_begin(self) -> None:
        self.static_output("BEGIN TRANSACTION" + self.command_terminator)

    # -- guards: CREATE and ADD are guarded (GuardedDDLImpl); SQL Server 2016+ has DROP IF EXISTS

    def drop_index(self, index: Index, **kw: Any) -> None:
        table = index.table
        if table is None or table.name == "_unknown":  # operations' stand-in for "not given"
            raise StillError(
                f"SQL Server drops an index by its table: pass table_name= to "
                f"op.drop_index({str(index.name)!r}, table_name=...)."
            )
        super().drop_index(index, **kw)

    # -- comments: the MS_Description extended property, added or updated --------------------------

    def table_comment_ddl(self, table: Table, drop: bool = False) -> ExecutableDDL:
        return Description(table.name, table.schema, None, None if drop else table.comment)

    def column_comment_ddl(self, column: Column[Any], drop: bool = False) -> ExecutableDDL:
        table = column.table
        return Description(table.name, table.schema, column.name, None if drop else column.comment)

    def change_column(self, table_name: str, column_name: str, change: AlterColumn) -> None:
        if change.nullable is not None and change.type_ is not None:
            # ALTER COLUMN restates type and nullability together: a type change alone would
            # make the column nullable again.
            self._exec(
                ColumnType(
                    table_name,
                    column_name,
                    change.type_,
                    **{**change.described(), "existing_nullable": change.nullable},
                )
            )
            change = replace(change, nullable=None, type_=None, existing_nullable=change.nullable)
        default = change.server_default
        if default is not False and default is not None and generated_change(change) is None:
            # ADD DEFAULT fails while the column has a default: drop that one (by its name) first.
            self._exec(ColumnDefault(table_name, column_name, None, **change.described()))
        super().change_column(table_name, column_name, change)

    # SQL Server names the default, check and foreign-key constraints on a column itself; a
    # column cannot be dropped while they exist.  These look their names up and drop them.
    _CONSTRAINT_LOOKUP: ClassVar[dict[str, str]] = {
        "mssql_drop_default": (
            "SELECT @name = dc.name FROM sys.default_constraints dc "
            "JOIN sys.columns c ON c.object_id = dc.parent_object_id "
            "AND c.column_id = dc.parent_column_id "
            "WHERE dc.parent_object_id = OBJECT_ID({table}) AND c.name = {column}"
        ),
        "mssql_drop_check": (
            "SELECT @name = cc.name FROM sys.check_constraints cc "
            "JOIN sys.columns c ON c.object_id = cc.parent_object_id "
            "AND c.column_id = cc.parent_column_id "
            "WHERE cc.parent_object_id = OBJECT_ID({table}) AND c.name = {column}"
        ),
        "mssql_drop_foreign_key": (
            "SELECT @name = fk.name FROM sys.foreign_keys fk "
            "JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id "
            "JOIN sys.columns c ON c.object_id = fkc.parent_object_id "
            "AND c.column_id = fkc.parent_column_id "
            "WHERE fk.parent_object_id = OBJECT_ID({table}) AND c.name = {column}"
        ),
    }

    def drop_column(
        self,
        table_name: str,
        column: Column[Any] | str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        column_name = column_name_of(column)
        table = self.qualified(table_name, schema)
        for option, lookup in self._CONSTRAINT_LOOKUP.items():
            if kw.get(option):
                alter = tsql_string(f"ALTER TABLE {table} DROP CONSTRAINT ")
                self._exec(
                    DDLText(
                        "DECLARE @name NVARCHAR(256); "
                        + lookup.format(table=nstring(table), column=nstring(column_name))
                        + f"; IF @name IS NOT NULL EXEC({alter} + QUOTENAME(@name))"
                    )
                )
        super().drop_column(table_name, column_name, schema=schema, if_exists=if_exists)

    def bulk_insert(
        self, table: Table, rows: Sequence[Mapping[str, Any]], multiinsert: bool = True
    ) -> None:
        if not self.as_sql:
            super().bulk_insert(table, rows, multiinsert)
            return
        # A script cannot know whether the table has an identity column; as Alembic's, it lets
        # the rows give identity values (which SQL Server otherwise refuses).
        name = self.dialect.identifier_preparer.format_table(table)
        self._exec(f"SET IDENTITY_INSERT {name} ON")
        super().bulk_insert(table, rows, multiinsert)
        self._exec(f"SET IDENTITY_INSERT {name} OFF")

    def offline_value(self, value: datetime.date | datetime.time) -> Any:
        # '2020-01-02' and '2020-01-02 03:04:05.123456' depend on SET LANGUAGE / DATEFORMAT and
        # DATETIME refuses more than three fractional digits; ISO 8601 read as DATETIME2 (or
        # DATETIMEOFFSET) does not, and converts to whatever the column is.
        if isinstance(value, datetime.datetime):
            kind = "DATETIMEOFFSET" if value.utcoffset() is not None else "DATETIME2"
            return literal_column(f"CAST('{value.isoformat()}' AS {kind})")
        if isinstance(value, datetime.date):
            return literal_column(f"'{value.strftime('%Y%m%d')}'")
        return super().offline_value(value)

    def static_output(self, text: str) -> None:
        super().static_output(text)
        if text.endswith(self.command_terminator):
            super().static_output(self.batch_separator)


# -- compiled constructs ---------------------------------------------------------------------

compiles(AddColumn, "mssql")(add_column_without_keyword)


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
        f"{alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
        f"{type_sql(compiler, existing)} {null}"
    )


@compiles(ColumnType, "mssql")
def _mssql_type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    nullable = element.existing_nullable
    null = "" if nullable is None else (" NULL" if nullable else " NOT NULL")
    return (
        f"{alter(compiler, element)} ALTER COLUMN {column_name(compiler, element.column_name)} "
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
        f"{alter(compiler, element)} ADD DEFAULT {default_sql(compiler, default)} "
        f"FOR {column_name(compiler, element.column_name)}"
    )


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
    statements = [compiled_sql(compiler, s, **kw) for s in element.statements]
    if len(statements) == 1:
        return f"IF {condition}\n{statements[0]}"
    body = ";\n".join(statements)
    return f"IF {condition}\nBEGIN\n{body};\nEND"


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
