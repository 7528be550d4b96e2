"""The migration lock: one process at a time moves a database.  When it is taken is decided
here (:func:`lock_for_run`, :func:`heads_under_lock`, called by :mod:`still.runtime.run_loop`);
how, by each database's implementation (``DefaultImpl.migration_lock``, in ``ddl/postgresql.py``,
``ddl/mysql.py``, ``ddl/sqlite.py``).

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

from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from still.ddl import impl_for
from still.ddl.locks import LockTimeout
from still.ddl.mysql import mysql_name
from still.ddl.postgresql import postgresql_key

if TYPE_CHECKING:
    from still.runtime.migration import MigrationContext

__all__ = [
    "DEFAULT_TIMEOUT",
    "TIMEOUT_LIMITS",
    "LockTimeout",
    "heads_under_lock",
    "lock_for_run",
    "lock_name",
    "migration_lock",
    "mysql_name",
    "postgresql_key",
]

DEFAULT_TIMEOUT = 300.0
# migration_lock_timeout, in seconds: SQLite's busy_timeout counts milliseconds in a 32-bit int.
TIMEOUT_LIMITS: dict[str, Any] = {
    "minimum": 0,
    "maximum": 2_147_483,
    "unit": "seconds",
    "example": "300",
}


def lock_name(version_table: str, schema: str | None) -> str:
    """The lock's name: one lock per version table (and so per migration history)."""
    return f"still:{schema + '.' if schema else ''}{version_table}"


def migration_lock(
    connection: Connection,
    name: str,
    timeout: float,
    whole_run_in_one_transaction: bool,
    owns_transaction: bool,
) -> AbstractContextManager[None]:
    """Hold the migration lock of ``connection``'s database for the block (its implementation's
    ``migration_lock``); :class:`LockTimeout` after ``timeout`` seconds."""
    return impl_for(connection.dialect.name).migration_lock(
        connection,
        name,
        timeout,
        whole_run_in_one_transaction=whole_run_in_one_transaction,
        owns_transaction=owns_transaction,
    )


def lock_for_run(context: MigrationContext) -> AbstractContextManager[None]:
    """The lock a run of ``context`` holds (none with ``--sql`` or ``migration_lock = false``),
    named after its version table, waiting up to ``migration_lock_timeout``."""
    if context.as_sql or context.connection is None or not context._option("migration_lock", True):
        return nullcontext()
    transactions = context.transactions
    timeout = context._option("migration_lock_timeout", DEFAULT_TIMEOUT)
    return context.impl.migration_lock(  # the database's own lock (ddl/<database>.py)
        context.connection,
        lock_name(context._versions.name, context._versions.schema),
        timeout,
        whole_run_in_one_transaction=not transactions.per_migration
        or transactions.user_transaction,
        owns_transaction=not transactions.user_transaction,
    )


def heads_under_lock(context: MigrationContext) -> tuple[str, ...]:
    """The heads, read once the lock is held.  On MySQL/MariaDB a locking read: the process
    that held the lock before may not have committed yet (env.py commits after
    ``run_migrations()`` returns); it waits for that, and reads what was committed."""
    assert context.connection is not None
    share = context.impl.reads_heads_locking and context._option("migration_lock", True)
    return context._versions.read(context.connection, share=share)
