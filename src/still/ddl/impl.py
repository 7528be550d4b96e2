"""The generic DDL implementation: how an operation reaches one database, online or as SQL text.

One :class:`DefaultImpl` subclass per dialect (see :mod:`still.ddl.dialects`) overrides what that
database does differently, in the manner of SQLAlchemy's dialect / compiler split.  The operations
layer calls the methods here with SQLAlchemy schema objects; nothing here knows about operations,
revisions or the CLI.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NamedTuple, TextIO, cast

from sqlalchemy import Column, Constraint, Index, Table, literal, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.schema import (
    AddConstraint,
    CreateIndex,
    CreateTable,
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
    # Whether ALTER TABLE adds and drops constraints (SQLite's does not: still rebuilds there).
    alters_constraints: ClassVar[bool] = True
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
        # what table events did in this run (SQLAlchemy's DDL runners keep the named types
        # they created here: "pg_enum" -> {(schema, name)})
        self.memo: dict[str, Any] = {}

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

    def create_table(self, table: Table, if_not_exists: bool = False, events: bool = False) -> None:
        """CREATE TABLE with its indexes and comments; with ``events``, around it the table's
        ``before_create`` / ``after_create`` events, as Alembic runs them for ``op.create_table``
        (a PostgreSQL ENUM column's type is created there)."""
        first, *rest = self.create_table_ddl(table, if_not_exists)
        if events:
            self.run_table_event("before_create", table)
        self.execute(first)
        if events:
            self.run_table_event("after_create", table)
        for statement in rest:
            self.execute(statement)

    def run_table_event(self, event: str, table: Table) -> None:
        """Run one of the table's DDL events (``before_create``, ``after_drop``, ...) as
        SQLAlchemy's ``metadata.create_all`` would, but with every statement a listener issues
        going through :meth:`execute` (so ``--sql`` writes it), and without asking the database
        first (``checkfirst=False``, as Alembic).  :attr:`memo` remembers, for the whole run,
        the types already created, so a type two tables share is created once."""
        from sqlalchemy.engine.mock import MockConnection

        bind = MockConnection(self.dialect, lambda construct, *args: self.execute(construct))
        getattr(table.dispatch, event)(table, bind, checkfirst=False, _ddl_runner=self)

    def create_table_ddl(self, table: Table, if_not_exists: bool = False) -> list[ExecutableDDL]:
        """CREATE TABLE, then its indexes and its comments (where they are statements), in
        Alembic's order."""
        statements: list[ExecutableDDL] = [CreateTable(table, if_not_exists=if_not_exists)]
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            statements.append(CreateIndex(index))
        if self.comments_are_statements:
            # PostgreSQL, Oracle, SQL Server: comments are statements of their own.
            if table.comment is not None:
                statements.append(self.table_comment_ddl(table))
            for column in table.columns:
                if column.comment is not None:
                    statements.append(self.column_comment_ddl(column))
        return statements

    @property
    def comments_are_statements(self) -> bool:
        """PostgreSQL, Oracle, SQL Server: a comment is a statement of its own (MySQL writes it
        into the column or table definition; SQLite keeps none)."""
        return bool(self.dialect.supports_comments and not self.dialect.inline_comments)

    def drop_table(self, table: Table, if_exists: bool = False, events: bool = False) -> None:
        """DROP TABLE; with ``events``, inside the table's ``before_drop`` / ``after_drop``."""
        if events:
            self.run_table_event("before_drop", table)
        self.execute(DropTable(table, if_exists=if_exists))
        if events:
            self.run_table_event("after_drop", table)

    def add_column(
        self,
        table_name: str,
        column: Column[Any],
        schema: str | None = None,
        if_not_exists: bool = False,
        inline_references: bool = False,
        inline_primary_key: bool = False,
    ) -> None:
        self.execute(
            AddColumn(
                table_name,
                column,
                schema,
                if_not_exists,
                inline_references,
                inline_primary_key,
                self.inline_constraints(column),
            )
        )

    def inline_constraints(self, column: Column[Any]) -> list[Constraint]:
        """The constraints ADD COLUMN writes inline: those given on the Column itself (a CHECK);
        the others the column brings (on its table) are added afterwards."""
        return sorted(column.constraints, key=lambda c: c._creation_order)

    def creates(self, constraint: Constraint) -> bool:
        """Whether this database gets ``constraint`` at all: a CHECK a type makes (Boolean,
        non-native Enum) exists only where the type needs it."""
        rule = constraint._create_rule
        return rule is None or bool(rule(self))

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
        # SQLAlchemy's DropColumnComment leaves the schema out; SET ... IS NULL keeps it.
        if drop:
            column.comment = self.no_comment
        return SetColumnComment(column)

    # What a dropped comment is set to (Oracle takes only a string literal there).
    no_comment: ClassVar[str | None] = None

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
            if change.comment is not None:
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

    def drop_type_check(self, check: Constraint) -> None:
        """Drop the CHECK a column's old type made, before its type changes."""
        table = check.table
        name = check.name if isinstance(check.name, str) else None
        self.drop_constraint(name, table.name, "check", table.schema)

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

    # -- autogenerate's hooks (Alembic's names and signatures) ------------------------------------
    #
    # A project or add-on subclasses an implementation and overrides these, as Alembic
    # documents; still's autogenerate calls an override where Alembic calls the method.  Where a
    # method is not overridden still uses its own comparison (finer than these defaults:
    # normalised types and defaults, expression indexes asked of the database).

    def start_migrations(self) -> None:
        """Called when a run of migrations starts (``run_migrations()``): per-run state."""

    def compare_type(self, inspector_column: Column[Any], metadata_column: Column[Any]) -> bool:
        """True when the reflected column's type differs from the model's."""
        reflected = " ".join(str(inspector_column.type.compile(dialect=self.dialect)).split())
        model = " ".join(str(metadata_column.type.compile(dialect=self.dialect)).split())
        return reflected.upper() != model.upper()

    def compare_server_default(
        self,
        inspector_column: Column[Any],
        metadata_column: Column[Any],
        rendered_metadata_default: str | None,
        rendered_inspector_default: str | None,
    ) -> bool:
        """True when the server defaults differ (each given as the SQL text after DEFAULT)."""
        return rendered_inspector_default != rendered_metadata_default

    def compare_indexes(self, metadata_index: Index, reflected_index: Index) -> ComparisonResult:
        """Whether an index of the model and the database's of the same name are the same."""
        reasons = []
        if bool(metadata_index.unique) != bool(reflected_index.unique):
            reasons.append(
                f"unique={bool(reflected_index.unique)} to unique={bool(metadata_index.unique)}"
            )
        before = tuple(str(getattr(e, "name", e)) for e in reflected_index.expressions)
        after = tuple(str(getattr(e, "name", e)) for e in metadata_index.expressions)
        if before != after:
            reasons.append(f"expression {before} to {after}")
        return ComparisonResult.Different(reasons) if reasons else ComparisonResult.Equal()

    def compare_unique_constraint(
        self, metadata_constraint: Constraint, reflected_constraint: Constraint
    ) -> ComparisonResult:
        """Whether a unique constraint of the model and the database's are the same."""
        before = tuple(c.name for c in reflected_constraint.columns)  # type: ignore[attr-defined]
        after = tuple(c.name for c in metadata_constraint.columns)  # type: ignore[attr-defined]
        if before != after:
            return ComparisonResult.Different(f"expression {before} to {after}")
        return ComparisonResult.Equal()

    def correct_for_autogen_constraints(
        self,
        conn_uniques: set[Any],
        conn_indexes: set[Any],
        metadata_unique_constraints: set[Any],
        metadata_indexes: set[Any],
    ) -> None:
        """Remove from the sets what the comparison must not see (a dialect's own objects)."""

    def correct_for_autogen_foreignkeys(self, conn_fks: set[Any], metadata_fks: set[Any]) -> None:
        """Remove from the sets the foreign keys the comparison must not see."""

    def autogen_column_reflect(
        self, inspector: Any, table: Table, column_info: dict[str, Any]
    ) -> None:
        """Change a reflected column's description (``column_info``) before it is compared."""

    def render_type(self, type_obj: Any, autogen_context: Any) -> str | bool:
        """Python source for a type in a revision file, or False for the usual rendering."""
        return False

    def requires_recreate_in_batch(self, batch_op: Any) -> bool:
        """True when a batch of operations needs the table rebuilt (still decides by itself for
        SQLite; an override that returns True asks for a rebuild)."""
        return False


class ComparisonResult(NamedTuple):
    """What ``compare_indexes`` / ``compare_unique_constraint`` answer: ``equal``,
    ``different`` (``message`` says why) or ``skip`` (cannot compare: treated as equal)."""

    status: str
    message: str

    @property
    def is_equal(self) -> bool:
        return self.status == "equal"

    @property
    def is_different(self) -> bool:
        return self.status == "different"

    @property
    def is_skip(self) -> bool:
        return self.status == "skip"

    @classmethod
    def Equal(cls) -> ComparisonResult:
        return cls("equal", "The two constraints are equal")

    @classmethod
    def Different(cls, reason: str | Sequence[str]) -> ComparisonResult:
        return cls("different", reason if isinstance(reason, str) else ", ".join(reason))

    @classmethod
    def Skip(cls, reason: str | Sequence[str]) -> ComparisonResult:
        return cls("skip", reason if isinstance(reason, str) else ", ".join(reason))


def overridden(impl: Any, name: str) -> bool:
    """True when ``impl``'s class replaces DefaultImpl's method ``name`` (a user's or an
    add-on's subclass): autogenerate then asks it instead of comparing by itself."""
    method = getattr(type(impl), name, None)
    return method is not None and method is not getattr(DefaultImpl, name)
