"""``still resolve``: after a migration failed half-way where DDL commits itself (MySQL/MariaDB).

The ledger recorded the failure: how many of the migration's operations ran, and their
statements.  ``resolve`` shows it; ``--applied`` records the migration as applied once the user
has finished it by hand; ``--undo`` runs the reverse of the operations that ran, so the migration
can run again from the start.
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

from still.command.audit import _look
from still.command.environment import run_env
from still.config import Config
from still.errors import CommandError
from still.script import ScriptDirectory

if TYPE_CHECKING:
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
    """Run the migration's upgrade() as a dry run (as for --sql) and keep its first operations."""
    from still.command.migrate import upgrade_steps

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
            as_sql=True,
            starting_rev=parents,
            destination_rev=revision,
            still_op_listener=recorded.append,
        )
    finally:
        config.output_buffer = saved
    return recorded[:count]


def resolve(config: Config, applied: bool = False, undo: bool = False) -> None:
    """Show a half-applied migration; finish (``applied``) or undo (``undo``) it."""
    if applied and undo:
        raise CommandError("Choose one: --applied (finished by hand) or --undo (reverse it).")
    script = ScriptDirectory.from_config(config)
    seen = _look(config, script)
    if not seen.ledger_on and not seen.entries:
        raise CommandError(
            "still resolve reads the ledger, which is off for this project: add `ledger = true` "
            "to the [alembic] section. (The failure message listed what ran.)"
        )
    failure = _pending_failure(seen.entries)
    if failure is None:
        config.print_stdout("Nothing to resolve: no half-applied migration is recorded.")
        return
    detail = json.loads(failure.detail or "{}")
    count = int(detail.get("completed_operations", 0))
    revision = failure.revision
    when = failure.started_at.strftime("%Y-%m-%d %H:%M:%S") if failure.started_at else "?"
    config.print_stdout(
        f"{revision} failed half-way at {when}: {count} of its operations ran and stayed:"
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
    reverses = [
        op.reverse() for op in reversed(_operations_that_ran(config, script, revision, count))
    ]
    _run_operations(config, script, reverses, revision)
    config.print_stdout(
        f"Undid {len(reverses)} operation(s) of {revision}; `still upgrade` runs it again."
    )


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

    run_env(config, script, lambda heads: [], still_reader=reader)


def _note(config: Config, script: ScriptDirectory, revision: str, how: str) -> None:
    def reader(context: MigrationContext) -> None:
        if context.ledger is not None:
            context.ledger.record_resolution(context.impl, revision, how)

    run_env(config, script, lambda heads: [], still_reader=reader)
