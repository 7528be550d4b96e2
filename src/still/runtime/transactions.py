"""The transaction policy of a migration run: whose transaction it is, where it begins and ends.

PostgreSQL and SQLite: one transaction for the whole run, or one per migration with
``transaction_per_migration``; MySQL/MariaDB commit DDL by themselves, so each migration is
committed with its version row.  A transaction env.py (or the application) began is theirs:
still never commits it.  ``--sql`` writes ``BEGIN``/``COMMIT`` framing instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy.engine import Connection

from still.ddl import DefaultImpl


class Transactions:
    """The transactions of one ``MigrationContext`` (its connection, or its SQL script)."""

    def __init__(
        self,
        impl: DefaultImpl,
        connection: Connection | None,
        as_sql: bool,
        transaction_per_migration: bool,
    ) -> None:
        self.impl = impl
        self.connection = connection
        self.as_sql = as_sql
        self.transaction_per_migration = transaction_per_migration
        # Set when env.py opened the connection's transaction itself.
        self.user_transaction = False
        # How many of still's own transaction blocks are open around the current code.
        self.ours = 0

    @property
    def per_migration(self) -> bool:
        # Where DDL commits by itself (MySQL/MariaDB), each migration is committed with its
        # version row, so a failure leaves the version table at the last completed migration.
        return self.transaction_per_migration or not self.impl.transactional_ddl

    def begin(self, _per_migration: bool = False) -> AbstractContextManager[Any]:
        """The transaction env.py wraps ``run_migrations()`` in (``_per_migration=False``), and the
        one around each step (``True``)."""
        if self.as_sql:
            frame = _per_migration == self.per_migration and self.impl.transactional_ddl
            return self._offline_frame() if frame else nullcontext()
        assert self.connection is not None
        if not _per_migration:
            if self.connection.in_transaction():
                # env.py (or the application) owns the transaction; never commit it for them.
                self.user_transaction = True
                return nullcontext()
            if self.per_migration:
                return self._commit_at_end()
            return self._transaction()
        if self.user_transaction or not self.per_migration:
            return nullcontext()
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        connection = self.connection
        assert connection is not None
        self.impl.begin(connection)
        self.ours += 1
        # The transaction open at the end is the one to finish: an autocommit_block() inside
        # commits the first and begins another.
        try:
            yield
        except BaseException:
            current = connection.get_transaction()
            if current is not None and current.is_active:
                current.rollback()
            raise
        else:
            current = connection.get_transaction()
            if current is not None and current.is_active:
                current.commit()
        finally:
            self.ours -= 1

    @contextmanager
    def _commit_at_end(self) -> Iterator[None]:
        assert self.connection is not None
        self.ours += 1
        try:
            yield
        except BaseException:
            if self.connection.in_transaction():
                self.connection.rollback()
            raise
        finally:
            self.ours -= 1
        if self.connection.in_transaction():
            self.connection.commit()

    @contextmanager
    def _offline_frame(self) -> Iterator[None]:
        self.impl.emit_begin()
        yield
        self.impl.emit_commit()

    @contextmanager
    def autocommit_block(self) -> Iterator[None]:
        """Run statements outside a transaction (``CREATE INDEX CONCURRENTLY`` and the like)."""
        if self.as_sql or self.connection is None:
            if self.impl.transactional_ddl:
                self.impl.emit_commit()
            yield
            if self.impl.transactional_ddl:
                self.impl.emit_begin()
            return
        connection = self.connection
        current = connection.get_transaction()
        if current is not None:
            current.commit()
        level = connection.get_isolation_level()
        connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield
        finally:
            current = connection.get_transaction()
            if current is not None:  # the autobegun wrapper of the autocommit statements
                current.commit()
            connection.execution_options(isolation_level=level)
            self.impl.begin(connection)

    def note_user_transaction(self) -> None:
        if (
            not self.as_sql
            and self.connection is not None
            and self.connection.in_transaction()
            and not self.ours
        ):
            # env.py (or the application) began the transaction itself without
            # context.begin_transaction() (the multidb template does): it is theirs to commit,
            # never still's.
            self.user_transaction = True

    def outside_transaction(self, decide: Callable[[], None]) -> None:
        """Call ``decide`` (a question that may wait for a person) with no transaction of
        still's open: the read transaction still began for the version table is committed (it
        has only read) and, inside ``begin()``, begun again afterwards.  env.py's own
        transaction is not still's to end: then ``decide`` runs inside it."""
        connection = self.connection
        ours = (
            not self.as_sql
            and connection is not None
            and not self.user_transaction
            and connection.in_transaction()
        )
        if not ours:
            decide()
            return
        assert connection is not None
        begun = self.ours > 0  # inside begin(): still's BEGIN is to be issued again
        connection.commit()
        decide()
        if begun:
            self.impl.begin(connection)
