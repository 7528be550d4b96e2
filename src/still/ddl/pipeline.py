"""Sending a migration's DDL to PostgreSQL without waiting for each statement (psycopg 3).

Run one at a time, each statement costs a round trip during which Python waits for the server and
the server then waits for Python to build the next one.  In psycopg's pipeline mode the statements
still has compiled go out at once and the server works on them while still builds the next ones;
results are read back at synchronisation points.

What goes through the pipeline: statements that return no rows and that still itself compiled
(DDL constructs, the version table's INSERT / UPDATE / DELETE).  Anything else run on the
connection (a migration's ``op.execute``, a query through ``op.get_bind()``, a check SQLAlchemy
makes before a CREATE TYPE) first synchronises the pipeline and leaves it, then runs as usual.

A failure is found at the next synchronisation point, which may come after later statements were
sent.  Each statement sent is remembered with its cursor and the step (revision) it belongs to;
psycopg fills in a cursor's result only once its statement succeeded, so the first remembered
cursor without a result is the statement that failed.  :class:`PipelineFailure` names it, its
step and the server's error, as a failure outside a pipeline would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection


class PipelineFailure(Exception):
    """A statement sent through the pipeline failed; ``step`` is the label it was sent under."""

    def __init__(self, step: Any, statement: str | None, orig: BaseException) -> None:
        super().__init__(str(orig))
        self.step = step
        self.statement = statement
        self.orig = orig


@dataclass
class _Sent:
    cursor: Any
    step: Any
    statement: str
    check: Callable[[int], None] | None


class StatementPipeline:
    """Pipeline mode on one SQLAlchemy connection, entered and left as statements require."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.step: Any = None  # label for what is sent now (the runtime sets the current step)
        self._expected: Any = None
        self._check: Callable[[int], None] | None = None
        self._manager: Any = None
        self._pipeline: Any = None
        self._sent: list[_Sent] = []
        event.listen(connection, "before_cursor_execute", self._before_cursor_execute)

    @staticmethod
    def supported(connection: Connection) -> bool:
        """psycopg 3 (sync) with a libpq that has pipeline mode."""
        if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
            return False
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the psycopg dialect imported it
            return False
        driver = connection.connection.driver_connection
        return isinstance(driver, psycopg.Connection) and psycopg.Pipeline.is_supported()

    def execute(self, construct: Any, check: Callable[[int], None] | None = None) -> None:
        """Send ``construct`` (returns no rows); ``check`` gets its row count once it ran."""
        self._expected, self._check = construct, check
        try:
            self.connection.execute(construct)
        except PipelineFailure:
            raise
        except Exception as exc:
            # psycopg reports an earlier statement's error while sending a later one
            if self._pipeline is None:
                raise
            self._fail(getattr(exc, "orig", None) or exc)
        finally:
            self._expected = self._check = None

    def _before_cursor_execute(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        # DML: the statement handed to execute(); DDL (never cached): the compiled one
        invoked = getattr(context, "invoked_statement", None)
        if invoked is None:
            invoked = getattr(getattr(context, "compiled", None), "statement", None)
        ours = self._expected is not None and not executemany and invoked is self._expected
        if not ours:
            self.flush()
            return
        if self._pipeline is None:
            self._manager = self.connection.connection.driver_connection.pipeline()  # type: ignore[union-attr]
            self._pipeline = self._manager.__enter__()
        self._sent.append(_Sent(cursor, self.step, statement, self._check))

    def flush(self) -> None:
        """Wait for everything sent; leave pipeline mode.  Raises :class:`PipelineFailure`."""
        if self._pipeline is None:
            return
        try:
            self._pipeline.sync()
        except Exception as exc:
            self._fail(exc)
        sent, self._sent = self._sent, []
        self._leave()
        for item in sent:
            if item.check is not None:
                item.check(item.cursor.rowcount)

    def _leave(self, quietly: bool = False) -> None:
        manager, self._manager, self._pipeline = self._manager, None, None
        try:
            manager.__exit__(None, None, None)
        except Exception:
            # leaving after a failure: psycopg reports the statements it skipped (PipelineAborted)
            if not quietly:
                raise

    def _fail(self, error: BaseException) -> None:
        """Leave pipeline mode and raise ``error`` as the failure of the statement that failed:
        the first one sent whose result psycopg never filled in."""
        sent, self._sent = self._sent, []
        self._leave(quietly=True)
        failed = next((s for s in sent if s.cursor.pgresult is None), None)
        if failed is None:
            raise error
        raise PipelineFailure(failed.step, failed.statement, error) from error

    def close(self) -> None:
        """Leave pipeline mode without reporting (the run already failed), stop listening."""
        if self._pipeline is not None:
            self._sent = []
            self._leave(quietly=True)  # the failure that stopped the run is the one reported
        if event.contains(self.connection, "before_cursor_execute", self._before_cursor_execute):
            event.remove(self.connection, "before_cursor_execute", self._before_cursor_execute)
