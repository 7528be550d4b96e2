"""The ledger: still's own table recording every migration applied, reverted or stamped.

One row per step: revision, direction, start and end time, duration, still's version, the user
and host that ran it, and a checksum of the revision file as it ran.  The first time a database
that is not at base gets a ledger, a ``baseline`` row records where it stood, so that later
checks (``still verify``) know which history the ledger can vouch for.

The ledger is off unless the configuration switches it on (``ledger = true``, which the ini that
``still init`` writes has): an existing Alembic project's database changes only when asked.
"""

from __future__ import annotations

import datetime
import getpass
import hashlib
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

from still.graph import Step

if TYPE_CHECKING:
    from still.ddl import DefaultImpl
    from still.script import Script

DEFAULT_NAME = "still_ledger"


@dataclass(frozen=True)
class Entry:
    """One row of the ledger."""

    id: int
    revision: str
    # upgrade, downgrade, stamp, baseline, failed, resolved, undone; journal (runtime/journal.py)
    direction: str
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    duration_ms: int | None
    still_version: str | None
    user: str | None
    host: str | None
    checksum: str | None
    detail: str | None = None


def checksum(path: Path) -> str:
    """The SHA-256 of a revision file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (containers without a passwd entry)
        return "?"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("still")
    except PackageNotFoundError:
        return "?"


class Ledger:
    """The ledger table of one database (``schema.name``)."""

    def __init__(self, name: str = DEFAULT_NAME, schema: str | None = None) -> None:
        self.name = name
        self.schema = schema
        self.table = Table(
            name,
            MetaData(),
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("revision", String(255), nullable=False),
            Column("direction", String(10), nullable=False),
            Column("started_at", DateTime),
            Column("finished_at", DateTime),
            Column("duration_ms", Integer),
            Column("still_version", String(40)),
            Column("run_by", String(255)),
            Column("host", String(255)),
            Column("checksum", String(64)),
            Column("detail", Text),
            schema=schema,
        )

    def _columns(self, connection: Connection) -> set[str]:
        return {c["name"] for c in inspect(connection).get_columns(self.name, schema=self.schema)}

    def exists(self, connection: Connection) -> bool:
        return inspect(connection).has_table(self.name, schema=self.schema)

    def ensure(self, impl: DefaultImpl, connection: Connection, heads: Sequence[str]) -> None:
        """Create the table if it is missing; a database not at base gets a baseline row.  A
        ledger made by an earlier still gets the columns it lacks."""
        if self.exists(connection):
            present = self._columns(connection)
            for column in self.table.columns:
                if column.name not in present and column.nullable:
                    impl.add_column(self.name, column.copy(), schema=self.schema)
            return
        impl.create_table(self.table)
        if heads:
            now = utc_now()
            self._insert(impl, ",".join(heads), "baseline", now, now, None)

    def record(
        self,
        impl: DefaultImpl,
        step: Step,
        script: Script | None,
        started: datetime.datetime,
    ) -> None:
        """Record one step (inside the step's transaction, beside the version table change)."""
        if step.revision is not None:
            revision, direction = step.revision, step.direction
            digest = checksum(script.file_path) if script is not None else None
        else:
            revision, direction, digest = ",".join(step.adds) or "<base>", "stamp", None
        self._insert(impl, revision, direction, started, utc_now(), digest)

    def record_failure(
        self,
        impl: DefaultImpl,
        step: Step,
        script: Script | None,
        started: datetime.datetime,
        detail: str,
    ) -> None:
        """A migration that failed half-way where DDL commits itself: what of it ran (JSON)."""
        digest = checksum(script.file_path) if script is not None else None
        self._insert(impl, step.revision or "?", "failed", started, utc_now(), digest, detail)

    def record_resolution(self, impl: DefaultImpl, revision: str, how: str) -> None:
        """``still resolve``: the failed migration finished by hand, or its part undone."""
        now = utc_now()
        self._insert(impl, revision, how, now, now, None)

    # -- the journal (still.runtime.journal): rows of a migration that is running -----------------

    def journal_row(
        self,
        revision: str,
        started: datetime.datetime,
        digest: str | None,
        detail: dict[str, object],
    ) -> Executable:
        """The row written before a statement that commits by itself (``finished_at`` unset)."""
        import json

        return self.table.insert().values(
            revision=revision,
            direction="journal",
            started_at=started,
            still_version=_version(),
            run_by=f"{_user()}"[:255],
            host=socket.gethostname()[:255],
            checksum=digest,
            detail=json.dumps(detail),
        )

    def finish_journal_row(self, row_id: int, finished: datetime.datetime) -> Executable:
        """The statement of row ``row_id`` has returned: it committed."""
        return self.table.update().where(self.table.c.id == row_id).values(finished_at=finished)

    def settle_journal_row(self, impl: DefaultImpl, row_id: int, detail: str) -> None:
        """A row whose statement was in doubt, once the schema told: the statements it lists
        committed."""
        impl.execute(
            update(self.table)
            .where(self.table.c.id == row_id)
            .values(finished_at=utc_now(), detail=detail)
        )

    def clear_journal(self, impl: DefaultImpl) -> None:
        """The migration the journal followed is finished (or settled): its rows go."""
        impl.execute(delete(self.table).where(self.table.c.direction == "journal"))

    def _insert(
        self,
        impl: DefaultImpl,
        revision: str,
        direction: str,
        started: datetime.datetime,
        finished: datetime.datetime,
        digest: str | None,
        detail: str | None = None,
    ) -> None:
        duration = int((finished - started).total_seconds() * 1000)
        impl.execute(
            self.table.insert().values(
                revision=revision,
                direction=direction,
                started_at=started,
                finished_at=finished,
                duration_ms=duration,
                still_version=_version(),
                run_by=f"{_user()}"[:255],
                host=socket.gethostname()[:255],
                checksum=digest,
                detail=detail,
            )
        )

    def read(self, connection: Connection, direction: str | None = None) -> list[Entry]:
        """Every row (or those of one direction), oldest first; empty when the table does not
        exist."""
        if not self.exists(connection):
            return []
        c = self.table.c
        present = self._columns(connection)
        columns = [column for column in self.table.columns if column.name in present]
        query = select(*columns).order_by(c.id)
        if direction is not None:
            query = query.where(c.direction == direction)
        rows = connection.execute(query).all()
        return [
            Entry(
                id=row.id,
                revision=row.revision,
                direction=row.direction,
                started_at=row.started_at,
                finished_at=row.finished_at,
                duration_ms=row.duration_ms,
                still_version=row.still_version,
                user=row.run_by,
                host=row.host,
                checksum=row.checksum,
                detail=getattr(row, "detail", None),
            )
            for row in rows
        ]


def utc_now() -> datetime.datetime:
    # Naive UTC: DateTime columns without a time zone behave the same on every database.
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
