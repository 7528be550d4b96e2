"""Per-dialect differences, one small class each."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Constraint,
    ForeignKeyConstraint,
    Identity,
    Index,
    Table,
    literal_column,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, DropIndex, DropTable
from sqlalchemy.sql.sqltypes import NullType

from still.ddl.alter import ColumnDefault, ColumnName, ColumnType, MySQLChangeColumn
from still.ddl.change import AlterColumn
from still.ddl.elements import (
    AddColumn,
    DDLText,
    DropColumn,
    DropNamedConstraint,
    nstring,
    tsql_string,
)
from still.ddl.generated import (
    ColumnExpression,
    ColumnIdentity,
    generated_change,
    identity_differs,
    refusal,
)
from still.ddl.guards import Description, Guarded
from still.ddl.impl import (
    REGISTRY,
    DefaultImpl,
    ExecutableDDL,
    column_name_of,
    column_on_table,
    constraint_kind,
    constraint_name,
)
from still.errors import StillError


class PostgresqlImpl(DefaultImpl):
    __dialect__ = "postgresql"
    transactional_ddl: bool = True
    type_synonyms = ({"NUMERIC", "DECIMAL"}, {"DOUBLE PRECISION", "FLOAT"})

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


class SQLiteImpl(DefaultImpl):
    __dialect__ = "sqlite"
    transactional_ddl = True
    alters_constraints = False

    def requires_recreate_in_batch(self, batch_op: Any) -> bool:
        """A batch is rebuilt unless SQLite's ALTER TABLE can make every change in it, and no
        column is placed (``insert_before`` / ``insert_after``)."""
        batch = list(batch_op.batch)
        if any(kw.get("insert_before") or kw.get("insert_after") for _, _, kw in batch):
            return True
        return not all(self.alters_in_place(name, args, kw) for name, args, kw in batch)

    def alters_in_place(self, name: str, args: Sequence[Any], kw: Mapping[str, Any]) -> bool:
        """What SQLite's ALTER TABLE can do: add a column (with a constant default, and not a
        stored generated one), rename a column, create or drop an index, rename the table."""
        if name == "add_column":
            return _sqlite_can_add(args[1])
        if name == "alter_column":
            return (
                kw.get("nullable") is None
                and kw.get("type_") is None
                and kw.get("server_default", False) is False
                and kw.get("autoincrement") is None
            )
        return name in ("create_index", "drop_index", "rename_table")

    def cast_for_batch_migrate(
        self, existing: Column[Any], existing_transfer: dict[str, Any], new_type: Any
    ) -> None:
        from sqlalchemy import JSON

        if isinstance(new_type, JSON):
            return  # SQLite stores JSON as text: the values copy as they are
        super().cast_for_batch_migrate(existing, existing_transfer, new_type)

    def render_ddl_sql_expr(self, expr: Any, is_server_default: bool = False, **kw: Any) -> str:
        rendered = super().render_ddl_sql_expr(expr, is_server_default=is_server_default, **kw)
        if is_server_default and _sqlite_needs_parentheses(rendered):
            return f"({rendered})"  # SQLite takes an expression default only in parentheses
        return rendered

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
        # SQLite's ALTER TABLE renames columns and nothing else.
        others = (
            change.nullable is not None
            or change.type_ is not None
            or change.server_default is not False
            or change.autoincrement is not None
        )
        if others:
            raise StillError(_batch_only(f"alter column {table_name}.{column_name}"))
        if change.new_column_name:
            self._exec(
                ColumnName(table_name, column_name, change.new_column_name, **change.described())
            )

    def add_constraint(self, const: Any, **kw: Any) -> None:
        if not self.creates(const):
            return
        name = const.name if isinstance(const.name, str) else ""
        raise StillError(_batch_only(f"add constraint {name}".rstrip()))

    def drop_constraint(self, const: Constraint, **kw: Any) -> None:
        name = const.name if isinstance(const.name, str) else ""
        raise StillError(_batch_only(f"drop constraint {name}".rstrip()))

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
        column = column_on_table(table_name, column, schema)
        # SQLite's ADD COLUMN has no IF NOT EXISTS: ask the database instead.
        if if_not_exists and column.name in self._column_names(table_name, schema, "if_not_exists"):
            return
        super().add_column(
            table_name,
            column,
            schema=schema,
            inline_references=inline_references,
            inline_primary_key=inline_primary_key,
        )

    def inline_constraints(self, column: Column[Any]) -> list[Constraint]:
        # SQLite has no ADD CONSTRAINT, but takes a CHECK in ADD COLUMN: the CHECK a type makes
        # (Boolean, non-native Enum) goes there (Alembic skips it with a warning).
        table = column.table
        return super().inline_constraints(column) + sorted(
            (
                c
                for c in table.constraints
                if isinstance(c, CheckConstraint) and c._type_bound and self.creates(c)
            ),
            key=lambda c: c._creation_order,
        )

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
        if if_exists and name not in self._column_names(table_name, schema, "if_exists"):
            return
        super().drop_column(table_name, name, schema=schema)

    def _column_names(self, table_name: str, schema: str | None, guard: str) -> set[str]:
        if self.connection is None:
            raise StillError(
                f"SQLite's ALTER TABLE has no {guard.replace('_', ' ').upper()} for columns, and "
                f"with --sql there is no database to ask whether {table_name} has the column. "
                f"Leave {guard}= out of the offline migration."
            )
        from sqlalchemy import inspect

        inspector = inspect(self.connection)
        if not inspector.has_table(table_name, schema=schema):
            return set()
        return {c["name"] for c in inspector.get_columns(table_name, schema=schema)}

    def create_table_comment(self, table: Table) -> None:
        pass  # SQLite keeps no comments; nothing to do

    def drop_table_comment(self, table: Table) -> None:
        pass

    def begin(self, connection: Connection) -> Any:
        # Python's sqlite3 module (and aiosqlite over it) opens transactions only before
        # INSERT/UPDATE/DELETE, so DDL would otherwise run in autocommit mode and survive a
        # rollback.  An explicit BEGIN makes the whole migration (DDL included) one transaction.
        transaction = super().begin(connection)
        if _driver_in_transaction(connection.connection.dbapi_connection) is False:
            connection.exec_driver_sql("BEGIN")
        return transaction


def _sqlite_can_add(column: Column[Any]) -> bool:
    """SQLite's ADD COLUMN takes constant defaults only, and no stored generated column."""
    from sqlalchemy import DefaultClause
    from sqlalchemy.sql import ClauseElement

    default = column.server_default
    if isinstance(default, DefaultClause) and isinstance(default.arg, ClauseElement):
        return False
    return not (isinstance(default, Computed) and default.persisted)


