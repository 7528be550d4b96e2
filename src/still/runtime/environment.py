"""``EnvironmentContext``: what env.py sees as ``context``.

A command builds one with the configuration, the script directory and a plan function, makes it
current, and runs env.py.  env.py calls ``configure()`` (with a connection, or a URL for ``--sql``)
and ``run_migrations()``; the plan function decides what runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TextIO, overload

from still.errors import CommandError
from still.runtime.migration import MigrationContext, PlanFunction

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from still.config import Config
    from still.ddl import DefaultImpl
    from still.hooks import Hooks
    from still.runtime.migration import Approval, Reader
    from still.script import ScriptDirectory

# Per thread and per asyncio task, so that several can each run a command at once.
_current: ContextVar[tuple[EnvironmentContext, ...]] = ContextVar("still_environment", default=())


def current_environment() -> EnvironmentContext:
    current = _current.get()
    if not current:
        raise CommandError(
            "alembic.context / still.context is only available while still runs env.py "
            "(for example during `still upgrade`)."
        )
    return current[-1]


class EnvironmentContext:
    """The migration environment of one command run.

    Built by still's commands with a ``plan`` (still's steps), or by an application as Alembic
    documents it: ``EnvironmentContext(config, script, fn=fn)`` (or ``configure(fn=fn)``),
    where ``fn(rev, context)`` returns the steps to run, typically from
    ``script._upgrade_revs(destination, rev)``.  Every other keyword is an option env.py's
    ``configure()`` would give (``as_sql``, ``starting_rev``, ``destination_rev``, ``tag`` ...).
    """

    def __init__(
        self,
        config: Config,
        script: ScriptDirectory,
        *,
        plan: PlanFunction | None = None,
        hooks: Hooks | None = None,
        approve: Approval | None = None,
        reader: Reader | None = None,
        directives: Callable[..., Any] | None = None,
        reflection_bind: Connection | None = None,
        **kw: Any,
    ) -> None:
        self.config = config
        self.script = script
        self._plan = plan
        # The reporter, questioner and listeners (still.hooks): the command's, else the config's.
        self.hooks = hooks if hooks is not None else config.hooks
        self._approve = approve
        self._reader = reader
        # command.revision(process_revision_directives=...): chained after env.py's own
        self._command_directives = directives
        self._reflection_bind = reflection_bind
        self.context_opts: dict[str, Any] = {
            "as_sql": False,
            "starting_rev": None,
            "destination_rev": None,
            "tag": None,
            **kw,
        }
        self._migration_context: MigrationContext | None = None

    def __enter__(self) -> EnvironmentContext:
        _current.set((*_current.get(), self))
        return self

    def __exit__(self, *exc: object) -> None:
        _current.set(tuple(e for e in _current.get() if e is not self))

    @contextmanager
    def running(self) -> Iterator[EnvironmentContext]:
        with self:
            yield self

    # -- questions env.py asks --------------------------------------------------------------------

    def is_offline_mode(self) -> bool:
        return bool(self.context_opts.get("as_sql"))

    def is_transactional_ddl(self) -> bool:
        return self.get_context().impl.transactional_ddl

    def requires_connection(self) -> bool:
        return not self.is_offline_mode()

    def get_head_revision(self) -> str | None:
        heads = self.script.get_heads()
        return heads[0] if len(heads) == 1 else None

    def get_head_revisions(self) -> tuple[str, ...]:
        return tuple(self.script.get_heads())

    def get_starting_revision_argument(self) -> Any:
        return self.context_opts.get("starting_rev")

    def get_revision_argument(self) -> Any:
        return self.context_opts.get("destination_rev")

    def get_tag_argument(self) -> str | None:
        return self.context_opts.get("tag")

    @overload
    def get_x_argument(self) -> list[str]: ...

    @overload
    def get_x_argument(self, as_dictionary: bool) -> Any: ...

    def get_x_argument(self, as_dictionary: bool = False) -> Any:
        """The ``-x`` arguments: a list of strings, or a dictionary with ``as_dictionary=True``."""
        if as_dictionary:
            return self.config.x_arguments
        return list(getattr(self.config.cmd_opts, "x", None) or [])

    # -- configuring and running ------------------------------------------------------------------

    def configure(
        self,
        connection: Connection | None = None,
        url: Any = None,
        dialect_name: str | None = None,
        dialect_opts: Mapping[str, Any] | None = None,
        transactional_ddl: bool | None = None,
        transaction_per_migration: bool = False,
        output_buffer: TextIO | None = None,
        starting_rev: str | None = None,
        tag: str | None = None,
        template_args: Mapping[str, Any] | None = None,
        render_as_batch: bool = False,
        target_metadata: Any = None,
        include_name: Callable[..., bool] | None = None,
        include_object: Callable[..., bool] | None = None,
        include_schemas: bool = False,
        process_revision_directives: Any = None,
        compare_type: Any = True,
        compare_server_default: Any = False,
        render_item: Callable[..., Any] | None = None,
        literal_binds: bool = False,
        upgrade_token: str = "upgrades",
        downgrade_token: str = "downgrades",
        alembic_module_prefix: str = "op.",
        sqlalchemy_module_prefix: str = "sa.",
        user_module_prefix: str | None = None,
        on_version_apply: Any = None,
        autogenerate_plugins: Sequence[str] | None = None,
        **kw: Any,
    ) -> None:
        """Set up the migration context; env.py calls this once, with a connection or a URL.

        Every option is kept in the migration context's ``opts`` (where add-ons read them);
        ``fn=`` (an application's ``fn(rev, context)``) decides what runs, as in Alembic.
        """
        opts = self.context_opts
        if output_buffer is None:
            output_buffer = self.config.output_buffer
        if starting_rev:
            opts["starting_rev"] = starting_rev
        if tag:
            opts["tag"] = tag
        if template_args and "template_args" in opts:
            opts["template_args"].update(template_args)
        elif template_args is not None:
            opts["template_args"] = dict(template_args)
        opts.update(
            transactional_ddl=transactional_ddl,
            transaction_per_migration=transaction_per_migration,
            output_buffer=output_buffer,
            render_as_batch=render_as_batch,
            target_metadata=target_metadata,
            include_name=include_name,
            include_object=include_object,
            include_schemas=include_schemas,
            process_revision_directives=process_revision_directives,
            compare_type=compare_type,
            compare_server_default=compare_server_default,
            render_item=render_item,
            literal_binds=literal_binds,
            upgrade_token=upgrade_token,
            downgrade_token=downgrade_token,
            alembic_module_prefix=alembic_module_prefix,
            sqlalchemy_module_prefix=sqlalchemy_module_prefix,
            user_module_prefix=user_module_prefix,
            on_version_apply=on_version_apply,
            autogenerate_plugins=autogenerate_plugins,
            environment_context=self,
            **kw,
        )
        command_hook = self._command_directives
        if command_hook is not None:
            opts["process_revision_directives"] = _chained(
                process_revision_directives, command_hook
            )
        opts.setdefault("version_table", "alembic_version")
        opts.setdefault("version_table_pk", True)
        if self.is_offline_mode():
            connection = None
        elif connection is None:
            raise CommandError(
                "context.configure() was called without a connection while running online. "
                "Pass connection=... (see the env.py that `still init` writes)."
            )
        self._migration_context = MigrationContext.configure(
            connection=connection,
            url=url,
            dialect_name=dialect_name,
            dialect_opts=dialect_opts,
            opts=opts,
            script=self.script,
            plan=self._plan,
            hooks=self.hooks,
            approve=self._approve,
            reader=self._reader,
            reflection_bind=self._reflection_bind,
        )
        for listener in self.hooks.listeners:
            listener(self._migration_context)

    def get_context(self) -> MigrationContext:
        if self._migration_context is None:
            raise CommandError(
                "env.py used the migration context before calling context.configure(...)."
            )
        return self._migration_context

    def get_bind(self) -> Connection | None:
        return self.get_context().bind

    def get_impl(self) -> DefaultImpl:
        """The dialect's DDL implementation the migration context uses."""
        return self.get_context().impl

    def begin_transaction(self) -> AbstractContextManager[Any]:
        return self.get_context().begin_transaction()

    def run_migrations(self, **kw: Any) -> None:
        self.get_context().run_migrations(**kw)

    def execute(self, sql: Any, execution_options: Mapping[str, Any] | None = None) -> Any:
        return self.get_context().execute(sql, execution_options)

    def static_output(self, text: str) -> None:
        self.get_context().impl.static_output(text)

    @property
    def migration_context(self) -> MigrationContext | None:
        return self._migration_context


def _chained(first: Callable[..., Any] | None, then: Callable[..., Any]) -> Callable[..., Any]:
    """env.py's ``process_revision_directives``, then the one ``command.revision()`` was given
    (as Alembic runs them)."""

    def both(context: Any, revision: Any, directives: list[Any]) -> None:
        if first is not None:
            first(context, revision, directives)
        then(context, revision, directives)

    return both
