"""The steps of one planned run, in order: each revision's ``upgrade()`` or ``downgrade()`` in its
transaction, its version row, its ledger row, and the report of a failure.

:class:`StepRunner` runs once the plan is approved and the lock held
(:mod:`still.runtime.run_loop`): every revision module of the plan is imported before the first
runs (a broken file leaves the database untouched), the version table and the ledger are made if
missing, ``op`` is bound to an :class:`~still.operations.base.Operations` on the context, and each
step runs in ``begin_transaction(_per_migration=True)``.  A failure becomes
:class:`~still.errors.MigrationFailed` from the run's facts
(:mod:`still.runtime.failure_report`), attributed through the psycopg pipeline to the statement
that failed (:mod:`still.runtime.pipelining`); where DDL commits by itself the journal keeps what
committed (:mod:`still.runtime.run_journal`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from still.compat import alembic_names
from still.ddl.pipeline import PipelineFailure
from still.errors import MigrationFailed, StillError
from still.graph import Step
from still.runtime.ledger import utc_now
from still.runtime.pipelining import earlier_failure, pipeline_for_run
from still.runtime.run_journal import RunJournal

if TYPE_CHECKING:
    from still.runtime.migration import MigrationContext
    from still.script import Script


class StepRunner:
    """Runs the approved steps of one run of a context, from the heads it read (``heads``)."""

    def __init__(
        self, context: MigrationContext, heads: tuple[str, ...], journal: RunJournal
    ) -> None:
        self.context = context
        # The heads the run began from (for the failure report), and after each step so far.
        self.heads_at_start = heads
        self.heads_now = heads
        self.journal = journal

    def run(self, steps: list[Step], kw: Mapping[str, Any]) -> None:
        reporter = self.context.reporter
        reporter.plan_started(steps)  # a terminal shows a progress bar for long runs
        try:
            self.load_revisions(steps)
            self._run_loaded(steps, kw)
        finally:
            reporter.finish()

    def load_revisions(self, steps: Sequence[Step]) -> None:
        """Import every revision the plan runs before the first one runs: a file that does not
        compile or import stops the command while the database is still untouched."""
        scripts = self.context.revisions
        with alembic_names():  # once for all of them (each load would install it again)
            for step in steps:
                if step.revision:
                    script = scripts.script(step.revision)
                    script.upgrade_function() if step.is_upgrade else script.downgrade_function()

    def _run_loaded(self, steps: list[Step], kw: Mapping[str, Any]) -> None:
        context = self.context
        heads = self.heads_at_start
        context._ensure_version_table(heads)
        self._ensure_ledger(heads)
        # imported when there is work: an application at head never needs the operations
        from still.operations.base import Operations
        from still.operations.proxy import operations_in_effect

        operations = Operations(context)
        with pipeline_for_run(context) as pipeline, operations_in_effect(operations):
            completed: list[Step] = []
            for step in steps:
                try:
                    with context.begin_transaction(_per_migration=True):
                        self.run_step(step, completed, kw)
                except MigrationFailed:
                    self.journal.record_half_applied(step)
                    raise
                completed.append(step)
            if pipeline is not None:  # wait for the statements sent, before the commit
                self._flush(completed)

    def _ensure_ledger(self, heads: tuple[str, ...]) -> None:
        context = self.context
        ledger = context.ledger
        if ledger is None:
            return
        assert context.connection is not None
        with context.begin_transaction(_per_migration=True):
            ledger.ensure(context.impl, context.connection, heads)

    def run_step(self, step: Step, completed: list[Step], kw: Mapping[str, Any]) -> None:
        context = self.context
        impl = context.impl
        impl.start_step()
        started = time.perf_counter()
        started_at = utc_now()
        script = context.revisions.script(step.revision) if step.revision else None
        context.reporter.step_started(step, script)
        if context.as_sql and script is not None:
            # Escaped: a line break in a revision id must not end the SQL comment.
            comment = _arrow(step).encode("unicode_escape").decode("ascii")
            impl.static_output(f"-- Running {step.direction} {comment}")
        journal = self.journal.for_step(step, script)
        context.operation_done = journal.operation_done if journal else count_nothing
        pipeline = impl.pipeline
        if pipeline is not None:
            pipeline.step = step
        try:
            if script is not None:
                fn = script.upgrade_function() if step.is_upgrade else script.downgrade_function()
                with journal if journal is not None else nullcontext():
                    fn(**kw)
            context._versions.write(impl, step)
            ledger = context.ledger
            if ledger is not None:
                ledger.record(impl, step, script, started_at)
                self.journal.version_row_written()
            self._version_applied(step, script, kw)
            if pipeline is not None and context.transactions.per_migration:
                pipeline.flush()  # this step's transaction commits next
        except (StillError, BrokenPipeError):
            raise
        except Exception as exc:
            earlier = earlier_failure(impl.pipeline, exc)
            if earlier is not None:  # a statement sent before this one failed first
                raise self._pipelined_failure(earlier, completed) from earlier.orig
            failure = self._failure(step, script, completed, exc)
            self.journal.step_failed(script, started_at, exc)
            raise failure from exc
        finally:
            context.operation_done = count_nothing
        context.reporter.step_finished(step, script, time.perf_counter() - started)

    def _flush(self, completed: list[Step]) -> None:
        """Wait for the statements sent; a failure among them is reported as its step's."""
        pipeline = self.context.impl.pipeline
        if pipeline is None:
            return
        try:
            pipeline.flush()
        except PipelineFailure as exc:
            raise self._pipelined_failure(exc, completed) from exc.orig

    def _pipelined_failure(self, exc: PipelineFailure, completed: list[Step]) -> MigrationFailed:
        step: Step = exc.step
        before = completed[: completed.index(step)] if step in completed else list(completed)
        script = self.context.revisions.script(step.revision) if step.revision else None
        return self._failure(step, script, before, exc)

    def _version_applied(self, step: Step, script: Script | None, kw: Mapping[str, Any]) -> None:
        """``configure(on_version_apply=...)``: Alembic's callback after each step."""
        context = self.context
        callbacks = context.on_version_apply_callbacks
        if not callbacks:
            return
        from still.graph.steps import MigrationInfo

        if step.revision is not None and script is not None:
            up: Sequence[str] = (step.revision,)
            down: Sequence[str] = tuple(script.down_revisions)
        else:
            up, down = (step.adds, step.removes) if step.is_upgrade else (step.removes, step.adds)
        info = MigrationInfo(
            context.revisions.lookup(), step.is_upgrade, step.revision is None, up, down
        )
        heads = set(self.heads_now) - set(step.removes) | set(step.adds)
        self.heads_now = tuple(heads)
        for callback in callbacks:
            callback(ctx=context, step=info, heads=heads, run_args=dict(kw))

    def _failure(
        self, step: Step, script: Script | None, completed: list[Step], exc: Exception
    ) -> MigrationFailed:
        from still.runtime.failure_report import RunFacts, failure_report

        context = self.context
        facts = RunFacts(
            heads_at_start=self.heads_at_start,
            user_transaction=context.transactions.user_transaction,
            transactional_ddl=context.impl.transactional_ddl,
            per_migration=context.transactions.per_migration,
            database=context.impl.display_name or context.dialect.name,
            journal=self.journal.current,
            has_ledger=context.ledger is not None,
            dialect=context.dialect,
            offline=context.as_sql,
            readable=context.reflection_bind is not None,
        )
        return failure_report(facts, step, script, completed, exc)


def count_nothing(operation: Any) -> None:
    pass


def _arrow(step: Step) -> str:
    before = ", ".join(step.removes) or "<base>"
    after = ", ".join(step.adds) or "<base>"
    return f"{before} -> {after}"