def _sqlite_needs_parentheses(rendered: str) -> bool:
    """Whether a rendered default is an expression (not a literal, a number or a keyword such
    as CURRENT_TIMESTAMP), which SQLite takes only in parentheses."""
    text = rendered.strip()
    if not text or text.startswith("("):
        return False
    if text[0] == "'" and text[-1] == "'":
        return False  # a string literal
    try:
        float(text)
        return False  # a number
    except ValueError:
        pass
    return not re.fullmatch(r"[A-Za-z_]+", text)  # NULL, TRUE, CURRENT_TIMESTAMP ... stand alone


def _batch_only(what: str) -> str:
    return (
        f"SQLite's ALTER TABLE cannot {what}. Write the change inside "
        "`with op.batch_alter_table(TABLE) as batch_op:`, which rebuilds the table (batch mode)."
    )


def _driver_in_transaction(dbapi_connection: Any) -> bool | None:
    """Whether the sqlite3 (or aiosqlite) connection has a transaction open; None if unknown."""
    for candidate in (dbapi_connection, getattr(dbapi_connection, "_connection", None)):
        state = getattr(candidate, "in_transaction", None)
        if isinstance(state, bool):
            return state
    return None


class MySQLImpl(DefaultImpl):
    """MySQL and MariaDB: every DDL statement commits by itself."""

    __dialect__ = "mysql"
    transactional_ddl = False
    identifier_limit = 64  # tables, columns, indexes and constraints alike
    type_synonyms = ({"NUMERIC", "DECIMAL"}, {"TINYINT", "BOOL"}, {"LONGTEXT", "JSON"})
    type_arg_extract = (r"character set ([\w\-_]+)", r"collate ([\w\-_]+)")

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


