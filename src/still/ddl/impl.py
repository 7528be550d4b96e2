"""The generic DDL implementation: how an operation reaches one database, online or as SQL text.

One :class:`DefaultImpl` subclass per database, each in its own module (``ddl/postgresql.py``,
``ddl/mysql.py``, ``ddl/sqlite.py``, ``ddl/mssql.py``, ``ddl/oracle.py``), overrides what that
database does differently, in the manner of SQLAlchemy's dialect / compiler split.  The operations
layer calls the methods here with SQLAlchemy schema objects; nothing here knows about operations,
revisions or the CLI.

The public methods have Alembic's names and signatures (``alter_column(table_name, column_name,
*, nullable=..., ...)``, ``add_constraint(const)``, ``drop_constraint(const)``,
``drop_column(table_name, column)``, ``create_index(index, **kw)`` ...), and the operations layer
calls exactly these, so a project's or an add-on's subclass that overrides one, as Alembic
documents, takes effect; each dialect's own differences live in still's hooks below them
(:meth:`DefaultImpl.change_column` for a column change).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, NamedTuple, TextIO, cast

from sqlalchemy import (
    CheckConstraint,
    Column,
    Constraint,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    literal,
    text,
)
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
from sqlalchemy.sql.elements import ClauseElement, conv
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
from still.sqla_private import created_on, creation_order, same_affinity

Executable = str | ClauseElement
ExecutableDDL = ExecutableDDLElement


# Every subclass that names a dialect (``__dialect__ = "postgresql"``), still's own and a user's
# (as Alembic documents, for third-party dialects or tweaks), is the implementation of that
# dialect; the one defined last wins.
REGISTRY: dict[str, type[DefaultImpl]] = {}


def impl_for(dialect_name: str) -> type[DefaultImpl]:
    """The implementation class for a dialect name; the generic one for unknown dialects.

    still's own implementations are registered when :mod:`still.ddl` is imported (its
    ``__init__`` imports each database's module)."""
    return REGISTRY.get(dialect_name, DefaultImpl)


def impl_for_url(url: str) -> type[DefaultImpl]:
    """The implementation class for the database a URL names (``postgresql+psycopg://...``)."""
    return impl_for(url.split(":", 1)[0].split("+", 1)[0])


