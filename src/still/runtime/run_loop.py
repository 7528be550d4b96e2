"""One ``run_migrations()``: plan first, then ask, then lock and run.

:meth:`RunLoop.run` reads the heads the version table records and calls the plan function once;
with no steps it returns at once (no lock, no question: an application's start-up at head).
Otherwise the command's approval (the data-loss question, which may wait for a person) runs with
no transaction of still's open (``Transactions.outside_transaction``), then the migration lock is
taken (:mod:`still.runtime.locking`), the heads are read again under it (another process may have
done the work; a different plan is approved again), an interrupted migration is looked for
(:mod:`still.runtime.run_journal`), and the steps run (:mod:`still.runtime.step_runner`).

When env.py opened the transaction itself, still cannot end it, so a snapshot its first read took
would outlast the wait: the lock is taken first, and the question is asked inside that
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from still.graph import Step
from still.runtime.locking import heads_under_lock, lock_for_run
from still.runtime.run_journal import RunJournal
from still.runtime.step_runner import StepRunner

if TYPE_CHECKING:
    from still.runtime.migration import Approval, MigrationContext, PlanFunction


class RunLoop:
    """One run of ``context``'s plan function, approved by ``approve`` (when given)."""

    def __init__(
        self, context: MigrationContext, plan: PlanFunction, approve: Approval | None
    ) -> None:
        self.context = context
        self.plan = plan
        self.approve = approve

    def run(self, kw: Mapping[str, Any]) -> None:
        context = self.context
        context.transactions.note_user_transaction()
        if context.transactions.user_transaction and not context.as_sql:
            # env.py's transaction is not still's to end, so a snapshot its first read took
            # (REPEATABLE READ, SERIALIZABLE) would outlast the wait: the lock comes first.
            with lock_for_run(context):
                self._plan_and_run(kw, locked=True)
            return
        self._plan_and_run(kw, locked=False)

    def _plan_and_run(self, kw: Mapping[str, Any], locked: bool) -> None:
        context = self.context
        heads = heads_under_lock(context) if locked else context.get_current_heads()
        steps = list(self.plan(heads))
        if not steps:
            return  # nothing to do: no lock taken (the common start-up path stays fast)
        journal = RunJournal(context)
        if locked:
            # env.py owns the transaction: the question comes inside it (still cannot end it).
            self._approved(steps)
            StepRunner(context, heads, journal).run(steps, kw)
            return
        self._approved_outside_transaction(steps)
        with lock_for_run(context):
            if not context.as_sql:
                # Another process may have moved the database while this one waited.
                fresh = heads_under_lock(context)
                if fresh != heads:
                    heads = fresh
                    approved = _shape(steps)
                    steps = list(self.plan(heads))
                    if not steps:
                        return
                    if _shape(steps) != approved:
                        self._approved(steps)  # a different plan: asked again (rare)
                journal.check(steps)
            StepRunner(context, heads, journal).run(steps, kw)

    def _approved(self, steps: Sequence[Step]) -> None:
        if self.approve is not None:
            self.approve(steps)

    def _approved_outside_transaction(self, steps: Sequence[Step]) -> None:
        """The command's approval (which may wait for a person) with no transaction of still's
        open."""
        approve = self.approve
        if approve is not None:
            self.context.transactions.outside_transaction(lambda: approve(steps))


def _shape(steps: Sequence[Step]) -> list[tuple[str | None, bool]]:
    return [(step.revision, step.is_upgrade) for step in steps]
