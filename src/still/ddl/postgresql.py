"""PostgreSQL: its implementation and the statements it writes its own way (RENAME of a column,
identity and generated columns changed in place)."""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    Computed,
    Identity,
    Index,
    Table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.sqltypes import NullType

from still.ddl.alter import (
    ColumnDefault,
    ColumnName,
    ColumnType,
    alter,
)
from still.ddl.change import AlterColumn
from still.ddl.elements import column_name
from still.ddl.generated import (
    IDENTITY_OPTIONS,
    ColumnExpression,
    ColumnIdentity,
    column_head,
    identity_differs,
    identity_kind,
    identity_options,
    refusal,
)
from still.ddl.impl import DefaultImpl
from still.ddl.locks import commit_read, release, wait_for
from still.errors import StillError


class PostgresqlImpl(DefaultImpl):
    __dialect__ = "postgresql"
    display_name = "PostgreSQL"
    transactional_ddl: bool = True

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
        """An advisory lock, held by a second connection (see ``_advisory_lock``)."""
        commit_read(connection, owns_transaction)
        with _advisory_lock(connection, name, timeout):
            yield

    type_synonyms = ({"NUMERIC", "DECIMAL"}, {"DOUBLE PRECISION", "FLOAT"})

    # -- capabilities (see DefaultImpl) ---------------------------------------------------------
    sqlglot_dialect = "postgres"
    rebuilds_tables = True
    heavy_operations: ClassVar[Mapping[str, str]] = {
        "alter_column": "may rewrite the table under an ACCESS EXCLUSIVE lock",
        "create_index": "blocks writes while it builds (postgresql_concurrently avoids that)",
        "add_constraint": "scans the table to validate, blocking writes",
    }
    named_enum_types = True
    serial_sequences = True
    reflected_default_casts = True
    reflects_deferrable = True
    compares_indexes_in_database = True

    @classmethod
    def normalise_type_ddl(cls, text: str, dialect: Any) -> str:
        # FLOAT(p) is REAL up to 24 binary digits, DOUBLE PRECISION above (and without p)
        if re.fullmatch(r"FLOAT(\((\d+)\))?", text):
            match = re.fullmatch(r"FLOAT\((\d+)\)", text)
            return "REAL" if match and int(match.group(1)) <= 24 else "DOUBLE PRECISION"
        return text

    @classmethod
    def generated_change_refusal(cls, dialect: Any, new: Any, existing: Any) -> str | None:
        if isinstance(new, Identity) or isinstance(existing, Identity):
            if isinstance(new, Computed) or isinstance(existing, Computed):
                return "a column cannot change between identity and computed in place"
            return None
        if not isinstance(existing, Computed):
            return "PostgreSQL cannot make an existing column generated"
        if isinstance(new, Computed):
            version = dialect.server_version_info
            if version is not None and version < (17,):
                return "changing a generated column's expression needs PostgreSQL 17"
        return None

    @classmethod
    def predicted_check_name(
        cls, dialect: Any, table: Table, sql: str, taken: set[str]
    ) -> str | None:
        # <table>_<column>_check (one column named) or <table>_check, numbered when taken
        words = set(re.findall(r"[A-Za-z_]\w*", re.sub(r"'(?:[^']|'')*'", "", sql)))
        used = [c.name for c in table.columns if c.name in words]
        base = f"{table.name}_{used[0]}_check" if len(used) == 1 else f"{table.name}_check"
        name, n = base, 1
        while name in taken:
            name, n = f"{base}{n}", n + 1
        return name if len(name) <= 63 else None

    @classmethod
    def predicted_foreign_key_name(
        cls, table: Table, columns: Sequence[str], taken: set[str]
    ) -> str | None:
        name = f"{table.name}_{'_'.join(columns)}_fkey"
        return name if len(name) <= 63 else None

    @classmethod
    def predicted_unique_name(
        cls, table: Table, columns: Sequence[str], taken: set[str]
    ) -> str | None:
        name = f"{table.name}_{'_'.join(columns)}_key"
        return name if len(name) <= 63 else None

    @classmethod
    def reflect_enum_types(cls, inspector: Any, schema: str | None) -> dict[str, list[str]]:
        return {
            e["name"]: list(e["labels"])
            for e in inspector.get_enums(schema=schema or inspector.default_schema_name)
        }

    @classmethod
    def extension_owned_tables(cls, inspector: Any, schema: str | None) -> set[str]:
        # PostGIS's spatial_ref_sys ...: tables pg_depend says an extension made
        bind: Any = inspector.bind
        # Bound by SQLAlchemy, not the driver: asyncpg does not take psycopg's %(name)s.
        rows = bind.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_depend d ON d.objid = c.oid AND d.deptype = 'e' "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname = :schema"
            ),
            {"schema": schema or inspector.default_schema_name},
        )
        return {row[0] for row in rows}

    def change_column(self, table_name: str, column_name: str, change: AlterColumn) -> None:
        # The type first (as Alembic orders it): a new default or NOT NULL may need the new type.
        if change.using is not None and change.type_ is None:
            raise StillError(
                f"alter_column({table_name!r}, {column_name!r}, postgresql_using=...) converts "
                "the column to a new type: pass type_= too."
            )
        if change.type_ is not None:
            self._exec(
                ColumnType(
                    table_name,
                    column_name,
                    change.type_,
                    using=change.using,
                    **change.described(),
                )
            )
            change = replace(change, type_=None, using=None)
        super().change_column(table_name, column_name, change)

    def create_index(self, index: Index, **kw: Any) -> None:
        # INCLUDE (...) names columns the index's stub table does not have yet.
        table = index.table
        assert table is not None
        for name in index.kwargs.get("postgresql_include") or ():
            if isinstance(name, str) and name not in table.c:
                table.append_column(Column(name, NullType()))
        super().create_index(index, **kw)

    def adjust_reflected_dialect_options(
        self, reflected_object: Mapping[str, Any], kind: str
    ) -> dict[str, Any]:
        options = super().adjust_reflected_dialect_options(reflected_object, kind)
        if not options.get("postgresql_include"):
            options.pop("postgresql_include", None)  # an empty INCLUDE () says nothing
        return options

    def render_ddl_sql_expr(
        self, expr: Any, is_server_default: bool = False, is_index: bool = False, **kw: Any
    ) -> str:
        from sqlalchemy.sql.elements import ColumnClause

        if is_index and not isinstance(expr, ColumnClause):
            expr = expr.self_group()  # an index expression in parentheses, as PostgreSQL's
        return super().render_ddl_sql_expr(expr, is_server_default=is_server_default, **kw)

    # Alembic's names for these hooks' parameters here (still calls them by position)
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

    def render_type(self, type_: Any, autogen_context: Any) -> str | bool:
        return super().render_type(type_, autogen_context)

    def alter_generated(
        self, table_name: str, column_name: str, schema: str | None, new: Any, existing: Any
    ) -> None:
        if isinstance(new, Identity) or isinstance(existing, Identity):
            self._alter_identity(table_name, column_name, schema, new, existing)
            return
        if not isinstance(existing, Computed):
            raise refusal(
                "PostgreSQL",
                table_name,
                column_name,
                new,
                existing,
                "PostgreSQL cannot make an existing column generated. Add a new column with "
                "sa.Computed(...) and drop the old one.",
            )
        if isinstance(new, Computed):
            version = self.dialect.server_version_info
            if self.connection is not None and version is not None and version < (17,):
                raise refusal(
                    "PostgreSQL",
                    table_name,
                    column_name,
                    new,
                    existing,
                    "changing a generated column's expression (SET EXPRESSION) needs PostgreSQL "
                    f"17; this server is {'.'.join(map(str, version))}.",
                )
            self._exec(ColumnExpression(table_name, column_name, schema, computed=new))
            return
        # DROP EXPRESSION keeps the values as plain data; then the new default, if any.
        self._exec(ColumnExpression(table_name, column_name, schema, computed=None))
        if new is not None:
            self._exec(ColumnDefault(table_name, column_name, new, schema=schema))

    def _alter_identity(
        self, table_name: str, column_name: str, schema: str | None, new: Any, existing: Any
    ) -> None:
        if isinstance(new, Computed) or isinstance(existing, Computed):
            raise refusal(
                "PostgreSQL",
                table_name,
                column_name,
                new,
                existing,
                "a column cannot change between identity and generated (computed) in place.",
            )
        before = existing if isinstance(existing, Identity) else None
        if before is not None and not isinstance(new, Identity):
            self._exec(ColumnIdentity(table_name, column_name, schema, identity=None))
            if new is not None:
                self._exec(ColumnDefault(table_name, column_name, new, schema=schema))
            return
        if before is not None and not identity_differs(new, before):
            return
        self._exec(ColumnIdentity(table_name, column_name, schema, identity=new, existing=before))
        if before is None and new.start is None:
            # Rows already there keep their values; the identity continues after them.
            self._continue_sequence(table_name, schema, column_name)

    # -- table rebuilds: sequences keep counting where the copied rows left off -------------------

    def copy_overriding(self, target: Table) -> str:
        always = any(
            isinstance(c.server_default, Identity) and c.server_default.always
            for c in target.columns
        )
        return "OVERRIDING SYSTEM VALUE " if always else ""

    def _sequence_columns(self, table: Table) -> list[str]:
        """Columns whose sequence the table owns: identity columns and SERIAL ones."""
        auto = table.autoincrement_column
        return [
            c.name
            for c in table.columns
            if isinstance(c.server_default, Identity) or (c is auto and c.server_default is None)
        ]

    def continue_sequences(self, table: Table) -> None:
        for column in self._sequence_columns(table):
            self._continue_sequence(table.name, table.schema, column)

    def _continue_sequence(self, table: str, schema: str | None, column: str) -> None:
        quoted = self.dialect.identifier_preparer.quote(column)
        sequence = f"pg_get_serial_sequence({self._regclass(table, schema)}, {_literal(column)})"
        self._exec(f"SELECT setval({sequence}, max({quoted})) FROM {self.qualified(table, schema)}")

    def keep_sequences(self, table: Table) -> None:
        # A SERIAL column's sequence belongs to the old table and would go with it.
        quote = self.dialect.identifier_preparer.quote
        for column in table.columns:
            default = column.server_default
            arg = getattr(default, "arg", None)
            found = re.search(r"nextval\('((?:[^']|'')+)'", str(getattr(arg, "text", arg) or ""))
            if found:
                sequence = found.group(1).replace("''", "'")
                self._exec(
                    f"ALTER SEQUENCE {sequence} OWNED BY "
                    f"{self.qualified(table.name, table.schema)}.{quote(column.name)}"
                )

    def name_sequences(self, table: Table, name: str) -> None:
        limit = self.dialect.max_identifier_length
        for column in self._sequence_columns(table):
            wanted = f"{name}_{column}_seq"
            if len(wanted) > limit:
                continue
            owner = self._regclass(name, table.schema)
            target = self._regclass(wanted, table.schema)
            self._exec(
                "DO $$ DECLARE seq text := pg_get_serial_sequence("
                f"{owner}, {_literal(column)}); BEGIN "
                f"IF seq IS NOT NULL AND to_regclass({target}) IS NULL THEN "
                "EXECUTE 'ALTER SEQUENCE ' || seq || ' RENAME TO ' || "
                f"quote_ident({_literal(wanted)}); "
                "END IF; END $$"
            )

    def _regclass(self, name: str, schema: str | None) -> str:
        return _literal(self.qualified(name, schema))


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# -- compiled constructs ---------------------------------------------------------------------


