"""Oracle: its implementation and the statements it writes its own way (MODIFY for a column,
identities changed in place, guards as PL/SQL blocks that ignore "already there")."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Computed,
    Constraint,
    Identity,
    Index,
    Table,
    literal_column,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import DropIndex, DropTable
from sqlalchemy.sql.compiler import DDLCompiler

from still.ddl.alter import (
    ColumnDefault,
    ColumnNullable,
    ColumnType,
    alter,
    default_sql,
    type_sql,
)
from still.ddl.elements import (
    AddColumn,
    DropColumn,
    DropNamedConstraint,
    column_name,
    string,
)
from still.ddl.generated import (
    ColumnIdentity,
    column_head,
    identity_kind,
    identity_options,
    refusal,
)
from still.ddl.guarded import Guarded, GuardedDDLImpl, add_column_without_keyword, compiled_sql
from still.ddl.impl import (
    column_name_of,
    constraint_kind,
    constraint_name,
)


class OracleImpl(GuardedDDLImpl):
    __dialect__ = "oracle"
    display_name = "Oracle"
    transactional_ddl = False
    sqlglot_dialect = "oracle"
    # ON DELETE CASCADE | SET NULL only; no ON UPDATE (SQLAlchemy leaves it out, warning).
    foreign_key_on_delete = frozenset({"CASCADE", "SET NULL"})
    foreign_key_on_update = None
    no_comment = ""  # COMMENT ON COLUMN ... IS '' (Oracle's IS takes only a string literal)

    def offline_value(self, value: datetime.date | datetime.time) -> Any:
        # TO_DATE(..., 'YYYY-MM-DD HH24:MI:SS') cannot read a time zone.
        if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
            moment = value.isoformat(sep=" ", timespec="microseconds")
            stamp = f"{moment[:26]} {moment[26:]}"  # '2020-01-02 03:04:05.000000 +01:00'
            return literal_column(
                f"TO_TIMESTAMP_TZ('{stamp}', 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM')"
            )
        return super().offline_value(value)

    def terminated(self, rendered: str) -> str:
        # Plain SQL ends with ';'.  A PL/SQL block (the guards below, or op.execute() of one)
        # already ends with 'END;': SQL*Plus and SQLcl run it at a '/' line of its own.
        if rendered.endswith(";"):
            return rendered + "\n/"
        return super().terminated(rendered)

    # -- guards: before 23ai no IF [NOT] EXISTS at all; drops are guarded too (PL/SQL blocks) ----

    def drop_table(self, table: Table, **kw: Any) -> None:
        with self.table_events("drop", table):
            guard = bool(kw.get("if_exists"))
            self._guarded(guard, "drop_table", DropTable(table), table.name, table.schema)

    def drop_column(
        self,
        table_name: str,
        column: Column[Any] | str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        name = column_name_of(column)
        statement = DropColumn(table_name, name, schema)
        self._guarded(bool(if_exists), "drop_column", statement, table_name, schema, name)

    def drop_index(self, index: Index, **kw: Any) -> None:
        table = index.table
        assert table is not None
        statement = DropIndex(index)
        guard = bool(kw.get("if_exists"))
        self._guarded(guard, "drop_index", statement, table.name, table.schema, index.name)

    def drop_constraint(self, const: Constraint, **kw: Any) -> None:
        table = const.table
        name = constraint_name(const)
        statement = DropNamedConstraint(name, table.name, constraint_kind(const), table.schema)
        guard = bool(kw.get("if_exists"))
        self._guarded(guard, "drop_constraint", statement, table.name, table.schema, name)

    def alter_generated(
        self, table_name: str, column_name: str, schema: str | None, new: Any, existing: Any
    ) -> None:
        if isinstance(new, Computed) or isinstance(existing, Computed):
            super().alter_generated(table_name, column_name, schema, new, existing)
            return
        if new is not None and not isinstance(new, Identity):
            raise refusal(
                "Oracle",
                table_name,
                column_name,
                new,
                existing,
                "drop the identity (server_default=None) first, then set the default.",
            )
        self._exec(ColumnIdentity(table_name, column_name, schema, identity=new))


# -- compiled constructs ---------------------------------------------------------------------

compiles(AddColumn, "oracle")(add_column_without_keyword)


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


@compiles(ColumnNullable, "oracle")
def _oracle_nullable(element: ColumnNullable, compiler: DDLCompiler, **kw: Any) -> str:
    null = "NULL" if element.nullable else "NOT NULL"
    return f"{alter(compiler, element)} MODIFY {column_name(compiler, element.column_name)} {null}"


@compiles(ColumnType, "oracle")
def _oracle_type(element: ColumnType, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{alter(compiler, element)} MODIFY {column_name(compiler, element.column_name)} "
        f"{type_sql(compiler, element.type_)}"
    )


@compiles(ColumnDefault, "oracle")
def _oracle_default(element: ColumnDefault, compiler: DDLCompiler, **kw: Any) -> str:
    default = element.default
    value = "NULL" if default is None else default_sql(compiler, default)
    return (
        f"{alter(compiler, element)} MODIFY {column_name(compiler, element.column_name)} "
        f"DEFAULT {value}"
    )


@compiles(ColumnIdentity, "oracle")
def _oracle_identity(element: ColumnIdentity, compiler: DDLCompiler, **kw: Any) -> str:
    new: Identity | None = element.change["identity"]
    head = column_head(compiler, element, "MODIFY")
    if new is None:
        return f"{head} DROP IDENTITY"
    options = identity_options(compiler, new)
    return f"{head} GENERATED {identity_kind(new)} AS IDENTITY{options}"


@compiles(Guarded, "oracle")
def _oracle_guarded(element: Guarded, compiler: DDLCompiler, **kw: Any) -> str:
    code = ORACLE_ERRORS[element.guard]
    first, *rest = (
        f"EXECUTE IMMEDIATE {string(compiled_sql(compiler, s, **kw))};" for s in element.statements
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
