"""What the migration lock of every database shares: waiting with a timeout, the error, and
releasing a lock on a connection that may be broken.  Each database's lock is a method of its
implementation (``DefaultImpl.migration_lock``, answered in ``ddl/postgresql.py``,
``ddl/mysql.py``, ``ddl/sqlite.py``); ``runtime/locking.py`` says when it is taken."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.engine import Connection

from still.errors import EXIT_DATABASE, StillError

_POLL = 0.05


class LockTimeout(StillError):
    """Another process held the migration lock for longer than the timeout."""

    exit_code = EXIT_DATABASE


def commit_read(connection: Connection, owns_transaction: bool) -> None:
    """The version table was read in this transaction: under REPEATABLE READ or SERIALIZABLE
    its snapshot (and on MariaDB its row and metadata locks) would outlive the wait.  It has only
    read, so it ends here (when still began it); the next read begins a new one."""
    if owns_transaction and connection.in_transaction():
        connection.commit()


def wait_for(try_once: Callable[[], bool], name: str, timeout: float, how: str) -> None:
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


def release(connection: Connection, statement: object, params: dict[str, object]) -> None:
    try:
        connection.execute(statement, params)  # type: ignore[call-overload]
    except Exception:
        # The connection is broken or its transaction failed: the lock ends with the connection,
        # and the error that got us here is the one to report.
        pass