@compiles(ColumnName, "postgresql")
def _pg_rename_column(element: ColumnName, compiler: DDLCompiler, **kw: Any) -> str:
    return (
        f"{alter(compiler, element)} RENAME {column_name(compiler, element.column_name)} "
        f"TO {column_name(compiler, element.newname)}"
    )


@compiles(ColumnIdentity, "postgresql")
def _pg_identity(element: ColumnIdentity, compiler: DDLCompiler, **kw: Any) -> str:
    new: Identity | None = element.change["identity"]
    existing: Identity | None = element.change.get("existing")
    head = column_head(compiler, element, "ALTER COLUMN")
    if new is None:
        return f"{head} DROP IDENTITY"
    if existing is None:
        options = identity_options(compiler, new)
        return f"{head} ADD GENERATED {identity_kind(new)} AS IDENTITY{options}"
    sets = []
    if bool(new.always) != bool(existing.always):
        sets.append(f"SET GENERATED {identity_kind(new)}")
    for attribute, sql in IDENTITY_OPTIONS:
        value = getattr(new, attribute)
        if value is not None and value != getattr(existing, attribute):
            sets.append("SET " + sql.format(value))
    if bool(new.cycle) != bool(existing.cycle):
        sets.append("SET CYCLE" if new.cycle else "SET NO CYCLE")
    return f"{head} {' '.join(sets)}" if sets else ""


