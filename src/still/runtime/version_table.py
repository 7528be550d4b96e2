"""The version table (``alembic_version``): where the database says it stands.

Kept exactly as Alembic keeps it: one ``version_num VARCHAR(32)`` column, primary key named
``<table>_pkc``, one row per head that is applied.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, select
from sqlalchemy.engine import Connection

from still.ddl import DefaultImpl
from still.errors import CommandError
from still.graph import Step

# Stand-ins for revision ids in the --sql statement templates: no revision id looks like these.
_OLD = "still_old_revision_stand_in"
_NEW = "still_new_revision_stand_in"


class VersionTable:
    def __init__(
        self,
        name: str = "alembic_version",
        schema: str | None = None,
        pk: bool = True,
        table: Table | None = None,
    ):
        """``table``: the table as the DDL implementation's ``version_table_impl()`` makes it
        (a third-party implementation may give it another shape, as in Alembic)."""
        self.name = name
        self.schema = schema
        self._templates: dict[tuple[int, str], str] = {}
        self._compilers: dict[
            int, Any
        ] = {}  # per dialect (each holds its dialect: ids stay unique)
        if table is None:
            table = Table(
                name, MetaData(), Column("version_num", String(32), nullable=False), schema=schema
            )
            if pk:
                table.append_constraint(PrimaryKeyConstraint("version_num", name=f"{name}_pkc"))
        self.table = table

    def exists(self, connection: Connection) -> bool:
        return inspect(connection).has_table(self.name, schema=self.schema)

    def read(self, connection: Connection, share: bool = False) -> tuple[str, ...]:
        """The recorded heads; ``()`` when the table is missing (a database at base).

        ``share``: a locking read (``FOR SHARE`` / ``LOCK IN SHARE MODE``), which waits for a
        transaction that changed the rows and reads what it committed, whatever the snapshot."""
        if not self.exists(connection):
            return ()
        query = select(self.table.c.version_num)
        if share:
            query = query.with_for_update(read=True)
        return tuple(connection.execute(query).scalars().all())

    def create(self, impl: DefaultImpl) -> None:
        impl.create_table(self.table)

    def write(self, impl: DefaultImpl, step: Step) -> None:
        """Record a step as Alembic does: DELETE the heads that go, UPDATE the last of them to
        the last new head, INSERT the other new heads."""
        removes, adds = list(step.removes), list(step.adds)
        updated = (removes.pop(), adds.pop()) if removes and adds else None
        for old in removes:
            self._run(impl, "delete", old, None, expect_one=True)
        if updated is not None:
            old, new = updated
            self._run(impl, "update", old, new, expect_one=True)
        for new in adds:
            self._run(impl, "insert", None, new)

    def _one_row(self, rowcount: int, revision: str) -> None:
        if rowcount != 1:
            raise CommandError(
                f"The version table {self.name} no longer holds revision {revision!r}: another "
                "process changed it during this run. Run `still current` to see where the "
                "database stands, then try again."
            )

    def _statement(self, kind: str, old: str | None, new: str | None) -> Any:
        column = self.table.c.version_num
        if kind == "delete":
            return self.table.delete().where(column == old)
        if kind == "update":
            return self.table.update().where(column == old).values(version_num=new)
        return self.table.insert().values(version_num=new)

    def _run(
        self,
        impl: DefaultImpl,
        kind: str,
        old: str | None,
        new: str | None,
        expect_one: bool = False,
    ) -> None:
        if not impl.as_sql:
            statement = self._statement(kind, old, new)

            def check(rowcount: int) -> None:  # a DELETE / UPDATE of a head touches one row
                if expect_one:
                    self._one_row(rowcount, str(old))

            if impl.pipeline is not None:  # the row count is known once the pipeline is read
                impl.pipeline.execute(statement, check)
            else:
                check(getattr(impl.execute(statement), "rowcount", 1))
            return
        # --sql: each statement shape is compiled once per run, with stand-ins for the ids that
        # are then replaced by the ids as the dialect writes string literals (the same text
        # SQLAlchemy would give; thousands of steps no longer compile thousands of statements).
        key = (id(impl.dialect), kind)
        template = self._templates.get(key)
        if template is None:
            template = impl.compile(self._statement(kind, _OLD, _NEW))
            self._templates[key] = template
        # The compiler's own literal rendering (MySQL's escapes backslashes there, not in the type).
        compiler = self._compilers.get(id(impl.dialect))
        if compiler is None:
            compiler = self._compilers[id(impl.dialect)] = impl.dialect.statement_compiler(
                impl.dialect, None
            )
        type_ = self.table.c.version_num.type

        def literal(value: str) -> str:
            return str(compiler.render_literal_value(value, type_))

        rendered = template
        if old is not None:
            rendered = rendered.replace(literal(_OLD), literal(old))
        if new is not None:
            rendered = rendered.replace(literal(_NEW), literal(new))
        impl.emit_rendered(rendered)
