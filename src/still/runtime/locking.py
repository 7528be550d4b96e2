"""The migration lock: one process at a time moves a database.

Each database lends its own means: PostgreSQL an advisory lock (per database), MySQL/MariaDB a
named lock (``GET_LOCK``, per server, so the name includes the database), SQLite its write lock
(``BEGIN IMMEDIATE``).  All three are tied to the connection, so a process that dies releases its
lock with its connection.  The lock is taken only when there is something to do; the caller reads
the version table again once it holds the lock, since another process may have done the work.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from still.errors import StillError

DEFAULT_TIMEOUT = 300.0
# migration_lock_timeout, in seconds: SQLite's busy_timeout counts milliseconds in a 32-bit int.
TIMEOUT_LIMITS: dict[str, Any] = {
    "minimum": 0,
    "maximum": 2_147_483,
    "unit": "seconds",
    "example": "300",
}
_POLL = 0.05


class LockTimeout(StillError):
    """Another process held the migration lock for longer than the timeout."""


def lock_name(version_table: str, schema: str | None) -> str:
    """The lock's name: one lock per version table (and so per migration history)."""
    return f"still:{schema + '.' if schema else ''}{version_table}"


def postgresql_key(name: str) -> int:
    """A signed 64-bit key for ``pg_advisory_lock`` derived from the lock's name."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def mysql_name(connection: Connection, name: str) -> str:
    """MySQL's named locks are server-wide and at most 64 characters long."""
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar() or ""
    full = f"{name}@{database}"
    if len(full) <= 64:
        return full
    return "still:" + hashlib.blake2b(full.encode("utf-8"), digest_size=16).hexdigest()


@contextmanager
def migration_lock(
    connection: Connection,
    name: str,
    timeout: float,
    whole_run_in_one_transaction: bool,
    owns_transaction: bool,
) -> Iterator[None]:
    """Hold the migration lock for the block; :class:`LockTimeout` after ``timeout`` seconds.

    ``whole_run_in_one_transaction``: the run commits once at the end, so a lock that lasts as
    long as the transaction suffices (and is released by a rollback too).
    ``owns_transaction``: still began the open transaction (env.py did not), so still may end it.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        with _postgresql(connection, name, timeout, whole_run_in_one_transaction):
            yield
    elif dialect in ("mysql", "mariadb"):
        with _mysql(connection, name, timeout, owns_transaction):
            yield
    elif dialect == "sqlite" and owns_transaction and whole_run_in_one_transaction:
        _sqlite(connection, timeout)
        yield  # released by the run's COMMIT or ROLLBACK
    else:
        yield  # no lock this database offers: the version table's row checks still apply


def _wait(try_once: Callable[[], bool], name: str, timeout: float, how: str) -> None:
    deadline = time.monotonic() + timeout
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockTimeout(
                f"Another process has held the migration lock ({how}, {name!r}) for more than "
                f"{timeout:g} s, so nothing was run. It is probably migrating this database now: "
                "wait for it, then run the command again (there will be nothing left to do if it "
                "succeeded). To wait longer, set migration_lock_timeout = SECONDS in the [alembic] "
                "section of the configuration. A process that died does not keep the lock."
            )
        time.sleep(_POLL)


@contextmanager
def _postgresql(
    connection: Connection, name: str, timeout: float, transactional: bool
) -> Iterator[None]:
    key = postgresql_key(name)
    function = "pg_try_advisory_xact_lock" if transactional else "pg_try_advisory_lock"
    statement = text(f"SELECT {function}(:key)")
    _wait(
        lambda: bool(connection.execute(statement, {"key": key}).scalar()),
        name,
        timeout,
        f"PostgreSQL advisory lock {key}",
    )
    try:
        yield
    finally:
        if not transactional:
            _release(connection, text("SELECT pg_advisory_unlock(:key)"), {"key": key})


@contextmanager
def _mysql(
    connection: Connection, name: str, timeout: float, owns_transaction: bool
) -> Iterator[None]:
    full = mysql_name(connection, name)
    statement = text("SELECT GET_LOCK(:name, :wait)")
    # GET_LOCK waits by itself; asked in short slices so the timeout is ours to report.
    _wait(
        lambda: connection.execute(statement, {"name": full, "wait": 1}).scalar() == 1,
        full,
        max(timeout - 1, 0),
        "MySQL named lock",
    )
    if owns_transaction and connection.in_transaction():
        # InnoDB's snapshot began with the first read: end it, so the version table is read anew.
        connection.commit()
    try:
        yield
    finally:
        _release(connection, text("SELECT RELEASE_LOCK(:name)"), {"name": full})


def _sqlite(connection: Connection, timeout: float) -> None:
    # The version table was read in a deferred transaction, which cannot wait to become a writer
    # while another connection writes (SQLite answers "database is locked" at once).  Nothing has
    # been written yet: end it, and begin again as the writer, waiting up to the timeout.
    transaction = connection.get_transaction()
    if transaction is not None:
        transaction.rollback()
    connection.begin()
    # The wait is ours; the connection (maybe the application's own) keeps its busy timeout.
    previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except Exception as exc:
        if "locked" in str(exc).lower():
            raise LockTimeout(
                f"Another process kept the SQLite database locked for more than {timeout:g} s, "
                "so nothing was run. It is probably migrating this database now: wait for it, "
                "then run the command again. To wait longer, set migration_lock_timeout = SECONDS "
                "in the [alembic] section of the configuration."
            ) from exc
        raise
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous or 0)}")


def _release(connection: Connection, statement: object, params: dict[str, object]) -> None:
    try:
        connection.execute(statement, params)  # type: ignore[call-overload]
    except Exception:
        # The connection is broken or its transaction failed: the lock ends with the connection,
        # and the error that got us here is the one to report.
        pass
