"""What SQL Server and Oracle share: ``if_not_exists`` / ``if_exists`` without such a clause, ADD
without COLUMN, and foreign-key options their grammar lacks refused before anything runs.

SQL Server has ``DROP ... IF EXISTS`` (2016+) but no ``CREATE TABLE/INDEX IF NOT EXISTS`` and no
guarded ``ADD`` column: the statement is put under an ``IF`` that asks the catalog
(``OBJECT_ID``, ``sys.indexes``, ``COL_LENGTH``).  Oracle before 23ai has no ``IF [NOT] EXISTS``
at all: the statement runs from a PL/SQL block (``EXECUTE IMMEDIATE``) that ignores the one error
meaning "already there" (or "not there").  Both forms run the same online and in ``--sql`` scripts;
an offline Oracle script ends each block with a ``/`` line, as SQL*Plus and SQLcl need.  Each
database's module (:mod:`still.ddl.mssql`, :mod:`still.ddl.oracle`) compiles :class:`Guarded`.

:class:`Guarded` wraps other DDL constructs: the first is the guarded statement, the rest run only
if it ran (the comments and indexes of a table ``create_table(if_not_exists=True)`` created).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from sqlalchemy import Column, ForeignKeyConstraint, Index, Table
from sqlalchemy.schema import CreateIndex, ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler

from still.ddl.elements import AddColumn, column_definition, table_name
from still.ddl.impl import DefaultImpl, column_on_table
from still.errors import StillError

# What can be guarded (each database's compile function knows how).
GUARDS = frozenset(
    {
        "create_table",
        "create_index",
        "add_column",
        "drop_table",
        "drop_index",
        "drop_column",
        "drop_constraint",
    }
)


class Guarded(ExecutableDDLElement):
    """``statements[0]`` unless the guard says it is already done; then ``statements[1:]``.

    ``guard`` is one of :data:`GUARDS`; ``table`` / ``schema`` the table concerned and
    ``name`` the index or column (SQL Server's catalog check needs them)."""

    def __init__(
        self,
        guard: str,
        statements: Sequence[ExecutableDDLElement],
        table: str,
        schema: str | None = None,
        name: str | None = None,
    ) -> None:
        if guard not in GUARDS:
            raise ValueError(f"unknown guard {guard!r}")
        self.guard = guard
        self.statements = list(statements)
        self.table = table
        self.schema = schema
        self.name = name


def compiled_sql(compiler: DDLCompiler, element: ExecutableDDLElement, **kw: Any) -> str:
    """A construct as the compiler writes it, without surrounding white space."""
    return str(compiler.process(element, **kw)).strip()


def add_column_without_keyword(element: AddColumn, compiler: DDLCompiler, **kw: Any) -> str:
    """``ALTER TABLE ... ADD <column>`` (no COLUMN keyword), each database registers it."""
    # Alembic 1.20 leaves the column's own constraints out here (a CHECK on the Column is then
    # lost); both databases accept them inline, so still keeps them.
    return (
        f"ALTER TABLE {table_name(compiler, element.table_name, element.schema)} "
        f"ADD {column_definition(compiler, element)}"
    )


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
        self.refuse_foreign_key_options(table.foreign_key_constraints)
        if not kw.get("if_not_exists"):
            super().create_table(table)
            return
        # Comments and indexes only with a table this statement created.
        statements = self.create_table_ddl(table)
        with self.table_events("create", table):
            self._exec(Guarded("create_table", statements, table.name, table.schema))

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
        self.refuse_foreign_key_options(column.table.foreign_key_constraints)
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

    # -- foreign-key options the grammar lacks -------------------------------------------------

    # The referential actions the database's grammar has (ON DELETE / ON UPDATE; None: no ON
    # UPDATE at all), and whether it has DEFERRABLE / INITIALLY.
    foreign_key_on_delete: ClassVar[frozenset[str]] = frozenset()
    foreign_key_on_update: ClassVar[frozenset[str] | None] = None
    deferrable_foreign_keys: ClassVar[bool] = True

    def add_constraint(self, const: Any, **kw: Any) -> None:
        if isinstance(const, ForeignKeyConstraint):
            self.refuse_foreign_key_options([const])
        super().add_constraint(const, **kw)

    def refuse_foreign_key_options(self, constraints: Iterable[ForeignKeyConstraint]) -> None:
        """Refuse, before anything runs, foreign-key options the database's grammar lacks.

        SQL Server has no deferrable constraints: dropping DEFERRABLE silently would check each
        row at once where the migration counted on a check at COMMIT, so the option is refused
        instead, naming it; a migration that targets several databases passes it only where it
        applies."""
        label = self.display_name
        on_delete, on_update = self.foreign_key_on_delete, self.foreign_key_on_update
        for fk in constraints:
            table = getattr(fk, "parent", None)
            what = f"foreign key {fk.name or '(unnamed)'}" + (
                f" of {table.name}" if table is not None else ""
            )
            problems = []
            if not self.deferrable_foreign_keys and fk.deferrable is not None:
                problems.append(f"deferrable={fk.deferrable!r}")
            if not self.deferrable_foreign_keys and fk.initially is not None:
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
