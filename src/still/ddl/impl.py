"""The generic DDL implementation: how an operation reaches one database, online or as SQL text.

One :class:`DefaultImpl` subclass per dialect (see :mod:`still.ddl.dialects`) overrides what that
database does differently, in the manner of SQLAlchemy's dialect / compiler split.  The operations
layer calls the methods here with SQLAlchemy schema objects; nothing here knows about operations,
revisions or the CLI.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TextIO, cast

from sqlalchemy import Column, Constraint, Index, Table, literal, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.schema import (
    AddConstraint,
    CreateIndex,
    CreateTable,
    DropColumnComment,
    DropIndex,
    DropTable,
    DropTableComment,
    ExecutableDDLElement,
    SetColumnComment,
    SetTableComment,
)
from sqlalchemy.sql.base import Executable as SQLExecutable
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.sqltypes import NullType

from still.ddl.alter import (
    ColumnDefault,
    ColumnName,
    ColumnNullable,
    ColumnType,
    RenameConstraint,
    RenameTable,
)
from still.ddl.change import AlterColumn
from still.ddl.elements import AddColumn, DropColumn, DropNamedConstraint
from still.ddl.generated import generated_change, refusal
from still.ddl.pipeline import StatementPipeline
from still.errors import StillError

Executable = str | ClauseElement
ExecutableDDL = ExecutableDDLElement


# Every subclass that names a dialect (``__dialect__ = "postgresql"``), still's own and a user's
# (as Alembic documents, for third-party dialects or tweaks), is the implementation of that
# dialect; the one defined last wins.
REGISTRY: dict[str, type[DefaultImpl]] = {}


class DefaultImpl:
    """Issues DDL for one dialect, to a live connection or to an output buffer (``--sql``)."""

    __dialect__: ClassVar[str] = "default"

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "__dialect__" in cls.__dict__:
            REGISTRY[cls.__dialect__] = cls

    transactional_ddl: bool = False
    statement_terminator: ClassVar[str] = ";"
    # The longest name the database accepts, where SQLAlchemy's dialect says otherwise.
    identifier_limit: ClassVar[int | None] = None

    def __init__(
        self,
        dialect: Dialect,
        connection: Connection | None,
        as_sql: bool,
        transactional_ddl: bool | None,
        output_buffer: TextIO | None,
        context_opts: Mapping[str, Any],
    ) -> None:
        self.dialect = dialect
        self.connection = connection
        self.as_sql = as_sql
        self.literal_binds = bool(context_opts.get("literal_binds", False))
        self.output_buffer = output_buffer
        self.context_opts = context_opts
        if transactional_ddl is not None:
            self.transactional_ddl = transactional_ddl
        # What ran since the last call to :meth:`start_step` (for failure reports): SQL text
        # offline; online the constructs, compiled only if a failure needs to show them.
        self.statements: list[str] = []
        self._executed: list[Any] = []
        # set by the runtime for a run on psycopg: DDL is sent without waiting (ddl.pipeline)
        self.pipeline: StatementPipeline | None = None

    # -- executing --------------------------------------------------------------------------------

    def start_step(self) -> None:
        self.statements = []
        self._executed = []

    def executed_statements(self) -> list[str]:
        """The SQL of every statement run in the current step, for a failure report."""
        rendered = list(self.statements)
        for construct in self._executed:
            try:
                rendered.append(str(construct.compile(dialect=self.dialect)))
            except Exception:  # a construct this dialect cannot render: show its class
                rendered.append(f"<{type(construct).__name__}>")
        return rendered

    def static_output(self, text_: str) -> None:
        assert self.output_buffer is not None
        self.output_buffer.write(text_ + "\n\n")
        self.output_buffer.flush()

    def compile(self, construct: ClauseElement) -> str:
        """The SQL of a construct for this dialect, with values inlined (offline scripts)."""
        compile_kwargs = {"literal_binds": True} if self.as_sql or self.literal_binds else {}
        return str(construct.compile(dialect=self.dialect, compile_kwargs=compile_kwargs)).strip()

    def execute(
        self,
        sql: Executable,
        params: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = None,
        execution_options: Mapping[str, Any] | None = None,
    ) -> Any:
        construct = cast(SQLExecutable, text(sql) if isinstance(sql, str) else sql)
        if self.as_sql:
            if params:
                raise ValueError("Bound parameters cannot be rendered in --sql mode.")
            self.emit_rendered(self.compile(cast(ClauseElement, construct)))
            return None
        assert self.connection is not None
        self._executed.append(construct)
        if (
            self.pipeline is not None
            and not params
            and not execution_options
            and isinstance(construct, ExecutableDDLElement)
        ):
            self.pipeline.execute(construct)  # DDL returns no rows
            return None
        conn = self.connection
        if execution_options:
            conn = conn.execution_options(**execution_options)
        return conn.execute(construct, params) if params else conn.execute(construct)

    def emit_rendered(self, rendered: str) -> None:
        """Write a statement already compiled for this dialect to the offline script."""
        self.statements.append(rendered)
        self.static_output(self.terminated(rendered))

    def terminated(self, rendered: str) -> str:
        """A statement as an offline script writes it, with its terminator (once)."""
        if rendered.endswith(self.statement_terminator):
            return rendered
        return rendered + self.statement_terminator

    def check_name(self, name: str | None, what: str) -> None:
        """Refuse, before the database is touched, a name longer than this dialect allows."""
        limit = self.identifier_limit or getattr(self.dialect, "max_identifier_length", None)
        if name and limit and len(str(name)) > limit:
            raise StillError(
                f"The {what} name {str(name)!r} is {len(str(name))} characters long; "
                f"{self.dialect.name} allows at most {limit}. Choose a shorter name."
            )

    # -- transactions -----------------------------------------------------------------------------

    def begin(self, connection: Connection) -> Any:
        """Begin a transaction the database really honours for DDL; returns SQLAlchemy's."""
        return connection.get_transaction() or connection.begin()

    def emit_begin(self) -> None:
        """``BEGIN`` framing for offline scripts."""
        self.static_output("BEGIN" + self.statement_terminator)

    def emit_commit(self) -> None:
        self.static_output("COMMIT" + self.statement_terminator)

    # -- schema changes ---------------------------------------------------------------------------

    def create_table(self, table: Table, if_not_exists: bool = False) -> None:
        for statement in self.create_table_ddl(table, if_not_exists):
            self.execute(statement)

    def create_table_ddl(self, table: Table, if_not_exists: bool = False) -> list[ExecutableDDL]:
        """CREATE TABLE, then its comments (where they are statements) and its indexes."""
        statements: list[ExecutableDDL] = [CreateTable(table, if_not_exists=if_not_exists)]
        if self.dialect.supports_comments and not self.dialect.inline_comments:
            # PostgreSQL, Oracle, SQL Server: comments are statements of their own.
            if table.comment is not None:
                statements.append(self.table_comment_ddl(table))
            for column in table.columns:
                if column.comment is not None:
                    statements.append(self.column_comment_ddl(column))
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            statements.append(CreateIndex(index))
        return statements

    def drop_table(self, table: Table, if_exists: bool = False) -> None:
        self.execute(DropTable(table, if_exists=if_exists))

    def add_column(
        self,
        table_name: str,
        column: Column[Any],
        schema: str | None = None,
        if_not_exists: bool = False,
    ) -> None:
        self.execute(AddColumn(table_name, column, schema, if_not_exists))

    def drop_column(
        self,
        table_name: str,
        column_name: str,
        schema: str | None = None,
        if_exists: bool = False,
        **dialect_kw: Any,
    ) -> None:
        self.execute(DropColumn(table_name, column_name, schema, if_exists))

    def create_index(self, index: Index, if_not_exists: bool = False) -> None:
        self.execute(CreateIndex(index, if_not_exists=if_not_exists))

    def drop_index(self, index: Index, if_exists: bool = False) -> None:
        self.execute(DropIndex(index, if_exists=if_exists))

    def rename_table(self, old: str, new: str, schema: str | None = None) -> None:
        self.execute(RenameTable(old, new, schema))

    def set_table_comment(self, table: Table) -> None:
        self.execute(self.table_comment_ddl(table))

    def drop_table_comment(self, table: Table) -> None:
        self.execute(self.table_comment_ddl(table, drop=True))

    def set_column_comment(self, column: Column[Any]) -> None:
        self.execute(self.column_comment_ddl(column))

    def drop_column_comment(self, column: Column[Any]) -> None:
        self.execute(self.column_comment_ddl(column, drop=True))

    def table_comment_ddl(self, table: Table, drop: bool = False) -> ExecutableDDL:
        return DropTableComment(table) if drop else SetTableComment(table)

    def column_comment_ddl(self, column: Column[Any], drop: bool = False) -> ExecutableDDL:
        return DropColumnComment(column) if drop else SetColumnComment(column)

    def alter_column(self, table_name: str, column_name: str, change: AlterColumn) -> None:
        """Change a column: nullability, default, type, comment, then the name (in that order)."""
        schema = change.schema
        if change.nullable is not None:
            self.execute(
                ColumnNullable(
                    table_name,
                    column_name,
                    schema,
                    nullable=change.nullable,
                    existing_type=change.existing_type,
                )
            )
        generated = generated_change(change)
        if generated is not None:
            self.alter_generated(table_name, column_name, schema, *generated)
        elif change.server_default is not False:
            self.execute(
                ColumnDefault(table_name, column_name, schema, default=change.server_default)
            )
        if change.type_ is not None:
            self.execute(
                ColumnType(
                    table_name,
                    column_name,
                    schema,
                    type_=change.type_,
                    using=change.using,
                    existing_nullable=change.existing_nullable,
                )
            )
        if change.comment is not False:
            column = change.column_on_table(table_name, column_name)
            column.comment = change.comment
            if change.comment:
                self.set_column_comment(column)
            else:
                self.drop_column_comment(column)
        if change.new_column_name:
            self.execute(
                ColumnName(table_name, column_name, schema, new_name=change.new_column_name)
            )

    # -- table rebuilds (batch mode's move and copy) -----------------------------------------------

    def copy_rows(
        self,
        target: Table,
        source: str,
        columns: Sequence[tuple[str, str]],
        expressions: Mapping[str, ClauseElement] | None = None,
    ) -> None:
        """``INSERT INTO target (new...) SELECT old... FROM source`` (same schema);
        ``expressions`` (new column -> e.g. a CAST of the old one) replace a plain old column."""
        if not columns:
            return
        quote = self.dialect.identifier_preparer.quote
        into = ", ".join(quote(new) for new, _ in columns)
        select = ", ".join(
            self.compile(expressions[new]) if expressions and new in expressions else quote(old)
            for new, old in columns
        )
        self.execute(
            f"INSERT INTO {self.qualified(target.name, target.schema)} ({into}) "
            f"{self.copy_overriding(target)}SELECT {select} FROM "
            f"{self.qualified(source, target.schema)}"
        )

    def copy_overriding(self, target: Table) -> str:
        """What lets an INSERT write generated identity values (PostgreSQL's OVERRIDING)."""
        return ""

    def continue_sequences(self, table: Table) -> None:
        """After rows were copied into ``table``: make its sequences continue after them."""

    def keep_sequences(self, table: Table) -> None:
        """Before the old table is dropped: keep the sequences ``table``'s defaults use."""

    def name_sequences(self, table: Table, name: str) -> None:
        """After the rename: give ``table``'s own sequences the names the table's name implies."""

    def rename_primary_key(self, table: Table, old: str, new: str | None) -> None:
        if new and new != old:
            self.execute(RenameConstraint(table.name, table.schema, old=old, new=new))

    def qualified(self, name: str, schema: str | None) -> str:
        preparer = self.dialect.identifier_preparer
        quoted = preparer.quote(name)
        return f"{preparer.quote_schema(schema)}.{quoted}" if schema else quoted

    def alter_generated(
        self, table_name: str, column_name: str, schema: str | None, new: Any, existing: Any
    ) -> None:
        """Add, drop or change an Identity or Computed (``alter_column(server_default=...)``)."""
        raise refusal(
            self.dialect.name,
            table_name,
            column_name,
            new,
            existing,
            "its ALTER TABLE cannot do this. Add a new column with it, copy the values, and drop "
            "the old column.",
        )

    def add_constraint(self, constraint: Constraint) -> None:
        self.execute(AddConstraint(constraint))

    def drop_constraint(
        self,
        name: str | None,
        table_name: str,
        kind: str | None,
        schema: str | None = None,
        if_exists: bool = False,
    ) -> None:
        self.execute(DropNamedConstraint(name, table_name, kind, schema, if_exists))

    def offline_value(self, value: datetime.date | datetime.time) -> Any:
        """A date or time in an offline INSERT; where the dialect's own literal is unsafe, SQL
        that reads the same whatever the session's language or date format."""
        return literal(value)

    def bulk_insert(
        self, table: Table, rows: Sequence[Mapping[str, Any]], multiinsert: bool = True
    ) -> None:
        """INSERT rows: one executemany online; one literal INSERT per row in --sql scripts."""
        if not rows:
            return
        if self.as_sql:
            for row in rows:
                # A sa.table() column without a type gets one from the value, so it can be
                # written as a literal.
                values = {
                    key: self.offline_value(value)
                    if isinstance(value, (datetime.date, datetime.time))
                    else literal(value)
                    if key in table.c and isinstance(table.c[key].type, NullType)
                    else value
                    for key, value in row.items()
                }
                self.execute(table.insert().values(**values))
        elif multiinsert:
            self.execute(table.insert(), list(rows))
        else:
            for row in rows:
                self.execute(table.insert(), row)
