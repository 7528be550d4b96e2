"""MySQL and MariaDB: their implementation and the statements they write their own way (a column
restated whole with CHANGE/MODIFY, DROP FOREIGN KEY / INDEX / CHECK, RENAME keeping the schema)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Constraint,
    Identity,
    Index,
    String,
    Table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler

from still.ddl.alter import (
    ColumnChange,
    ColumnDefault,
    RenameTable,
    alter,
    default_sql,
    type_sql,
    visit_column_default,
)
from still.ddl.change import AlterColumn
from still.ddl.elements import (
    DropNamedConstraint,
    column_name,
    constraint_name_sql,
    table_name,
)
from still.ddl.generated import (
    generated_change,
    refusal,
)
from still.ddl.impl import DefaultImpl
from still.ddl.locks import commit_read, release, wait_for
from still.errors import StillError


class MySQLImpl(DefaultImpl):
    """MySQL and MariaDB: every DDL statement commits by itself."""

    __dialect__ = "mysql"
    display_name = "MySQL/MariaDB"
    reads_heads_locking = True

    @classmethod
    @contextmanager
    def migration_lock(
        cls,
        connection: Connection,
        name: str,
        timeout: float,
        *,
        whole_run_in_one_transaction: bool,
        owns_transaction: bool,
    ) -> Iterator[None]:
        """A named lock (``GET_LOCK``, per server, so the name includes the database); the heads
        are then read with a locking read (``reads_heads_locking``)."""
        commit_read(connection, owns_transaction)
        with _named_lock(connection, name, timeout):
            yield

    transactional_ddl = False
    identifier_limit = 64  # tables, columns, indexes and constraints alike
    type_synonyms = ({"NUMERIC", "DECIMAL"}, {"TINYINT", "BOOL"}, {"LONGTEXT", "JSON"})
    type_arg_extract = (r"character set ([\w\-_]+)", r"collate ([\w\-_]+)")

    # -- capabilities (see DefaultImpl) ---------------------------------------------------------
    sqlglot_dialect = "mysql"
    rebuilds_tables = True
    heavy_operations: ClassVar[Mapping[str, str]] = {
        "alter_column": "may copy the whole table",
        "add_constraint": "may copy the whole table",
    }
    restrict_is_no_action = True
    implicit_foreign_key_indexes = True
    unique_constraints_are_indexes = True
    primary_key_named = False  # always PRIMARY

    @classmethod
    def normalise_type_ddl(cls, text: str, dialect: Any) -> str:
        text = re.sub(r"\bCHARACTER SET \S+", "", text).strip()
        # display widths (INTEGER(11)) mean nothing; TINYINT(1) is MySQL's BOOLEAN
        if text in ("TINYINT(1)", "BOOL", "BOOLEAN"):
            return "BOOLEAN"
        text = re.sub(r"^(TINYINT|SMALLINT|MEDIUMINT|INT|INTEGER|BIGINT|YEAR)\(\d+\)", r"\1", text)
        if getattr(dialect, "is_mariadb", False) and text == "JSON":
            return "LONGTEXT"  # MariaDB's JSON is an alias of LONGTEXT
        if text in ("DECIMAL", "NUMERIC"):
            return "NUMERIC(10,0)"  # DECIMAL without precision is DECIMAL(10,0)
        return text

    @classmethod
    def generated_change_refusal(cls, dialect: Any, new: Any, existing: Any) -> str | None:
        if isinstance(new, Identity) or isinstance(existing, Identity):
            return "MySQL has no identity columns"
        return None  # MODIFY restates the column

    @classmethod
    def predicted_check_name(
        cls, dialect: Any, table: Table, sql: str, taken: set[str]
    ) -> str | None:
        # MariaDB's CONSTRAINT_<n>, MySQL's <table>_chk_<n>: one past the highest taken
        prefix = "CONSTRAINT_" if getattr(dialect, "is_mariadb", False) else f"{table.name}_chk_"
        numbers = [int(n[len(prefix) :]) for n in taken if re.fullmatch(rf"{prefix}\d+", n)]
        return f"{prefix}{max(numbers, default=0) + 1}"

    @classmethod
    def predicted_foreign_key_name(
        cls, table: Table, columns: Sequence[str], taken: set[str]
    ) -> str | None:
        pattern = re.compile(rf"{re.escape(table.name)}_ibfk_(\d+)")
        numbers = [int(m.group(1)) for n in taken if (m := pattern.fullmatch(n))]
        return f"{table.name}_ibfk_{max(numbers, default=0) + 1}"

    @classmethod
    def predicted_unique_name(
        cls, table: Table, columns: Sequence[str], taken: set[str]
    ) -> str | None:
        # named after its first column, numbered when taken
        name, n = columns[0], 2
        while name in taken:
            name, n = f"{columns[0]}_{n}", n + 1
        return name

    def render_ddl_sql_expr(
        self, expr: Any, is_server_default: bool = False, is_index: bool = False, **kw: Any
    ) -> str:
        from sqlalchemy.sql import elements, functions, operators

        if is_index and (
            isinstance(expr, (elements.BinaryExpression, functions.FunctionElement))
            or (
                isinstance(expr, elements.UnaryExpression)
                and expr.modifier not in (operators.desc_op, operators.asc_op)
            )
        ):
            expr = elements.Grouping(expr)  # MySQL's functional index: the expression in ()
        return super().render_ddl_sql_expr(expr, is_server_default=is_server_default, **kw)

    def correct_for_autogen_constraints(
        self,
        conn_unique_constraints: set[Any],
        conn_indexes: set[Any],
        metadata_unique_constraints: set[Any],
        metadata_indexes: set[Any],
    ) -> None:
        super().correct_for_autogen_constraints(
            conn_unique_constraints, conn_indexes, metadata_unique_constraints, metadata_indexes
        )

    def change_column(self, table_name: str, column_name: str, change: AlterColumn) -> None:
        # MySQL restates the whole column (CHANGE/MODIFY); only a default alone has ALTER COLUMN.
        generated = generated_change(change)
        if generated is not None and any(isinstance(g, Identity) for g in generated):
            raise refusal(
                "MySQL/MariaDB",
                table_name,
                column_name,
                *generated,
                "they have no identity columns; use alter_column(..., autoincrement=True) "
                "for AUTO_INCREMENT.",
            )
        whole = (
            generated is not None
            or change.nullable is not None
            or change.type_ is not None
            or change.new_column_name
            or change.comment is not False
            or change.autoincrement is not None
        )
        if not whole:
            if change.server_default is not False:
                self._exec(
                    ColumnDefault(
                        table_name, column_name, change.server_default, **change.described()
                    )
                )
            return
        type_ = change.type_ if change.type_ is not None else change.existing_type
        if type_ is None:
            raise StillError(
                f"MySQL/MariaDB restate the whole column to alter {table_name}.{column_name}: "
                "pass existing_type= (and existing_nullable=, existing_server_default= to keep "
                "them) to op.alter_column."
            )
        nullable = change.nullable if change.nullable is not None else change.existing_nullable
        default = (
            change.server_default
            if change.server_default is not False
            else change.existing_server_default
        )
        comment = change.comment if change.comment is not False else change.existing_comment
        computed = default if isinstance(default, Computed) else None
        self._exec(
            MySQLChangeColumn(
                table_name,
                column_name,
                change.schema,
                new_name=change.new_column_name,
                type_=type_,
                nullable=True if nullable is None else nullable,
                default=None if computed is not None else default,
                computed=computed,
                comment=comment,
                autoincrement=change.autoincrement,
            )
        )

    def rename_primary_key(self, table: Table, old: str, new: str | None) -> None:
        pass  # MySQL's primary key is always named PRIMARY

    def drop_type_check(self, check: Constraint) -> None:
        pass  # as Alembic: a type's CHECK is left to MODIFY, which restates the column

    def inline_constraints(self, column: Column[Any]) -> list[Constraint]:
        # MariaDB's column definition takes CHECK (...) but not CONSTRAINT name CHECK (...):
        # a named CHECK on the Column is added after the column (Alembic writes it inline, and
        # MariaDB rejects the statement).
        inline = super().inline_constraints(column)
        if not getattr(self.dialect, "is_mariadb", False):
            return inline
        return [c for c in inline if not (isinstance(c, CheckConstraint) and c.name)]

    def drop_index(self, index: Index, **kw: Any) -> None:
        if index.table is None or index.table.name == "_unknown":  # operations' "not given"
            raise StillError(
                f"MySQL/MariaDB drop an index by its table: pass table_name= to "
                f"op.drop_index({str(index.name)!r}, table_name=...)."
            )
        # InnoDB drops its own index for a foreign key once another index can serve it, and then
        # refuses to drop that other index (error 1553).  Drop the foreign key with the index and
        # add it again: InnoDB then makes its own index as it did when the table was created (an
        # explicit ADD INDEX would not do: InnoDB keeps explicit indexes when a new one arrives,
        # so the next upgrade would leave two).
        fk = None if self.as_sql else self._foreign_key_index_to_restore(index)
        if fk is None:
            super().drop_index(index, **kw)
            return
        quote = self.dialect.identifier_preparer.quote
        table = index.table
        assert table is not None
        target = _qualified(quote, table.name, table.schema)
        self._exec(
            f"ALTER TABLE {target} DROP FOREIGN KEY {quote(fk['name'])}, "
            f"DROP INDEX {quote(str(index.name))}"
        )
        self._exec(f"ALTER TABLE {target} ADD {_foreign_key_clause(quote, table.name, fk)}")

    def _foreign_key_index_to_restore(self, index: Index) -> dict[str, Any] | None:
        from sqlalchemy import inspect

        table = index.table
        if self.connection is None or table is None or index.name is None:
            return None
        inspector = inspect(self.connection)
        schema = table.schema
        others = [
            list(ix["column_names"])
            for ix in inspector.get_indexes(table.name, schema=schema)
            if ix["name"] != index.name
        ]
        others.append(
            list(inspector.get_pk_constraint(table.name, schema=schema)["constrained_columns"])
        )
        ours = next(
            (
                list(ix["column_names"])
                for ix in inspector.get_indexes(table.name, schema=schema)
                if ix["name"] == index.name
            ),
            None,
        )
        if ours is None:
            return None
        for fk in inspector.get_foreign_keys(table.name, schema=schema):
            columns = list(fk["constrained_columns"])
            if ours[: len(columns)] != columns:
                continue
            if any(other[: len(columns)] == columns for other in others):
                continue
            if fk.get("name"):
                return dict(fk)
        return None


def _qualified(quote: Any, name: str, schema: str | None) -> str:
    return quote(name) if not schema else f"{quote(schema)}.{quote(name)}"


def _foreign_key_clause(quote: Any, table: str, fk: dict[str, Any]) -> str:
    """A reflected foreign key as ADD ... text, named as InnoDB names it: a generated name
    (``t_ibfk_N``) is left to InnoDB, which gives it back and names the index after the first
    column, as at CREATE TABLE; a chosen name is kept (and names the index, as it did)."""
    name = fk["name"]
    columns = ", ".join(quote(c) for c in fk["constrained_columns"])
    referred = ", ".join(quote(c) for c in fk["referred_columns"])
    if re.fullmatch(rf"{re.escape(table)}_ibfk_\d+", name):
        head = f"FOREIGN KEY ({columns})"  # InnoDB names it t_ibfk_N and its index after the column
    else:
        head = f"CONSTRAINT {quote(name)} FOREIGN KEY ({columns})"
    clause = (
        f"{head} REFERENCES {_qualified(quote, fk['referred_table'], fk.get('referred_schema'))}"
        f" ({referred})"
    )
    options = fk.get("options") or {}
    for key, words in (("ondelete", "ON DELETE"), ("onupdate", "ON UPDATE")):
        if options.get(key):
            clause += f" {words} {options[key]}"
    return clause


class MariaDBImpl(MySQLImpl):
    __dialect__ = "mariadb"


# -- compiled constructs ---------------------------------------------------------------------


class MySQLChangeColumn(ColumnChange):
    """change: new_name, type_, nullable, default, computed, comment, autoincrement (the whole
    column)."""


@compiles(RenameTable, "mysql")
@compiles(RenameTable, "mariadb")
def _mysql_rename_table(element: RenameTable, compiler: DDLCompiler, **kw: Any) -> str:
    # MySQL moves a table renamed to an unqualified name into the session's database: the new
    # name keeps the table's schema.
    new = table_name(compiler, element.new_table_name, element.schema)
    return f"{alter(compiler, element)} RENAME TO {new}"


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
    return f"{alter(compiler, element)} {verb} {' '.join(parts)}"


@compiles(DropNamedConstraint, "mysql")
@compiles(DropNamedConstraint, "mariadb")
def _mysql_drop_constraint(element: DropNamedConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    target = table_name(compiler, element.table_name, element.schema)
    if element.kind == "primary":
        return f"ALTER TABLE {target} DROP PRIMARY KEY"
    what = {
        "foreignkey": "FOREIGN KEY",
        "unique": "INDEX",
        # MySQL says DROP CHECK; MariaDB has only DROP CONSTRAINT for checks.
        "check": "CONSTRAINT" if getattr(compiler.dialect, "is_mariadb", False) else "CHECK",
    }.get(element.kind or "", "CONSTRAINT")
    guard = "IF EXISTS " if element.if_exists else ""  # MariaDB; MySQL has no IF EXISTS here
    return f"ALTER TABLE {target} DROP {what} {guard}{constraint_name_sql(compiler, element)}"


# -- the migration lock --------------------------------------------------------------------------


def mysql_name(connection: Connection, name: str) -> str:
    """MySQL's named locks are server-wide and at most 64 characters long."""
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar() or ""
    full = f"{name}@{database}"
    if len(full) <= 64:
        return full
    return "still:" + hashlib.blake2b(full.encode("utf-8"), digest_size=16).hexdigest()


@contextmanager
def _named_lock(connection: Connection, name: str, timeout: float) -> Iterator[None]:
    full = mysql_name(connection, name)
    statement = text("SELECT GET_LOCK(:name, :wait)")
    # GET_LOCK waits by itself; asked in short slices so the timeout is ours to report.
    wait_for(
        lambda: connection.execute(statement, {"name": full, "wait": 1}).scalar() == 1,
        full,
        max(timeout - 1, 0),
        "MySQL named lock",
    )
    try:
        yield
    finally:
        release(connection, text("SELECT RELEASE_LOCK(:name)"), {"name": full})
