"""The migration lock: one process at a time moves a database.

Each database lends its own means: PostgreSQL an advisory lock (per database), MySQL/MariaDB a
named lock (``GET_LOCK``, per server, so the name includes the database), SQLite its write lock
(``BEGIN IMMEDIATE``).  All three are tied to a connection, so a process that dies releases its
lock with its connection.  The lock is taken only when there is something to do; the caller reads
the version table again once it holds the lock, since another process may have done the work.

That second read must see what the previous holder *committed*, whatever the isolation level and
whoever commits the transaction (still, or env.py after ``run_migrations()`` has returned and the
lock is released).  Under REPEATABLE READ or SERIALIZABLE a transaction keeps the snapshot of its
first read (PostgreSQL: of its first statement), and on MariaDB a read keeps row and metadata
locks that the holder may be waiting for.  So:

* the transaction of the first read, when still began it, is committed *before* waiting (it has
  only read), so the second read begins a new one; when env.py owns the transaction, still cannot
  end it, so the caller takes the lock before its first read;
* PostgreSQL: the lock is held by a second connection to the database (autocommit), so waiting
  never starts a snapshot in the migration's transaction.  Once it is granted, that connection
  waits until the previous holder's migration transaction has ended (a transaction-level advisory
  lock, which that transaction took as its first statement), and only then does this process's
  migration transaction take it, as its first statement: its snapshot follows that commit;
* MySQL/MariaDB: ``GET_LOCK`` starts no snapshot, so it is taken on the migration's connection;
  the caller reads the version table with a locking read (``LOCK IN SHARE MODE``), which waits for
  the previous holder's transaction and reads what it committed.
"""

from __future__ import annotations

import hashlib
import time
import weakref
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
    long as the transaction suffices (and is released by a rollback too): SQLite's.
    ``owns_transaction``: still began the open transaction (env.py did not), so still may end it.
    """
    dialect = connection.dialect.name
    server = dialect in ("postgresql", "mysql", "mariadb")
    if server and owns_transaction and connection.in_transaction():
        # The version table was read in this transaction: under REPEATABLE READ or SERIALIZABLE
        # its snapshot (and on MariaDB its row and metadata locks) would outlive the wait.  It
        # has only read, so it ends here; the next read begins a new one.
        connection.commit()
    if dialect == "postgresql":
        with _postgresql(connection, name, timeout):
            yield
    elif dialect in ("mysql", "mariadb"):
        with _mysql(connection, name, timeout):
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
def _postgresql(connection: Connection, name: str, timeout: float) -> Iterator[None]:
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
        _wait(
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
        _wait(lambda: bool(holder.execute(_PG_TRY, {"key": key}).scalar()), name, timeout, how)
        try:
            if not ours:
                # In autocommit, each try takes the transaction-level lock and gives it back.
                _wait(
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
            _release(holder, _PG_UNLOCK, {"key": key})
    finally:
        holder.close()


# In Connection.info: (key, a weak reference to the transaction that holds it).
_HELD = "still_transaction_lock"
_PG_TRY = text("SELECT pg_try_advisory_lock(:key)")
_PG_UNLOCK = text("SELECT pg_advisory_unlock(:key)")
_PG_TRY_XACT = text("SELECT pg_try_advisory_xact_lock(:key)")
_PG_XACT = text("SELECT pg_advisory_xact_lock(:key)")


@contextmanager
def _mysql(connection: Connection, name: str, timeout: float) -> Iterator[None]:
    full = mysql_name(connection, name)
    statement = text("SELECT GET_LOCK(:name, :wait)")
    # GET_LOCK waits by itself; asked in short slices so the timeout is ours to report.
    _wait(
        lambda: connection.execute(statement, {"name": full, "wait": 1}).scalar() == 1,
        full,
        max(timeout - 1, 0),
        "MySQL named lock",
    )
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
