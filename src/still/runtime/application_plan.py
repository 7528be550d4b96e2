"""Runs an application drives from its own code, in Alembic's shapes.

An application that migrates without ``still upgrade`` (optuna, Alembic's cookbook) gives
``context.configure(fn=...)`` a function ``fn(rev, context)``: called with the heads the database
records and the context, it returns the steps to run (``ScriptDirectory._upgrade_revs``), which may
carry their own revision modules and need no script directory.  :func:`application_plan` makes
it still's plan function (the version-table change of each step computed as still's plans compute
them, :func:`still.graph.steps.as_plan`); :class:`RevisionScripts` finds the module of each
revision a run executes, whether the steps carried it or the script directory has it; and
:class:`HeadMaintainer` is Alembic's helper for applications that write the version table step by
step themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from still.errors import CommandError
from still.graph import Step

if TYPE_CHECKING:
    from still.runtime.migration import MigrationContext, PlanFunction
    from still.script import Script


class RevisionScripts:
    """The revision module of each step a context runs: one an application's steps carried, else
    the script directory's."""

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        self.carried: dict[str, Any] = {}

    def script(self, revision: str) -> Script:
        found = self.carried.get(revision)
        if found is not None:
            return found  # type: ignore[no-any-return]
        directory = self.context.script
        if directory is None:
            raise CommandError(
                f"Revision {revision} is to run, but this migration context has no script "
                "directory; pass script=ScriptDirectory.from_config(config) (or steps that carry "
                "their revisions, from ScriptDirectory._upgrade_revs)."
            )
        return directory.graph[revision]

    def lookup(self) -> Any:
        """What ``MigrationInfo`` looks revisions up in: the graph, else the carried modules."""
        directory = self.context.script
        return directory.graph if directory is not None else self.carried


def application_plan(
    fn: Callable[..., Any], context: MigrationContext, scripts: RevisionScripts
) -> PlanFunction:
    """An application's ``fn(rev, context)`` (Alembic's signature: the heads the database
    records, the context) as still's plan function: the steps it returns, with the version-table
    change of each computed as still's plans compute them."""
    from still.graph.steps import as_plan

    def plan(heads: tuple[str, ...]) -> Sequence[Step]:
        returned = fn(heads, context)
        graph = context.script.graph if context.script is not None else None
        steps, carried = as_plan(graph, heads, returned or ())
        scripts.carried.update(carried)
        return steps

    return plan


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
