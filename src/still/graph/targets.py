"""The plan of ``upgrade DESTINATION`` and ``downgrade DESTINATION`` from where a database stands:
an identifier resolved against the graph, then the steps to it."""

from __future__ import annotations

from typing import Any

from still.graph.graph import RevisionGraph
from still.graph.identifiers import resolve_destination
from still.graph.plan import Step, downgrade_plan, upgrade_plan


def upgrade_steps(
    graph: RevisionGraph[Any], destination: str, current: tuple[str, ...]
) -> list[Step]:
    """The steps of ``upgrade DESTINATION`` from ``current``."""
    return upgrade_plan(graph, current, resolve_destination(graph, destination, current))


def downgrade_steps(
    graph: RevisionGraph[Any], destination: str, current: tuple[str, ...]
) -> list[Step]:
    """The steps of ``downgrade DESTINATION`` from ``current``."""
    label, at, _ = destination.partition("@")
    targets = resolve_destination(graph, destination, current)
    # LABEL@base, or LABEL@-N reaching the branch's base: undo that branch only.
    within = graph.branch_members(label) if at and not targets else None
    return downgrade_plan(graph, current, targets, within)
