"""``MigrationContext``: one connection (or one SQL script) and its version table, under
Alembic's names (``configure``, ``begin_transaction``, ``run_migrations``, ``get_current_heads``,
``stamp``, ``bind``, ``execute``, ``autocommit_block`` ...).

The work is done by small collaborators, each in its own module:

* :mod:`still.runtime.transactions`: whose transaction it is, where it begins and ends
  (:attr:`MigrationContext.transactions`);
* :mod:`still.runtime.run_loop`: one ``run_migrations()``: plan, ask, lock, run;
* :mod:`still.runtime.step_runner`: the steps in order, each in its transaction, and the report
  of a failure (:mod:`still.runtime.failure_report`, :mod:`still.runtime.pipelining`);
* :mod:`still.runtime.run_journal`: the journal's part, where DDL commits by itself;
* :mod:`still.runtime.locking`: when the migration lock is taken;
* :mod:`still.runtime.application_plan`: an application's ``fn(rev, context)`` steps, the module
  of each revision a run executes (:attr:`MigrationContext.revisions`), ``HeadMaintainer``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, cast

from sqlalchemy.engine import Connection, Dialect

from still.ddl import DefaultImpl, impl_for
from still.errors import CommandError
from still.graph import Step
from still.hooks import Hooks
from still.runtime.application_plan import HeadMaintainer, RevisionScripts, application_plan
from still.runtime.ledger import DEFAULT_NAME, Ledger
from still.runtime.reporting import logging_reporter
from still.runtime.run_loop import RunLoop
from still.runtime.step_runner import count_nothing
from still.runtime.transactions import Transactions
from still.runtime.version_table import VersionTable

if TYPE_CHECKING:
    from still.script import ScriptDirectory

__all__ = ["Approval", "HeadMaintainer", "MigrationContext", "PlanFunction", "Reader"]

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
        # The module of each revision a run executes: the script directory's, or carried by an
        # application's fn(rev, context) steps (runtime/application_plan.py).
        self.revisions = RevisionScripts(self)
        if plan is None and self.opts.get("fn") is not None:
            plan = application_plan(self.opts["fn"], self, self.revisions)
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
        self.operation_done: Callable[[Any], None] = count_nothing
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
        # Whose transaction it is, where it begins and ends (runtime/transactions.py).
        self.transactions = Transactions(
            self.impl, connection, self.as_sql, self.transaction_per_migration
        )

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
        RunLoop(self, self._plan, self._approve).run(kw)  # plan, ask, lock, run

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