class GuardedDDLImpl(DefaultImpl):
    """A database without ``IF NOT EXISTS`` (SQL Server, Oracle before 23ai): each guarded
    statement is wrapped in the dialect's :class:`Guarded` block instead."""

    def _guarded(
        self,
        guard: bool,
        kind: str,
        statement: Any,
        table: str,
        schema: str | None,
        name: Any = None,
    ) -> None:
        """``statement``, or with ``guard`` the block that skips it when the object is already
        there (or, for drops, not there)."""
        self._exec(Guarded(kind, [statement], table, schema, name) if guard else statement)

    def create_table(self, table: Table, **kw: Any) -> None:
        refuse_foreign_key_options(self.dialect.name, table.foreign_key_constraints)
        if not kw.get("if_not_exists"):
            super().create_table(table)
            return
        # Comments and indexes only with a table this statement created.
        statements = self.create_table_ddl(table)
        events = self._table_events
        if events:
            self.run_table_event("before_create", table)
        self._exec(Guarded("create_table", statements, table.name, table.schema))
        if events:
            self.run_table_event("after_create", table)

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
        column = column_on_table(table_name, column, schema)
        # the column's foreign key is added after it: refuse its options before anything runs
        refuse_foreign_key_options(self.dialect.name, column.table.foreign_key_constraints)
        statement = AddColumn(
            table_name,
            column,
            schema,
            inline_references=bool(inline_references),
            inline_primary_key=bool(inline_primary_key),
            constraints=self.inline_constraints(column),
        )
        guard = bool(if_not_exists)
        self._guarded(guard, "add_column", statement, table_name, schema, column.name)

    def create_index(self, index: Index, **kw: Any) -> None:
        table = index.table
        assert table is not None
        statement = CreateIndex(index)
        guard = bool(kw.get("if_not_exists"))
        self._guarded(guard, "create_index", statement, table.name, table.schema, index.name)


class MSSQLImpl(GuardedDDLImpl):
    __dialect__ = "mssql"
    transactional_ddl = True
    batch_separator: ClassVar[str] = "GO"

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

    def add_constraint(self, const: Any, **kw: Any) -> None:
        if isinstance(const, ForeignKeyConstraint):
            refuse_foreign_key_options(self.dialect.name, [const])
        super().add_constraint(const, **kw)

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


class OracleImpl(GuardedDDLImpl):
    __dialect__ = "oracle"
    transactional_ddl = False
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
        events = self._table_events
        if events:
            self.run_table_event("before_drop", table)
        guard = bool(kw.get("if_exists"))
        self._guarded(guard, "drop_table", DropTable(table), table.name, table.schema)
        if events:
            self.run_table_event("after_drop", table)

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

    def add_constraint(self, const: Any, **kw: Any) -> None:
        if isinstance(const, ForeignKeyConstraint):
            refuse_foreign_key_options(self.dialect.name, [const])
        super().add_constraint(const, **kw)

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


# The referential actions each database's grammar has (ON DELETE / ON UPDATE).
_ACTIONS: dict[str, tuple[frozenset[str], frozenset[str] | None]] = {
    # SQL Server: both, without RESTRICT (NO ACTION is its default and means the same).
    "mssql": (
        frozenset({"CASCADE", "SET NULL", "SET DEFAULT", "NO ACTION"}),
        frozenset({"CASCADE", "SET NULL", "SET DEFAULT", "NO ACTION"}),
    ),
    # Oracle: ON DELETE CASCADE | SET NULL only; no ON UPDATE (SQLAlchemy leaves it out, warning).
    "oracle": (frozenset({"CASCADE", "SET NULL"}), None),
}


def refuse_foreign_key_options(dialect: str, constraints: Any) -> None:
    """Refuse, before anything runs, foreign-key options the database's grammar lacks.

    SQL Server has no deferrable constraints: dropping DEFERRABLE silently would check each row
    at once where the migration counted on a check at COMMIT, so the option is refused instead,
    naming it; a migration that targets several databases passes it only where it applies."""
    on_delete, on_update = _ACTIONS[dialect]
    label = {"mssql": "SQL Server", "oracle": "Oracle"}[dialect]
    for fk in constraints:
        table = getattr(fk, "parent", None)
        what = f"foreign key {fk.name or '(unnamed)'}" + (
            f" of {table.name}" if table is not None else ""
        )
        problems = []
        if dialect == "mssql" and fk.deferrable is not None:
            problems.append(f"deferrable={fk.deferrable!r}")
        if dialect == "mssql" and fk.initially is not None:
            problems.append(f"initially={fk.initially!r}")
        if fk.match is not None:
            problems.append(f"match={fk.match!r}")
        if fk.ondelete is not None and fk.ondelete.upper() not in on_delete:
            problems.append(f"ondelete={fk.ondelete!r}")
        if (
            on_update is not None
            and fk.onupdate is not None
            and fk.onupdate.upper() not in on_update
        ):
            problems.append(f"onupdate={fk.onupdate!r}")
        if problems:
            them = "them" if len(problems) > 1 else "it"
            raise StillError(
                f"{label} has no {', '.join(problems)} for the {what}. Leave {them} out for "
                f"{label}: pass {them} only where op.get_context().dialect.name is another "
                "database."
            )


IMPLEMENTATIONS = REGISTRY  # filled by DefaultImpl.__init_subclass__


def impl_for(dialect_name: str) -> type[DefaultImpl]:
    """The implementation class for a dialect name; the generic one for unknown dialects."""
    return REGISTRY.get(dialect_name, DefaultImpl)