class DefaultImpl:
    """Issues DDL for one dialect, to a live connection or to an output buffer (``--sql``)."""

    __dialect__: ClassVar[str] = "default"

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "__dialect__" in cls.__dict__:
            REGISTRY[cls.__dialect__] = cls

    transactional_ddl: bool = False
    # The database's name in messages ("PostgreSQL"); the dialect's name where it is empty.
    display_name: ClassVar[str] = ""
    # Whether the heads are read with a locking read once the migration lock is held: where the
    # lock is a session lock (MySQL's GET_LOCK) the process that held it before may not have
    # committed yet, and a locking read waits for its commit.
    reads_heads_locking: ClassVar[bool] = False
    # Whether ALTER TABLE adds and drops constraints (SQLite's does not: still rebuilds there).
    alters_constraints: ClassVar[bool] = True
    # What ends a statement in an offline script (Alembic's name).
    command_terminator: ClassVar[str] = ";"
    # The longest name the database accepts, where SQLAlchemy's dialect says otherwise.
    identifier_limit: ClassVar[int | None] = None
    # Alembic's data for comparing types: type names that mean the same (NUMERIC and DECIMAL),
    # patterns of type arguments to compare too (MySQL's character set and collation), and the
    # Identity options a database does not report back.
    type_synonyms: ClassVar[tuple[set[str], ...]] = ({"NUMERIC", "DECIMAL"},)
    type_arg_extract: ClassVar[Sequence[str]] = ()
    identity_attrs_ignore: ClassVar[tuple[str, ...]] = ("order", "on_null")

    # -- capabilities: what the other layers ask of a database instead of testing its name -------
    # (each database's module answers for itself; a new database answers here by subclassing)

    # sqlglot's name for the database's SQL (CHECK constraints, raw SQL read for data loss).
    sqlglot_dialect: ClassVar[str | None] = None
    # batch_alter_table(recreate="always") can rebuild a table here (tested live on each).
    rebuilds_tables: ClassVar[bool] = False
    # ALTER TABLE cannot change a column or a constraint: outside a batch, such an operation
    # rebuilds the table (unless the ``sqlite_rebuild`` option says not to).
    rebuilds_outside_batch: ClassVar[bool] = False
    # A rebuilt table is swapped in whole: created under a temporary name with every constraint,
    # the old one dropped, the new one renamed.  Otherwise its constraints are added by ALTERs
    # once the rows are copied, and other tables' foreign keys pointed at it again.
    swaps_by_rename: ClassVar[bool] = False
    # JSON is stored as text: values copy into a JSON column without a CAST.
    json_is_text: ClassVar[bool] = False
    # Constraint names a table keeps only as given at CREATE (a hint in "no constraint named").
    constraint_names_hint: ClassVar[str] = ""
    # Operations that lock or rewrite a whole table here, by operation name (``upgrade --plan``).
    heavy_operations: ClassVar[Mapping[str, str]] = {}
    # Enum types are schema objects of their own (CREATE TYPE), compared and created apart.
    named_enum_types: ClassVar[bool] = False
    # Sequences of their own, one a SERIAL column owns (``still.testing`` snapshots list them).
    serial_sequences: ClassVar[bool] = False
    # Reflected server defaults carry casts (``'a'::text``) that the model's do not.
    reflected_default_casts: ClassVar[bool] = False
    # Foreign keys: DEFERRABLE / INITIALLY reflected (so compared); RESTRICT the same as NO
    # ACTION; an index the database makes for each foreign key by itself (InnoDB).
    reflects_deferrable: ClassVar[bool] = False
    restrict_is_no_action: ClassVar[bool] = False
    implicit_foreign_key_indexes: ClassVar[bool] = False
    # A UNIQUE constraint is reported as a unique index (and the other way round); the primary
    # key has one fixed name, whatever the model calls it.
    unique_constraints_are_indexes: ClassVar[bool] = False
    primary_key_named: ClassVar[bool] = True
    # An index that differs by text is asked of the database itself before it is reported
    # (expression and partial indexes, autogenerate/canonical_index.py), and its expressions
    # are described one by one (Alembic's wording).
    compares_indexes_in_database: ClassVar[bool] = False

    @classmethod
    def normalise_type_ddl(cls, text: str, dialect: Dialect) -> str:
        """A type as ``CREATE TABLE`` writes it (upper case, spaces and COLLATE gone), in the
        spelling autogenerate compares: the database's own equivalences (display widths,
        aliases) resolved.  The generic synonyms (DECIMAL, INT4 ...) come after."""
        return text

    @classmethod
    def generated_change_refusal(cls, dialect: Dialect, new: Any, existing: Any) -> str | None:
        """None when ``alter_column`` can change an identity or generated (computed) column from
        ``existing`` to ``new`` in place here; otherwise why not (autogenerate then replaces
        the column)."""
        return f"{dialect.name} cannot alter a generated or identity column in place"

    @classmethod
    def predicted_check_name(
        cls, dialect: Dialect, table: Table, sql: str, taken: set[str]
    ) -> str | None:
        """The name the database gives an unnamed CHECK constraint (None: unknown)."""
        return None

    @classmethod
    def predicted_foreign_key_name(
        cls, table: Table, columns: Sequence[str], taken: set[str]
    ) -> str | None:
        """The name the database gives an unnamed foreign key (None: unknown)."""
        return None

    @classmethod
    def predicted_unique_name(
        cls, table: Table, columns: Sequence[str], taken: set[str]
    ) -> str | None:
        """The name the database gives an unnamed UNIQUE constraint (None: unknown)."""
        return None

    @classmethod
    def reflect_enum_types(cls, inspector: Any, schema: str | None) -> dict[str, list[str]]:
        """The schema's named enum types, name -> labels (where :attr:`named_enum_types`)."""
        return {}

    @classmethod
    def extension_owned_tables(cls, inspector: Any, schema: str | None) -> set[str]:
        """Tables an extension of the database created (never a migration's to drop)."""
        return set()

    @classmethod
    def lives_in_one_connection(cls, url: str) -> bool:
        """Whether the database at ``url`` (this dialect's) lasts only as long as one
        connection (an in-memory one)."""
        return False

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
        # create_table / drop_table run the table's DDL events (a table rebuild turns them off)
        self._table_events = True
        # set by the runtime for `--sql --shadow` (runtime/offline_reads.py): called with each
        # statement written to the offline script, which it also runs on the shadow database
        self.mirror: Callable[[str], None] | None = None

    @classmethod
    def get_by_dialect(cls, dialect: Dialect) -> type[DefaultImpl]:
        """The implementation registered for ``dialect`` (KeyError for an unknown one)."""
        return REGISTRY[dialect.name]

    @property
    def bind(self) -> Connection | None:
        return self.connection

    def version_table_impl(
        self,
        *,
        version_table: str,
        version_table_schema: str | None,
        version_table_pk: bool,
        **kw: Any,
    ) -> Table:
        """The version table (``version_num``, and with ``version_table_pk`` its primary key
        named ``<table>_pkc``); a third-party implementation may give it another shape."""
        table = Table(
            version_table,
            MetaData(),
            Column("version_num", String(32), nullable=False),
            schema=version_table_schema,
        )
        if version_table_pk:
            table.append_constraint(
                PrimaryKeyConstraint("version_num", name=f"{version_table}_pkc")
            )
        return table

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

    def static_output(self, text: str) -> None:
        assert self.output_buffer is not None
        self.output_buffer.write(text + "\n\n")
        self.output_buffer.flush()

    def compile(self, construct: ClauseElement) -> str:
        """The SQL of a construct for this dialect, with values inlined (offline scripts)."""
        compile_kwargs = {"literal_binds": True} if self.as_sql or self.literal_binds else {}
        return str(construct.compile(dialect=self.dialect, compile_kwargs=compile_kwargs)).strip()

    def execute(self, sql: Executable, execution_options: Mapping[str, Any] | None = None) -> Any:
        """Run SQL text or a construct (``op.execute``); online, the result."""
        return self._exec(sql, execution_options)

    def _exec(
        self,
        sql: Executable,
        execution_options: Mapping[str, Any] | None = None,
        multiparams: Sequence[Mapping[str, Any]] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """Where every statement goes (Alembic's name: an implementation overriding it sees all
        of them): executed on the connection, or written to the offline script."""
        construct = cast(SQLExecutable, text(sql) if isinstance(sql, str) else sql)
        if multiparams is not None and params:
            raise TypeError("Give params or multiparams, not both.")
        given: Sequence[Mapping[str, Any]] | Mapping[str, Any] | None = (
            multiparams if multiparams is not None else params
        )
        if self.as_sql:
            if given:
                raise ValueError("Bound parameters cannot be rendered in --sql mode.")
            self.emit_rendered(self.compile(cast(ClauseElement, construct)))
            return None
        assert self.connection is not None
        self._executed.append(construct)
        if (
            self.pipeline is not None
            and not given
            and not execution_options
            and isinstance(construct, ExecutableDDLElement)
        ):
            self.pipeline.execute(construct)  # DDL returns no rows
            return None
        conn = self.connection
        if execution_options:
            conn = conn.execution_options(**execution_options)
        return conn.execute(construct, given) if given else conn.execute(construct)

    def emit_rendered(self, rendered: str) -> None:
        """Write a statement already compiled for this dialect to the offline script."""
        self.statements.append(rendered)
        self.static_output(self.terminated(rendered))
        if self.mirror is not None:
            self.mirror(rendered)

    def terminated(self, rendered: str) -> str:
        """A statement as an offline script writes it, with its terminator (once)."""
        if rendered.endswith(self.command_terminator):
            return rendered
        return rendered + self.command_terminator

    def check_name(self, name: str | None, what: str) -> None:
        """Refuse, before the database is touched, a name longer than this dialect allows.

        A name given through ``op.f()`` or made by a naming convention (SQLAlchemy's ``conv``)
        passes: SQLAlchemy shortens it itself, to the limit with a hash of the whole name at the
        end, as it does under Alembic (Prefect's revisions rely on it on PostgreSQL)."""
        limit = self.identifier_limit or getattr(self.dialect, "max_identifier_length", None)
        if isinstance(name, conv):
            return
        if name and limit and len(str(name)) > limit:
            raise StillError(
                f"The {what} name {str(name)!r} is {len(str(name))} characters long; "
                f"{self.dialect.name} allows at most {limit}. Choose a shorter name."
            )

    # -- transactions -----------------------------------------------------------------------------

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
        """Hold the database's migration lock for the block (one process at a time moves a
        database: ``runtime/locking.py``); :class:`~still.ddl.locks.LockTimeout` after
        ``timeout`` seconds.  ``whole_run_in_one_transaction``: the run commits once at the end,
        so a lock that lasts as long as the transaction suffices.  ``owns_transaction``: still
        began the open transaction (env.py did not), so still may end it.  The generic answer:
        no lock (the version table's row checks still apply)."""
        yield

    def begin(self, connection: Connection) -> Any:
        """Begin a transaction the database really honours for DDL; returns SQLAlchemy's."""
        return connection.get_transaction() or connection.begin()

    def emit_begin(self) -> None:
        """``BEGIN`` framing for offline scripts."""
        self.static_output("BEGIN" + self.command_terminator)

    def emit_commit(self) -> None:
        self.static_output("COMMIT" + self.command_terminator)

    # -- schema changes ---------------------------------------------------------------------------

    def create_table(self, table: Table, **kw: Any) -> None:
        """CREATE TABLE (``if_not_exists=``) inside the table's ``before_create`` /
        ``after_create`` events, as Alembic runs them (a PostgreSQL ENUM column's type is
        created there), then its indexes and its comments where they are statements."""
        with self.table_events("create", table):
            self._exec(CreateTable(table, if_not_exists=bool(kw.get("if_not_exists"))))
        for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
            self._exec(CreateIndex(index))
        if self.comments_are_statements:
            if table.comment is not None:
                self.create_table_comment(table)
            for column in table.columns:
                if column.comment is not None:
                    self.create_column_comment(column)

    @contextmanager
    def without_table_events(self) -> Iterator[None]:
        """``create_table`` / ``drop_table`` without the table's DDL events (a table rebuild:
        the types its columns use exist already)."""
        before, self._table_events = self._table_events, False
        try:
            yield
        finally:
            self._table_events = before

    @contextmanager
    def table_events(self, verb: str, table: Table) -> Iterator[None]:
        """The table's ``before_<verb>`` and ``after_<verb>`` events (``create``, ``drop``)
        around the statement the block issues, unless :meth:`without_table_events` is on."""
        events = self._table_events
        if events:
            self.run_table_event(f"before_{verb}", table)
        yield
        if events:
            self.run_table_event(f"after_{verb}", table)

    def run_table_event(self, event: str, table: Table) -> None:
        """Run one of the table's DDL events (``before_create``, ``after_drop``, ...) as
        SQLAlchemy's ``metadata.create_all`` would, but with every statement a listener issues
        going through :meth:`_exec` (so ``--sql`` writes it), and without asking the database
        first (``checkfirst=False``, as Alembic).  :attr:`memo` remembers, for the whole run,
        the types already created, so a type two tables share is created once."""
        from sqlalchemy.engine.mock import MockConnection

        bind = MockConnection(self.dialect, lambda construct, *args: self._exec(construct))
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

    def drop_table(self, table: Table, **kw: Any) -> None:
        """DROP TABLE (``if_exists=``) inside the table's ``before_drop`` / ``after_drop``."""
        with self.table_events("drop", table):
            self._exec(DropTable(table, if_exists=bool(kw.get("if_exists"))))

    def add_column(
        self,
        table_name: str,
        column: Column[Any],
        *,
        schema: str | None = None,
        if_not_exists: bool | None = None,
        inline_references: bool | None = None,
        inline_primary_key: bool | None = None,
    ) -> None:
        """ALTER TABLE ... ADD the column (on a table of its own, which holds what it carries;
        the constraints the dialect writes inline go into the statement)."""
        column = column_on_table(table_name, column, schema)
        self._exec(
            AddColumn(
                table_name,
                column,
                schema,
                bool(if_not_exists),
                bool(inline_references),
                bool(inline_primary_key),
                self.inline_constraints(column),
            )
        )

    def inline_constraints(self, column: Column[Any]) -> list[Constraint]:
        """The constraints ADD COLUMN writes inline: those given on the Column itself (a CHECK);
        the others the column brings (on its table) are added afterwards."""
        return sorted(column.constraints, key=creation_order)

    def creates(self, constraint: Constraint) -> bool:
        """Whether this database gets ``constraint`` at all: a CHECK a type makes (Boolean,
        non-native Enum) exists only where the type needs it."""
        return created_on(constraint, self)

    def drop_column(
        self,
        table_name: str,
        column: Column[Any] | str,
        *,
        schema: str | None = None,
        if_exists: bool | None = None,
        **kw: Any,
    ) -> None:
        """ALTER TABLE ... DROP the column (a Column, as Alembic passes it, or its name);
        ``kw``: dialect options (``mssql_drop_default=True`` ...)."""
        self._exec(DropColumn(table_name, column_name_of(column), schema, bool(if_exists)))

    def create_index(self, index: Index, **kw: Any) -> None:
        """CREATE INDEX (``if_not_exists=``)."""
        self._exec(CreateIndex(index, if_not_exists=bool(kw.get("if_not_exists"))))

    def drop_index(self, index: Index, **kw: Any) -> None:
        """DROP INDEX (``if_exists=``)."""
        self._exec(DropIndex(index, if_exists=bool(kw.get("if_exists"))))

    def rename_table(
        self, old_table_name: str, new_table_name: str, schema: str | None = None
    ) -> None:
        self._exec(RenameTable(old_table_name, new_table_name, schema))

    def create_table_comment(self, table: Table) -> None:
        self._exec(self.table_comment_ddl(table))

    def drop_table_comment(self, table: Table) -> None:
        self._exec(self.table_comment_ddl(table, drop=True))

    def create_column_comment(self, column: Column[Any]) -> None:
        self._exec(self.column_comment_ddl(column))

    def drop_column_comment(self, column: Column[Any]) -> None:
        self._exec(self.column_comment_ddl(column, drop=True))

    def table_comment_ddl(self, table: Table, drop: bool = False) -> ExecutableDDL:
        return DropTableComment(table) if drop else SetTableComment(table)

    def column_comment_ddl(self, column: Column[Any], drop: bool = False) -> ExecutableDDL:
        # SQLAlchemy's DropColumnComment leaves the schema out; SET ... IS NULL keeps it.
        if drop:
            column.comment = self.no_comment
        return SetColumnComment(column)

    # What a dropped comment is set to (Oracle takes only a string literal there).
    no_comment: ClassVar[str | None] = None

    def alter_column(
        self,
        table_name: str,
        column_name: str,
        *,
        nullable: bool | None = None,
        server_default: Any = False,
        name: str | None = None,
        type_: Any = None,
        schema: str | None = None,
        autoincrement: bool | None = None,
        comment: Any = False,
        existing_comment: str | None = None,
        existing_type: Any = None,
        existing_server_default: Any = None,
        existing_nullable: bool | None = None,
        existing_autoincrement: bool | None = None,
        **kw: Any,
    ) -> None:
        """Change a column (Alembic's signature: ``name`` is the new name; ``False`` for
        ``server_default`` and ``comment`` leaves them alone, ``None`` drops them; ``kw``:
        dialect options such as ``postgresql_using``).  How the dialect makes the change is
        :meth:`change_column`."""
        self.change_column(
            table_name,
            column_name,
            AlterColumn(
                schema=schema,
                nullable=nullable,
                type_=type_,
                server_default=server_default,
                new_column_name=name,
                comment=comment,
                autoincrement=autoincrement,
                using=kw.get("postgresql_using"),
                existing_type=existing_type,
                existing_nullable=existing_nullable,
                existing_server_default=existing_server_default,
                existing_comment=existing_comment,
                existing_autoincrement=existing_autoincrement,
                kw=dict(kw),
            ),
        )

    def change_column(self, table_name: str, column_name: str, change: AlterColumn) -> None:
        """Change a column: nullability, default, type, comment, then the name (in that order)."""
        schema = change.schema
        existing = change.described()
        if change.nullable is not None:
            self._exec(ColumnNullable(table_name, column_name, change.nullable, **existing))
        generated = generated_change(change)
        if generated is not None:
            self.alter_generated(table_name, column_name, schema, *generated)
        elif change.server_default is not False:
            self._exec(ColumnDefault(table_name, column_name, change.server_default, **existing))
        if change.type_ is not None:
            self._exec(
                ColumnType(table_name, column_name, change.type_, using=change.using, **existing)
            )
        if change.comment is not False:
            column = change.column_on_table(table_name, column_name)
            column.comment = change.comment
            if change.comment is not None:
                self.create_column_comment(column)
            else:
                self.drop_column_comment(column)
        if change.new_column_name:
            self._exec(ColumnName(table_name, column_name, change.new_column_name, **existing))

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
            self.render_ddl_sql_expr(expressions[new])
            if expressions and new in expressions
            else quote(old)
            for new, old in columns
        )
        self._exec(
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
            self._exec(RenameConstraint(table.name, table.schema, old=old, new=new))

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

    def add_constraint(self, const: Any, **kw: Any) -> None:
        """ALTER TABLE ... ADD a constraint of a table (one this database makes at all: a
        type's CHECK only where the type needs one)."""
        if self.creates(const):
            self._exec(AddConstraint(const, **kw))

    def drop_constraint(self, const: Constraint, **kw: Any) -> None:
        """ALTER TABLE ... DROP a constraint of a table (its kind says the grammar MySQL needs;
        ``if_exists=``)."""
        table = const.table
        self._exec(
            DropNamedConstraint(
                constraint_name(const),
                table.name,
                constraint_kind(const),
                table.schema,
                bool(kw.get("if_exists")),
            )
        )

    def drop_type_check(self, check: Constraint) -> None:
        """Drop the CHECK a column's old type made, before its type changes."""
        self.drop_constraint(check)

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
                self._exec(table.insert().values(**values))
        elif multiinsert:
            self._exec(table.insert(), multiparams=list(rows))
        else:
            for row in rows:
                self._exec(table.insert(), params=row)

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

    def compare_check_constraint(
        self, metadata_constraint: Constraint, reflected_constraint: Constraint
    ) -> ComparisonResult:
        """Whether a CHECK of the model and the database's of the same name are the same (the
        SQL a database gives back rarely reads as written: equal unless overridden)."""
        return ComparisonResult.Equal()

    def adjust_reflected_dialect_options(
        self, reflected_object: Mapping[str, Any], kind: str
    ) -> dict[str, Any]:
        """The dialect options of a reflected index or constraint, as comparison sees them."""
        return dict(reflected_object.get("dialect_options") or {})

    def render_ddl_sql_expr(self, expr: Any, is_server_default: bool = False, **kw: Any) -> str:
        """A SQL expression (a server default, an index expression) as this dialect writes it,
        values inlined."""
        compiled = expr.compile(
            dialect=self.dialect, compile_kwargs={"literal_binds": True, "include_table": False}
        )
        return str(compiled)

    # -- batch mode's hooks (Alembic's names and signatures) --------------------------------------

    def requires_recreate_in_batch(self, batch_op: Any) -> bool:
        """True when a batch's operations (``batch_op.batch``, ``batch_op.operations``) need the
        table rebuilt with ``recreate="auto"``; here never (plain ALTERs)."""
        return False

    def alters_in_place(self, name: str, args: Sequence[Any], kw: Mapping[str, Any]) -> bool:
        """Whether this database's ALTER TABLE makes one change of a batch (``name``: the
        method of this class it calls, with ``args`` and ``kw``); SQLite's says where a table
        rebuild is needed."""
        return True

    def prep_table_for_batch(self, batch_impl: Any, table: Table) -> None:
        """Called with the table as it is, before a rebuild creates its replacement (a hook for
        implementations that must clear names first; still's rebuilds use temporary names)."""

    def cast_for_batch_migrate(
        self, existing: Column[Any], existing_transfer: dict[str, Any], new_type: Any
    ) -> None:
        """How a rebuild copies a column whose type changes: ``existing_transfer["expr"]`` (the
        old column) becomes a CAST to the new type where the kind of type changes."""
        from sqlalchemy import cast as sql_cast

        if not same_affinity(existing.type, new_type):
            existing_transfer["expr"] = sql_cast(existing_transfer["expr"], new_type)


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


def column_on_table(table_name: str, column: Column[Any], schema: str | None) -> Column[Any]:
    """``column``, or when it belongs to no table (an add-on's implementation may pass the
    operation's column as it is) a copy on a table of its own, as the compilers need it."""
    if column.table is not None:
        return column
    copy = column._copy()
    Table(table_name, MetaData(), copy, schema=schema)
    return copy


def column_name_of(column: Column[Any] | str) -> str:
    return column if isinstance(column, str) else str(column.name)


def constraint_name(const: Constraint) -> str | None:
    """A constraint's name as given (or made by a naming convention); None when it has none."""
    return const.name if isinstance(const.name, str) else None


def constraint_kind(const: Constraint) -> str | None:
    """``foreignkey`` / ``primary`` / ``unique`` / ``check`` (None: some other constraint)."""
    for kind, cls in (
        ("foreignkey", ForeignKeyConstraint),
        ("primary", PrimaryKeyConstraint),
        ("unique", UniqueConstraint),
        ("check", CheckConstraint),
    ):
        if isinstance(const, cls):
            return kind
    return None


def overridden(impl: Any, name: str) -> bool:
    """True when ``impl``'s class replaces the method ``name`` of still's implementations (a
    user's or an add-on's subclass): autogenerate then asks it instead of comparing by
    itself.  still's own dialect classes define some of these hooks (Alembic's parameter
    names, or the dialect's answer for Alembic's callers); those do not count."""
    for klass in type(impl).__mro__:
        if name in vars(klass):
            return not klass.__module__.startswith("still.")
    return False
