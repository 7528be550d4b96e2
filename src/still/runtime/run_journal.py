"""The journal's part in one run, where DDL commits by itself (MySQL/MariaDB).

:mod:`still.runtime.journal` is the journal itself: the rows, what they say, what a crash left.
This module is what a run does with it, at three moments:

* before the first step, under the migration lock (:meth:`RunJournal.check`): a migration an
  earlier run left half-way is finished by this run when it comes first and its file is
  unchanged; otherwise nothing runs, and the message says what committed and how to settle it;
* around each step's function (:meth:`RunJournal.for_step`): a :class:`Journal` watching the
  connection, replaying as no-ops the statements an interrupted run already committed; the rows
  are deleted with the version row (:meth:`RunJournal.version_row_written`);
* after a failure (:meth:`RunJournal.record_half_applied`): what of the failed migration
  committed goes into the ledger, for ``still resolve``, in place of the journal's rows.

Nothing here runs with ``--sql``, on a database whose DDL is transactional, or (for what is
read and written in the ledger) without the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from still.graph import Step
from still.runtime import journal
from still.runtime.journal import CannotResume, Interruption, Journal, Outcome
from still.runtime.ledger import checksum

if TYPE_CHECKING:
    from still.runtime.migration import MigrationContext
    from still.script import Script


class RunJournal:
    """The journal of one run of a :class:`~still.runtime.migration.MigrationContext`."""

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        # The journal of the step running, for the failure report.
        self.current: Journal | None = None
        # The interrupted migration this run finishes (its first step), until that step begins.
        self.resume: Interruption | None = None
        # Whether journal rows may be in the ledger: deleted with the next version row.
        self.rows_in_ledger = False
        # The last failed step: (script, start time, what it left).
        self.failed: tuple[Script | None, Any, Outcome] | None = None

    def _applies(self) -> bool:
        context = self.context
        return (
            not context.as_sql
            and context.connection is not None
            and not context.impl.transactional_ddl
        )

    def check(self, steps: Sequence[Step]) -> None:
        """Before a run: a migration an earlier run left half-way (the process killed, its
        connection lost) is finished by this run if it comes first and its file is unchanged;
        otherwise nothing runs, and the message says what committed and how to settle it."""
        context = self.context
        ledger = context.ledger
        if not self._applies() or ledger is None:
            return
        connection = context.connection
        assert connection is not None
        interruption = journal.read_interruption(
            ledger.read(connection, direction=journal.DIRECTION)
        )
        if interruption is None:
            return
        self.rows_in_ledger = True
        unfinished = interruption.last_unfinished
        doubt = journal.settle_doubt(connection, interruption)
        if all(step.revision is None for step in steps):
            return  # a stamp settles it; the journal's rows go with its first step
        first = steps[0]
        script = context.revisions.script(first.revision) if first.revision else None
        reason = None
        if doubt is not None:
            reason = (
                "still cannot tell from the schema whether the statement running when it "
                f"stopped committed:\n  {journal.shown(doubt)}"
            )
        elif not interruption.matches(first):
            reason = f"this run would begin with the {first.direction} of {first.revision}"
        elif (
            script is not None
            and interruption.checksum
            and checksum(script.file_path) != interruption.checksum
        ):
            reason = f"its file ({script.path}) changed since"
        if reason is not None:
            raise CannotResume(journal.stopped_message(interruption, reason))
        last = interruption.rows[-1]
        if unfinished is not None and last.finished_at is None:
            # the schema told: record it, so that a later interruption reads the same
            detail = json.loads(last.detail or "{}")
            if interruption.committed[-1:] != [unfinished]:
                detail["statements"] = detail.get("statements", [])[:-1]
            with context.begin_transaction(_per_migration=True):
                ledger.settle_journal_row(context.impl, last.id, json.dumps(detail))
        self.resume = interruption

    def for_step(self, step: Step, script: Script | None) -> Journal | None:
        """The journal watching ``step``'s function (none where it does not apply); the
        statements an interrupted run committed are not sent again."""
        self.failed = None
        self.current = None
        if not self._applies() or step.revision is None:
            return None
        context = self.context
        assert context.connection is not None
        digest = checksum(script.file_path) if script is not None else None
        resume = self.resume if self.resume is not None and self.resume.matches(step) else None
        if resume is not None:
            self.resume = None
            context.note(
                f"{step.revision} was interrupted earlier; {len(resume.committed)} of its "
                "statements committed then and are not sent again (the journal in the ledger "
                "lists them)."
            )
        self.current = Journal(
            context.connection,
            context.ledger,
            step,
            digest,
            resume.committed if resume is not None else (),
        )
        return self.current

    def version_row_written(self) -> None:
        """The step's version row is written: the journal's rows go in the same transaction."""
        context = self.context
        ledger = context.ledger
        if ledger is None:
            return
        if self.rows_in_ledger or (self.current is not None and self.current.rows_written):
            ledger.clear_journal(context.impl)  # committed with the version row
            self.rows_in_ledger = False

    def step_failed(self, script: Script | None, started_at: Any, exc: Exception) -> None:
        if self.current is not None:
            self.failed = (script, started_at, self.current.outcome(exc))

    def record_half_applied(self, step: Step) -> None:
        """Where DDL commits itself, a failed migration may have left part of itself behind: the
        ledger keeps what of it committed, for ``still resolve``, in place of the journal's rows.
        (Where the connection was lost this cannot be written: the journal's rows stay, and the
        next run reads them.)"""
        context = self.context
        failed = self.failed
        ledger = context.ledger
        if failed is None or context.impl.transactional_ddl or ledger is None:
            return
        script, started_at, outcome = failed
        if outcome.lost_connection:
            return  # the journal's rows stay: the next run finishes the migration
        try:
            with context.begin_transaction(_per_migration=True):
                if outcome.committed:
                    detail = json.dumps(
                        {
                            "completed_operations": outcome.operations,
                            "statements": [sql for _, sql in outcome.committed],
                            "operation_of_each": [op for op, _ in outcome.committed],
                        }
                    )
                    ledger.record_failure(context.impl, step, script, started_at, detail)
                ledger.clear_journal(context.impl)
        except Exception:  # the report of the failure matters more than this note
            pass
