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
        """Record a step: one UPDATE where one head replaces another, else DELETEs and INSERTs."""
        column = self.table.c.version_num
        if len(step.removes) == 1 and len(step.adds) == 1:
            statement = (
                self.table.update()
                .where(column == step.removes[0])
                .values(version_num=step.adds[0])
            )
            self._expect_one(impl.execute(statement), step.removes[0], impl)
            return
        for old in step.removes:
            self._expect_one(impl.execute(self.table.delete().where(column == old)), old, impl)
        for new in step.adds:
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
