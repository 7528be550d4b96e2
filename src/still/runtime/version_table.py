"""The version table (``alembic_version``): where the database says it stands.

Kept exactly as Alembic keeps it: one ``version_num VARCHAR(32)`` column, primary key named
``<table>_pkc``, one row per head that is applied.
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, select
from sqlalchemy.engine import Connection

from still.ddl import DefaultImpl
from still.errors import CommandError
from still.graph import Step


class VersionTable:
    def __init__(self, name: str = "alembic_version", schema: str | None = None, pk: bool = True):
        self.name = name
        self.schema = schema
        self.table = Table(
            name, MetaData(), Column("version_num", String(32), nullable=False), schema=schema
        )
        if pk:
            self.table.append_constraint(PrimaryKeyConstraint("version_num", name=f"{name}_pkc"))

    def exists(self, connection: Connection) -> bool:
        return inspect(connection).has_table(self.name, schema=self.schema)

    def read(self, connection: Connection) -> tuple[str, ...]:
        """The recorded heads; ``()`` when the table is missing (a database at base)."""
        if not self.exists(connection):
            return ()
        rows = connection.execute(select(self.table.c.version_num)).scalars().all()
        return tuple(rows)

    def create(self, impl: DefaultImpl) -> None:
        impl.create_table(self.table)

    def write(self, impl: DefaultImpl, step: Step) -> None:
        """Record a step as Alembic does: DELETE the heads that go, UPDATE the last of them to
        the last new head, INSERT the other new heads."""
        column = self.table.c.version_num
        removes, adds = list(step.removes), list(step.adds)
        updated = (removes.pop(), adds.pop()) if removes and adds else None
        for old in removes:
            self._expect_one(impl.execute(self.table.delete().where(column == old)), old, impl)
        if updated is not None:
            old, new = updated
            statement = self.table.update().where(column == old).values(version_num=new)
            self._expect_one(impl.execute(statement), old, impl)
        for new in adds:
            impl.execute(self.table.insert().values(version_num=new))

    def _expect_one(self, result: object, revision: str, impl: DefaultImpl) -> None:
        if impl.as_sql or result is None:
            return
        rowcount = getattr(result, "rowcount", 1)
        if rowcount != 1:
            raise CommandError(
                f"The version table {self.name} no longer holds revision {revision!r}: another "
                "process changed it during this run. Run `still current` to see where the "
                "database stands, then try again."
            )
