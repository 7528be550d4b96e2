"""``MigrationContext``: one connection (or one SQL script), the version table, and the run loop.

For every step of a plan: begin a transaction where the database honours one for DDL, call the
revision's ``upgrade()`` or ``downgrade()`` with ``op`` bound to this context, record the step in
the version table, commit.  A failure is reported as :class:`MigrationFailed`, naming the revision,
the statement, the database's error, and the state the database is left in.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, cast

from sqlalchemy.engine import Connection, Dialect

from still.compat import alembic_names
from still.ddl import DefaultImpl, impl_for
from still.ddl.pipeline import PipelineFailure, StatementPipeline
from still.errors import CommandError, MigrationFailed, StillError
from still.graph import Step
from still.hooks import Hooks
from still.runtime.journal import Interruption, Journal, Outcome
from still.runtime.ledger import DEFAULT_NAME, Ledger, utc_now
from still.runtime.reporting import logging_reporter
from still.runtime.transactions import Transactions
from still.runtime.version_table import VersionTable

if TYPE_CHECKING:
    from still.script import Script, ScriptDirectory

PlanFunction = Callable[[tuple[str, ...]], Sequence[Step]]
# A command's approval of a plan (the data-loss question): called with the steps after they are
# planned and before any transaction is open or the lock is taken; it raises to stop the run.
Approval = Callable[[Sequence[Step]], None]
# A command that only looks (``current``, ``check``, ``log``): given the context in place of a run.
Reader = Callable[["MigrationContext"], None]


class MigrationContext:
    """Runs migrations on one connection, or writes them as SQL (``as_sql``)."""

    def __init__(
        self,
        dialect: Dialect,
        connection: Connection | None,
        opts: Mapping[str, Any],
        environment_context: Any = None,
        *,
        script: ScriptDirectory | None = None,
        plan: PlanFunction | None = None,
        hooks: Hooks | None = None,
        approve: Approval | None = None,
        reader: Reader | None = None,
        reflection_bind: Connection | None = None,
    ) -> None:
        self.dialect = dialect
        self.connection = connection
        self.opts = dict(opts)
        if environment_context is not None:
            self.opts["environment_context"] = environment_context
        self.environment_context = self.opts.get("environment_context")
        self.script = script if script is not None else self.opts.get("script")
        # The revisions an application's fn(rev, context) steps run (see _application_plan).
        self._scripts: dict[str, Any] = {}
        if plan is None and self.opts.get("fn") is not None:
            plan = self._application_plan(self.opts["fn"])
        self._plan = plan
        self.hooks = hooks if hooks is not None else Hooks()
        self.reporter = self.hooks.reporter or logging_reporter
        self._approve = approve
        self.reader = reader
        # `upgrade --plan` runs offline but lends the live database for reading tables; `--sql
        # --shadow` lends the shadow database, also as op.get_bind() (runtime/offline_reads.py).
        self.reflection_bind = reflection_bind
        self.lends_bind = False
        # Called by Operations with each operation that ran: the journal's count, for `resolve`.
        self.operation_done: Callable[[Any], None] = _count_nothing
        self.as_sql = bool(opts.get("as_sql", False))
        self.output_buffer: TextIO = opts.get("output_buffer") or sys.stdout
        encoding = opts.get("output_encoding")
        if self.as_sql and encoding and hasattr(self.output_buffer, "buffer"):
            # configure(output_encoding=...): the --sql script in that encoding, not the locale's
            self.output_buffer.flush()
            self.output_buffer = cast(TextIO, _EncodedOutput(self.output_buffer.buffer, encoding))
        self.transaction_per_migration = bool(opts.get("transaction_per_migration", False))
        self._start_from_rev = opts.get("starting_rev")
        impl_class = impl_for(dialect.name)
        self.impl: DefaultImpl = impl_class(
            dialect,
            connection,
            self.as_sql,
            opts.get("transactional_ddl"),
            self.output_buffer,
            self.opts,
        )
        self.version_table: str = opts.get("version_table") or "alembic_version"
        self.version_table_schema: str | None = opts.get("version_table_schema")
        pk = bool(opts.get("version_table_pk", True))
        self._versions = VersionTable(
            self.version_table,
            self.version_table_schema,
            pk,
            table=self.impl.version_table_impl(
                version_table=self.version_table,
                version_table_schema=self.version_table_schema,
                version_table_pk=pk,
            ),
        )
        self.transactional_ddl: bool | None = opts.get("transactional_ddl")
        self.purge = bool(opts.get("purge", False))
        callbacks = opts.get("on_version_apply") or ()
        self.on_version_apply_callbacks: tuple[Any, ...] = (
            tuple(callbacks) if isinstance(callbacks, (list, tuple)) else (callbacks,)
        )
        # The last failed step where DDL commits itself: (script, start time, what it left).
        self._failed: tuple[Any, Any, Outcome] | None = None
        # Where DDL commits itself: the journal of the step running (runtime/journal.py), the
        # interrupted migration this run finishes, and whether journal rows may be in the ledger.
        self._journal: Journal | None = None
        self._resume: Interruption | None = None
        self._journal_rows = False
        self._heads_now: tuple[str, ...] = ()
        # Whose transaction it is, where it begins and ends (runtime/transactions.py).
        self.transactions = Transactions(
            self.impl, connection, self.as_sql, self.transaction_per_migration
        )
        self._heads_at_start: tuple[str, ...] = ()

    @classmethod
    def configure(
        cls,
        connection: Connection | None = None,
        url: Any = None,
        dialect_name: str | None = None,
        dialect: Dialect | None = None,
        environment_context: Any = None,
        dialect_opts: Mapping[str, Any] | None = None,
        opts: Mapping[str, Any] | None = None,
        **kw: Any,
    ) -> MigrationContext:
        """A context for a connection, or for a URL, dialect name or dialect (offline).

        ``opts`` are the options ``EnvironmentContext.configure()`` takes (``fn``,
        ``as_sql``, ``version_table`` ...)."""
        from sqlalchemy.engine import url as sa_url

        if connection is not None:
            if not hasattr(connection, "dialect") or not hasattr(connection, "execute"):
                raise CommandError(
                    f"MigrationContext.configure(connection={connection!r}): pass a SQLAlchemy "
                    "Connection (engine.connect()), not an Engine or a DBAPI connection."
                )
            dialect = connection.dialect
        elif dialect is not None:
            pass
        elif url is not None or dialect_name is not None:
            url = str(url) if url is not None else None
            from sqlalchemy.exc import ArgumentError, NoSuchModuleError

            target = url if url is not None else f"{dialect_name}://"
            try:
                dialect = sa_url.make_url(target).get_dialect()(**(dialect_opts or {}))
            except (ArgumentError, NoSuchModuleError) as exc:
                from still.config.urls import display_url

                raise CommandError(
                    f"The database URL {display_url(target)!r} cannot be used: {exc}. "
                    "Set sqlalchemy.url (alembic.ini, -x sqlalchemy.url=..., or SQLALCHEMY_URL) "
                    "to a URL such as postgresql+psycopg://user@host/dbname."
                ) from exc
        else:
            raise CommandError(
                "No database URL for --sql: sqlalchemy.url is not set. Set it in alembic.ini, pass "
                "-x sqlalchemy.url=dialect://..., or set SQLALCHEMY_URL (only the dialect is used)."
            )
        return cls(dialect, connection, opts or {}, environment_context, **kw)

    # -- what env.py and migrations see -----------------------------------------------------------

    @property
    def bind(self) -> Connection | None:
        """The connection migrations run on; with ``--sql`` none, or the lent one (``--shadow``)."""
        if self.connection is None and self.lends_bind:
            return self.reflection_bind
        return self.connection

    @property
    def config(self) -> Any:
        environment = self.opts.get("environment_context")
        return environment.config if environment is not None else None

    def execute(self, sql: Any, execution_options: Mapping[str, Any] | None = None) -> Any:
        return self.impl.execute(sql, execution_options=execution_options)

    def note(self, text: str) -> None:
        """Tell the user something the run did on their behalf."""
        self.reporter.note(text)

    def get_current_heads(self) -> tuple[str, ...]:
        """The revisions the version table records (from ``starting_rev`` with ``--sql``)."""
        if self.as_sql:
            start = self._start_from_rev
            if start is None:
                return ()
            return tuple(start) if isinstance(start, (list, tuple)) else (start,)
        assert self.connection is not None
        return self._versions.read(self.connection)

    def get_current_revision(self) -> str | None:
        heads = self.get_current_heads()
        if len(heads) > 1:
            raise CommandError(
                f"The database records {len(heads)} heads ({', '.join(heads)}); use "
                "get_current_heads() (or `still current`) to see all of them."
            )
        return heads[0] if heads else None

    # -- transactions -----------------------------------------------------------------------------

    @property
    def _per_migration(self) -> bool:
        return self.transactions.per_migration

    @property
    def _user_transaction(self) -> bool:
        return self.transactions.user_transaction

    @property
    def _ours(self) -> int:
        return self.transactions.ours

    def begin_transaction(self, _per_migration: bool = False) -> AbstractContextManager[Any]:
        """The transaction env.py wraps ``run_migrations()`` in (and the one around each step):
        :mod:`still.runtime.transactions`."""
        return self.transactions.begin(_per_migration)

    def autocommit_block(self) -> AbstractContextManager[None]:
        """Run statements outside a transaction (``CREATE INDEX CONCURRENTLY`` and the like)."""
        return self.transactions.autocommit_block()

    # -- running ----------------------------------------------------------------------------------

    def run_migrations(self, **kw: Any) -> None:
        """Plan from the current heads, then run each step in order."""
        self.impl.start_migrations()  # a DefaultImpl subclass's per-run state (Alembic's hook)
        if self._plan is None:
            raise CommandError("run_migrations() was called on a context that has no plan.")
        if self.reader is not None:
            self.reader(self)  # a command that only looks (`still log`, `still verify`)
            return
        self.transactions.note_user_transaction()
        if self._user_transaction and not self.as_sql:
            # env.py's transaction is not still's to end, so a snapshot its first read took
            # (REPEATABLE READ, SERIALIZABLE) would outlast the wait: the lock comes first.
            with self._migration_lock():
                self._plan_and_run(kw, locked=True)
            return
        self._plan_and_run(kw, locked=False)

    def _plan_and_run(self, kw: Mapping[str, Any], locked: bool) -> None:
        assert self._plan is not None
        heads = self._heads_under_lock() if locked else self.get_current_heads()
        self._heads_at_start = heads
        steps = list(self._plan(heads))
        if not steps:
            return  # nothing to do: no lock taken (the common start-up path stays fast)
        if locked:
            # env.py owns the transaction: the question comes inside it (still cannot end it).
            self._approved(steps)
            self._run_steps(heads, steps, kw)
            return
        self._approved_outside_transaction(steps)
        with self._migration_lock():
            if not self.as_sql:
                # Another process may have moved the database while this one waited.
                fresh = self._heads_under_lock()
                if fresh != heads:
                    heads = self._heads_at_start = fresh
                    approved = _shape(steps)
                    steps = list(self._plan(heads))
                    if not steps:
                        return
                    if _shape(steps) != approved:
                        self._approved(steps)  # a different plan: asked again (rare)
                self._check_interruption(steps)
            self._run_steps(heads, steps, kw)

    def _approved(self, steps: Sequence[Step]) -> None:
        if self._approve is not None:
            self._approve(steps)

    def _approved_outside_transaction(self, steps: Sequence[Step]) -> None:
        """Plan first, then ask, then lock and run: the command's approval (which may wait for
        a person) runs with no transaction of still's open."""
        approve = self._approve
        if approve is not None:
            self.transactions.outside_transaction(lambda: approve(steps))

    def _heads_under_lock(self) -> tuple[str, ...]:
        """The heads, read once the lock is held.  On MySQL/MariaDB a locking read: the process
        that held the lock before may not have committed yet (env.py commits after
        ``run_migrations()`` returns); it waits for that, and reads what was committed."""
        assert self.connection is not None
        share = self.impl.reads_heads_locking and self._option("migration_lock", True)
        return self._versions.read(self.connection, share=share)

    def _migration_lock(self) -> AbstractContextManager[None]:
        """One process at a time: see :mod:`still.runtime.locking`."""
        if self.as_sql or self.connection is None or not self._option("migration_lock", True):
            return nullcontext()
        from still.runtime.locking import DEFAULT_TIMEOUT, lock_name

        timeout = self._option("migration_lock_timeout", DEFAULT_TIMEOUT)
        return self.impl.migration_lock(  # the database's own lock (ddl/<database>.py)
            self.connection,
            lock_name(self._versions.name, self._versions.schema),
            timeout,
            whole_run_in_one_transaction=not self._per_migration or self._user_transaction,
            owns_transaction=not self._user_transaction,
        )

    def _option(self, name: str, default: Any) -> Any:
        """A still option: from context.configure(), else the ini's [alembic] section, else
        pyproject.toml's [tool.alembic].  With a boolean default the value is parsed as one, with
        a float default as a number of seconds (see :mod:`still.config.values`): a value it
        cannot be is refused, naming the key and where it was set."""
        from still.config.values import parse_boolean, parse_number, setting_source

        config = self.config
        if self.opts.get(name) is not None:
            value, where = self.opts[name], "in context.configure()"
        else:
            value = config.get_alembic_option(name) if config is not None else None
            if value is None:
                return default
            where = setting_source(config, name)
        if isinstance(default, bool):
            return parse_boolean(value, name, where)
        if isinstance(default, float):
            from still.runtime.locking import TIMEOUT_LIMITS

            return parse_number(value, name, where, **TIMEOUT_LIMITS)
        return value

    def _run_steps(self, heads: tuple[str, ...], steps: list[Step], kw: Mapping[str, Any]) -> None:
        self._heads_now = heads
        self.reporter.plan_started(steps)  # a terminal shows a progress bar for long runs
        try:
            self._run_planned(heads, steps, kw)
        finally:
            self.reporter.finish()

    def _run_planned(
        self, heads: tuple[str, ...], steps: list[Step], kw: Mapping[str, Any]
    ) -> None:
        self._load_revisions(steps)
        self._run_loaded(heads, steps, kw)

    def _run_loaded(self, heads: tuple[str, ...], steps: list[Step], kw: Mapping[str, Any]) -> None:
        self._ensure_version_table(heads)
        self._ensure_ledger(heads)
        # imported when there is work: an application at head never needs the operations
        from still.operations.base import Operations
        from still.operations.proxy import operations_in_effect

        operations = Operations(self)
        self.impl.pipeline = self._pipeline()
        try:
            with operations_in_effect(operations):
                completed: list[Step] = []
                for step in steps:
                    try:
                        with self.begin_transaction(_per_migration=True):
                            self._run_step(step, completed, kw)
                    except MigrationFailed:
                        self._record_half_applied(step)
                        raise
                    completed.append(step)
                self._flush_pipeline(completed)  # before the run's transaction commits
        finally:
            if self.impl.pipeline is not None:
                self.impl.pipeline.close()
                self.impl.pipeline = None

    def _pipeline(self) -> StatementPipeline | None:
        """PostgreSQL through psycopg: DDL sent without waiting (see still.ddl.pipeline)."""
        if (
            self.as_sql
            or self.connection is None
            or not self._option("postgresql_pipeline", True)
            or not StatementPipeline.supported(self.connection)
        ):
            return None
        return StatementPipeline(self.connection)

    def _flush_pipeline(self, completed: list[Step]) -> None:
        """Wait for the statements sent; a failure among them is reported as its step's."""
        if self.impl.pipeline is None:
            return
        try:
            self.impl.pipeline.flush()
        except PipelineFailure as exc:
            raise self._pipelined_failure(exc, completed) from exc.orig

    def _pipelined_failure(self, exc: PipelineFailure, completed: list[Step]) -> MigrationFailed:
        step: Step = exc.step
        before = completed[: completed.index(step)] if step in completed else list(completed)
        script = self._script(step.revision) if step.revision else None
        return self._failure(step, script, before, exc)

    def _record_half_applied(self, step: Step) -> None:
        """Where DDL commits itself, a failed migration may have left part of itself behind: the
        ledger keeps what of it committed, for ``still resolve``, in place of the journal's rows.
        (Where the connection was lost this cannot be written: the journal's rows stay, and the
        next run reads them.)"""
        failed = self._failed
        if failed is None or self.impl.transactional_ddl or self.ledger is None:
            return
        import json

        script, started_at, outcome = failed
        if outcome.lost_connection:
            return  # the journal's rows stay: the next run finishes the migration
        try:
            with self.begin_transaction(_per_migration=True):
                if outcome.committed:
                    detail = json.dumps(
                        {
                            "completed_operations": outcome.operations,
                            "statements": [sql for _, sql in outcome.committed],
                            "operation_of_each": [op for op, _ in outcome.committed],
                        }
                    )
                    self.ledger.record_failure(self.impl, step, script, started_at, detail)
                self.ledger.clear_journal(self.impl)
        except Exception:  # the report of the failure matters more than this note
            pass

    # -- the journal, where DDL commits itself ---------------------------------------------------

    def _journal_for(self, step: Step, script: Script | None) -> Journal | None:
        if (
            self.as_sql
            or self.connection is None
            or self.impl.transactional_ddl
            or step.revision is None
        ):
            return None
        from still.runtime.ledger import checksum

        digest = checksum(script.file_path) if script is not None else None
        resume = self._resume if self._resume is not None and self._resume.matches(step) else None
        if resume is not None:
            self._resume = None
            self.note(
                f"{step.revision} was interrupted earlier; {len(resume.committed)} of its "
                "statements committed then and are not sent again (the journal in the ledger "
                "lists them)."
            )
        return Journal(
            self.connection,
            self.ledger,
            step,
            digest,
            resume.committed if resume is not None else (),
        )

    def _check_interruption(self, steps: Sequence[Step]) -> None:
        """Before a run where DDL commits itself: a migration an earlier run left half-way (the
        process killed, its connection lost) is finished by this run if it comes first and its
        file is unchanged; otherwise nothing runs, and the message says what committed and how
        to settle it."""
        if self.as_sql or self.impl.transactional_ddl or self.ledger is None:
            return
        assert self.connection is not None
        from still.runtime import journal

        interruption = journal.read_interruption(
            self.ledger.read(self.connection, direction=journal.DIRECTION)
        )
        if interruption is None:
            return
        self._journal_rows = True
        unfinished = interruption.last_unfinished
        doubt = journal.settle_doubt(self.connection, interruption)
        if all(step.revision is None for step in steps):
            return  # a stamp settles it; the journal's rows go with its first step
        first = steps[0]
        script = self._script(first.revision) if first.revision else None
        from still.runtime.ledger import checksum

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
            raise CommandError(journal.stopped_message(interruption, reason))
        last = interruption.rows[-1]
        if unfinished is not None and last.finished_at is None:
            # the schema told: record it, so that a later interruption reads the same
            import json

            detail = json.loads(last.detail or "{}")
            if interruption.committed[-1:] != [unfinished]:
                detail["statements"] = detail.get("statements", [])[:-1]
            with self.begin_transaction(_per_migration=True):
                self.ledger.settle_journal_row(self.impl, last.id, json.dumps(detail))
        self._resume = interruption

    def _load_revisions(self, steps: Sequence[Step]) -> None:
        """Import every revision the plan runs before the first one runs: a file that does not
        compile or import stops the command while the database is still untouched."""
        with alembic_names():  # once for all of them (each load would install it again)
            for step in steps:
                if step.revision:
                    script = self._script(step.revision)
                    script.upgrade_function() if step.is_upgrade else script.downgrade_function()

    def _ensure_version_table(
        self, heads: tuple[str, ...] | None = None, purge: bool = False
    ) -> None:
        """Create the version table unless it exists (``--sql``: unless the script starts from a
        revision); with ``purge``, empty it."""
        if heads is None:
            heads = () if purge else self.get_current_heads()
        if (
            purge
            and not self.as_sql
            and self.connection is not None
            and self._versions.exists(self.connection)
        ):
            with self.begin_transaction(_per_migration=True):
                for head in self.get_current_heads():
                    self._versions.write(self.impl, Step(None, False, (head,), ()))
            return
        if self.as_sql:
            if not heads and self._start_from_rev is None:
                self._versions.create(self.impl)
            return
        assert self.connection is not None
        if self._versions.exists(self.connection):
            return
        with self.begin_transaction(_per_migration=True):
            self._versions.create(self.impl)

    @cached_property
    def ledger(self) -> Ledger | None:
        """The ledger, where the configuration switches it on (and only online)."""
        if self.as_sql or self.connection is None or not self._option("ledger", False):
            return None
        name = str(self._option("ledger_table", DEFAULT_NAME))
        return Ledger(name, self._versions.schema)

    def _ensure_ledger(self, heads: tuple[str, ...]) -> None:
        if self.ledger is None:
            return
        assert self.connection is not None
        with self.begin_transaction(_per_migration=True):
            self.ledger.ensure(self.impl, self.connection, heads)

    def _script(self, revision: str) -> Script:
        found = self._scripts.get(revision)
        if found is not None:
            return found  # type: ignore[no-any-return]
        if self.script is None:
            raise CommandError(
                f"Revision {revision} is to run, but this migration context has no script "
                "directory; pass script=ScriptDirectory.from_config(config) (or steps that carry "
                "their revisions, from ScriptDirectory._upgrade_revs)."
            )
        return self.script.graph[revision]

    def _application_plan(self, fn: Callable[..., Any]) -> PlanFunction:
        """An application's ``fn(rev, context)`` (Alembic's signature: the heads the database
        records, this context) as still's plan function: the steps it returns, with the
        version-table change of each computed as still's plans compute them."""
        from still.graph.steps import as_plan

        def plan(heads: tuple[str, ...]) -> Sequence[Step]:
            returned = fn(heads, self)
            graph = self.script.graph if self.script is not None else None
            steps, scripts = as_plan(graph, heads, returned or ())
            self._scripts.update(scripts)
            return steps

        return plan

    def stamp(self, script_directory: ScriptDirectory, revision: str) -> None:
        """Record ``revision`` in the version table (as ``still stamp`` does), without running
        any migration."""
        from still.graph import resolve_targets, stamp_plan

        self.transactions.note_user_transaction()
        heads = self.get_current_heads()
        graph = script_directory.graph
        steps = stamp_plan(graph, heads, resolve_targets(graph, revision, heads))
        self._ensure_version_table(heads)
        for step in steps:
            with self.begin_transaction(_per_migration=True):
                self._versions.write(self.impl, step)

    def _run_step(self, step: Step, completed: list[Step], kw: Mapping[str, Any]) -> None:
        self.impl.start_step()
        started = time.perf_counter()
        started_at = utc_now()
        script = self._script(step.revision) if step.revision else None
        self.reporter.step_started(step, script)
        if self.as_sql and script is not None:
            # Escaped: a line break in a revision id must not end the SQL comment.
            comment = _arrow(step).encode("unicode_escape").decode("ascii")
            self.impl.static_output(f"-- Running {step.direction} {comment}")
        journal = self._journal = self._journal_for(step, script)
        self.operation_done = journal.operation_done if journal else _count_nothing
        self._failed = None
        pipeline = self.impl.pipeline
        if pipeline is not None:
            pipeline.step = step
        try:
            if script is not None:
                fn = script.upgrade_function() if step.is_upgrade else script.downgrade_function()
                with journal if journal is not None else nullcontext():
                    fn(**kw)
            self._versions.write(self.impl, step)
            if self.ledger is not None:
                self.ledger.record(self.impl, step, script, started_at)
                if self._journal_rows or (journal is not None and journal.rows_written):
                    self.ledger.clear_journal(self.impl)  # committed with the version row
                    self._journal_rows = False
            self._version_applied(step, script, kw)
            if pipeline is not None and self._per_migration:
                pipeline.flush()  # this step's transaction commits next
        except (StillError, BrokenPipeError):
            raise
        except Exception as exc:
            earlier = self._earlier_failure(exc)
            if earlier is not None:  # a statement sent before this one failed first
                raise self._pipelined_failure(earlier, completed) from earlier.orig
            failure = self._failure(step, script, completed, exc)
            if journal is not None:
                self._failed = (script, started_at, journal.outcome(exc))
            raise failure from exc
        finally:
            self.operation_done = _count_nothing
        self.reporter.step_finished(step, script, time.perf_counter() - started)

    def _earlier_failure(self, exc: Exception) -> PipelineFailure | None:
        """The failure of a statement still in the pipeline, which came before ``exc``."""
        if isinstance(exc, PipelineFailure):
            return exc
        if self.impl.pipeline is None:
            return None
        try:
            self.impl.pipeline.flush()
        except PipelineFailure as earlier:
            return earlier
        except Exception:  # the error at hand is the one to report
            pass
        return None

    def _version_applied(self, step: Step, script: Script | None, kw: Mapping[str, Any]) -> None:
        """``configure(on_version_apply=...)``: Alembic's callback after each step."""
        callbacks = self.on_version_apply_callbacks
        if not callbacks:
            return
        from still.graph.steps import MigrationInfo

        if step.revision is not None and script is not None:
            up: Sequence[str] = (step.revision,)
            down: Sequence[str] = tuple(script.down_revisions)
        else:
            up, down = (step.adds, step.removes) if step.is_upgrade else (step.removes, step.adds)
        info = MigrationInfo(
            self.script.graph if self.script is not None else self._scripts,
            step.is_upgrade,
            step.revision is None,
            up,
            down,
        )
        heads = self._heads_after(step)
        for callback in callbacks:
            callback(ctx=self, step=info, heads=heads, run_args=dict(kw))

    def _heads_after(self, step: Step) -> set[str]:
        heads = set(self._heads_now) - set(step.removes) | set(step.adds)
        self._heads_now = tuple(heads)
        return heads

    def _failure(
        self, step: Step, script: Script | None, completed: list[Step], exc: Exception
    ) -> MigrationFailed:
        from still.runtime.failure_report import RunFacts, failure_report

        facts = RunFacts(
            heads_at_start=self._heads_at_start,
            user_transaction=self._user_transaction,
            transactional_ddl=self.impl.transactional_ddl,
            per_migration=self._per_migration,
            database=self.impl.display_name or self.dialect.name,
            journal=self._journal,
            has_ledger=self.ledger is not None,
            dialect=self.dialect,
            offline=self.as_sql,
            readable=self.reflection_bind is not None,
        )
        return failure_report(facts, step, script, completed, exc)


