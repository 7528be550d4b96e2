"""``still resolve``: after a migration failed half-way where DDL commits itself (MySQL/MariaDB).

The ledger recorded the failure: how many of the migration's operations ran, and their
statements.  ``resolve`` shows it; ``--applied`` records the migration as applied once the user
has finished it by hand; ``--undo`` runs the reverse of the operations that ran, so the migration
can run again from the start.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from still.command.environment import run_env
from still.config import Config
from still.errors import CommandError
from still.script import ScriptDirectory

if TYPE_CHECKING:
    from still.runtime.journal import Interruption
    from still.runtime.ledger import Entry
    from still.runtime.migration import MigrationContext

_SETTLED = ("upgrade", "resolved", "undone")


def _pending_failure(entries: list[Entry]) -> Entry | None:
    """The last failure no later entry settled (ran again, finished by hand, or undone)."""
    for entry in reversed(entries):
        if entry.direction == "failed":
            return entry
        if entry.direction in _SETTLED or entry.direction in ("downgrade", "stamp"):
            return None
    return None


def _operations_that_ran(
    config: Config, script: ScriptDirectory, revision: str, count: int
) -> list[Any]:
    """Run the migration's upgrade() as a dry run (as for --sql), silently, and keep its first
    operations."""
    from still.command.migrate import upgrade_steps
    from still.runtime.reporting import SilentReporter

    graph = script.graph
    parents = tuple(graph[revision].down_revisions)
    recorded: list[Any] = []
    saved = config.output_buffer
    config.output_buffer = io.StringIO()
    try:
        run_env(
            config,
            script,
            lambda current: upgrade_steps(graph, revision, current),
            # a dry run: nothing to say; the operations kept as they are made
            hooks=replace(
                config.hooks, reporter=SilentReporter(), operation_listeners=[recorded.append]
            ),
            as_sql=True,
            starting_rev=parents,
            destination_rev=revision,
        )
    finally:
        config.output_buffer = saved
    return recorded[:count]


@dataclass
class _Found:
    entries: list[Entry] = field(default_factory=list)
    ledger_on: bool = False
    interruption: Interruption | None = None


def _find(config: Config, script: ScriptDirectory) -> _Found:
    """The ledger's rows, and the migration its journal says was interrupted (the statement in
    doubt, if any, settled by the schema where it can tell)."""
    from still.runtime.journal import read_interruption, settle_doubt
    from still.runtime.ledger import DEFAULT_NAME, Ledger

    found = _Found()

    def reader(context: MigrationContext) -> None:
        assert context.connection is not None
        ledger = context.ledger or Ledger(
            str(context.opts.get("ledger_table") or DEFAULT_NAME), context.version_table_schema
        )
        found.ledger_on = context.ledger is not None
        found.entries = ledger.read(context.connection)
        found.interruption = read_interruption(found.entries)
        if found.interruption is not None:
            settle_doubt(context.connection, found.interruption)

    run_env(config, script, lambda heads: [], reader=reader)
    return found


def resolve(config: Config, applied: bool = False, undo: bool = False) -> None:
    """Show a half-applied migration; finish (``applied``) or undo (``undo``) it."""
    if applied and undo:
        raise CommandError("Choose one: --applied (finished by hand) or --undo (reverse it).")
    script = ScriptDirectory.from_config(config)
    seen = _find(config, script)
    if not seen.ledger_on and not seen.entries:
        raise CommandError(
            "still resolve reads the ledger, which is off for this project: add `ledger = true` "
            "to the [alembic] section. (The failure message listed what ran.)"
        )
    if seen.interruption is not None:
        _resolve_interruption(config, script, seen.interruption, applied, undo)
        return
    failure = _pending_failure(seen.entries)
    if failure is None:
        config.print_stdout("Nothing to resolve: no half-applied migration is recorded.")
        return
    detail = json.loads(failure.detail or "{}")
    count = int(detail.get("completed_operations", 0))
    revision = failure.revision
    when = failure.started_at.strftime("%Y-%m-%d %H:%M:%S") if failure.started_at else "?"
    config.print_stdout(
        f"{revision} failed half-way at {when}: {count} of its operations ran and stayed "
        "(committed):"
    )
    for statement in detail.get("statements", []):
        config.print_stdout(f"  {' '.join(str(statement).split())}")
    if not (applied or undo):
        config.print_stdout(
            "Finish it by hand, then `still resolve --applied`; or `still resolve --undo` to "
            "reverse what ran, then `still upgrade` runs it again from the start."
        )
        return
    if revision not in script.graph:
        raise CommandError(f"{revision} is not in the revision files any more; restore it first.")
    if applied:
        from still.command.migrate import stamp

        stamp(config, revision)
        _note(config, script, revision, "resolved")
        config.print_stdout(f"{revision} is recorded as applied.")
        return
    _undo(config, script, revision, count)


def _resolve_interruption(
    config: Config,
    script: ScriptDirectory,
    interruption: Interruption,
    applied: bool,
    undo: bool,
) -> None:
    """A migration a run left half-way without a word (killed, connection lost): the journal."""
    from still.runtime.journal import describe, settling_commands

    for line in describe(interruption):
        config.print_stdout(line)
    revision = interruption.revision
    if not (applied or undo):
        config.print_stdout(
            "`still upgrade head` finishes it (what committed is not run again); or "
            + settling_commands(interruption)
        )
        return
    if revision not in script.graph:
        raise CommandError(f"{revision} is not in the revision files any more; restore it first.")
    if applied:
        from still.command.migrate import stamp

        target = revision if interruption.is_upgrade else ",".join(interruption.adds) or "base"
        stamp(config, target)
        _note(config, script, revision, "resolved")
        done = "applied" if interruption.is_upgrade else "downgraded"
        config.print_stdout(f"{revision} is recorded as {done}.")
        return
    if not interruption.is_upgrade:
        raise CommandError(
            f"--undo reverses an upgrade; {revision}'s downgrade was interrupted. Run the "
            "downgrade again (it finishes what committed), or finish it by hand and run `still "
            "resolve --applied`."
        )
    if interruption.last_unfinished is not None:
        raise CommandError(
            "Nothing was undone: whether the statement running when the run ended committed "
            "cannot be told from the schema (shown above). Check it by hand; then finish the "
            "migration by hand and run `still resolve --applied`."
        )
    count = 1 + max(op for op, _ in interruption.committed) if interruption.committed else 0
    _undo(config, script, revision, count)


def _undo(config: Config, script: ScriptDirectory, revision: str, count: int) -> None:
    """Reverse the first ``count`` operations of ``revision``, saying first what cannot be."""
    from still.errors import IrreversibleOperation

    reverses, cannot = [], []
    for op in reversed(_operations_that_ran(config, script, revision, count)):
        try:
            reverses.append(op.reverse())
        except (IrreversibleOperation, NotImplementedError):
            cannot.append(op)
    if cannot:
        config.print_stdout(
            f"still cannot reverse {len(cannot)} of these operation(s) automatically; what they "
            "did stays unless a reversed operation removes it (rows in a dropped table): undo "
            "it by hand if it must go:"
        )
        for op in reversed(cannot):
            config.print_stdout(f"  {_in_words(op)}")
    config.print_stdout(f"Reversing {len(reverses)} operation(s) of {revision}.")
    _run_operations(config, script, reverses, revision)
    config.print_stdout(
        f"Undid {len(reverses)} operation(s) of {revision}; `still upgrade` runs it again."
    )


def _in_words(op: Any) -> str:
    from still.operations import ops

    if isinstance(op, ops.ExecuteSQLOp):
        return f"op.execute: {' '.join(str(op.sqltext).split())}"
    from still.autogenerate.summary import describe

    try:
        return describe(op, None).text
    except Exception:  # an operation the summary does not know
        return type(op).__name__


def _run_operations(
    config: Config, script: ScriptDirectory, operations: list[Any], revision: str
) -> None:
    def reader(context: MigrationContext) -> None:
        from still.operations.base import Operations

        runner = Operations(context)
        for operation in operations:
            runner.invoke(operation)
        if context.ledger is not None:
            context.ledger.record_resolution(context.impl, revision, "undone")
            context.ledger.clear_journal(context.impl)

    run_env(config, script, lambda heads: [], reader=reader)


def _note(config: Config, script: ScriptDirectory, revision: str, how: str) -> None:
    def reader(context: MigrationContext) -> None:
        if context.ledger is not None:
            context.ledger.record_resolution(context.impl, revision, how)
            context.ledger.clear_journal(context.impl)

    run_env(config, script, lambda heads: [], reader=reader)