@compiles(ColumnExpression, "postgresql")
def _pg_expression(element: ColumnExpression, compiler: DDLCompiler, **kw: Any) -> str:
    computed: Computed | None = element.change["computed"]
    head = column_head(compiler, element, "ALTER COLUMN")
    if computed is None:
        return f"{head} DROP EXPRESSION"
    expression = compiler.sql_compiler.process(computed.sqltext, literal_binds=True)
    return f"{head} SET EXPRESSION AS ({expression})"


# -- the migration lock --------------------------------------------------------------------------


def postgresql_key(name: str) -> int:
    """A signed 64-bit key for ``pg_advisory_lock`` derived from the lock's name."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def _advisory_lock(connection: Connection, name: str, timeout: float) -> Iterator[None]:
    key = postgresql_key(name)
    # Held by the transaction that migrates, from its first statement to its end (commit or
    # rollback, by still or by env.py): the next holder waits for it before its first read.
    in_transaction = {"key": postgresql_key(name + ":transaction")}
    how = f"PostgreSQL advisory lock {key}"
    holder = connection.engine.connect()
    if holder.connection.dbapi_connection is connection.connection.dbapi_connection:
        # A pool that hands out one shared connection (StaticPool): no second connection to wait
        # on, so the migration's transaction waits itself (its snapshot then predates the grant:
        # right under READ COMMITTED only).
        holder.close()
        statement = text("SELECT pg_try_advisory_xact_lock(:key)")
        wait_for(
            lambda: bool(connection.execute(statement, {"key": key}).scalar()), name, timeout, how
        )
        yield
        return
    # This transaction already holds it: an earlier command ran in it (an application running
    # several commands in its own transaction); waiting for it would wait for ourselves.
    transaction = connection.get_transaction()
    held = connection.info.get(_HELD)
    ours = (
        transaction is not None
        and held is not None
        and held[0] == in_transaction["key"]
        and held[1]() is transaction
    )
    try:
        holder = holder.execution_options(isolation_level="AUTOCOMMIT")
        wait_for(lambda: bool(holder.execute(_PG_TRY, {"key": key}).scalar()), name, timeout, how)
        try:
            if not ours:
                # In autocommit, each try takes the transaction-level lock and gives it back.
                wait_for(
                    lambda: bool(holder.execute(_PG_TRY_XACT, in_transaction).scalar()),
                    name,
                    timeout,
                    f"{how}, held until the previous migration's transaction ends",
                )
                # Nobody else asks for it while this process holds the session lock: at once.
                connection.execute(_PG_XACT, in_transaction)
                current = connection.get_transaction()
                if current is not None:
                    connection.info[_HELD] = (in_transaction["key"], weakref.ref(current))
            yield
        finally:
            release(holder, _PG_UNLOCK, {"key": key})
    finally:
        holder.close()


# In Connection.info: (key, a weak reference to the transaction that holds it).
_HELD = "still_transaction_lock"
_PG_TRY = text("SELECT pg_try_advisory_lock(:key)")
_PG_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
_PG_TRY_XACT = text("SELECT pg_try_advisory_xact_lock(:key)")
_PG_XACT = text("SELECT pg_advisory_xact_lock(:key)")