def _count_nothing(operation: Any) -> None:
    pass


class HeadMaintainer:
    """The heads a version table holds, kept up to date step by step (Alembic's helper for
    applications that run steps themselves): ``update_to_step(step)`` writes the step's change
    to the version table and to :attr:`heads`."""

    def __init__(self, context: MigrationContext, heads: Any) -> None:
        self.context = context
        self.heads: set[str] = set(heads)

    def update_to_step(self, step: Any) -> None:
        from still.graph.steps import as_plan

        context = self.context
        graph = context.script.graph if context.script is not None else None
        plan, _ = as_plan(graph, tuple(self.heads), [step])
        for change in plan:
            context._versions.write(context.impl, change)
            self.heads = (self.heads - set(change.removes)) | set(change.adds)


class _EncodedOutput:
    """Writes text to a binary stream in a given encoding, without owning (closing) it."""

    def __init__(self, binary: BinaryIO, encoding: str) -> None:
        import codecs

        self.binary = binary
        # One incremental encoder, so a byte-order mark (utf-16, utf-8-sig) is written once.
        self.encoder = codecs.getincrementalencoder(encoding)()

    def write(self, text: str) -> int:
        self.binary.write(self.encoder.encode(text))
        return len(text)

    def flush(self) -> None:
        self.binary.flush()


def _arrow(step: Step) -> str:
    before = ", ".join(step.removes) or "<base>"
    after = ", ".join(step.adds) or "<base>"
    return f"{before} -> {after}"


def _shape(steps: Sequence[Step]) -> list[tuple[str | None, bool]]:
    return [(step.revision, step.is_upgrade) for step in steps]
