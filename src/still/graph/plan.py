"""Migration plans: which revisions run, in which order, and what the version table becomes.

A plan is computed once, before anything runs.  Each :class:`Step` carries the change it makes to
the set of heads the database records (the rows of ``alembic_version``), so the runtime only has
to write what the step says.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from typing import Any

from still.errors import RevisionError
from still.graph.graph import RevisionGraph


@dataclass(frozen=True)
class Step:
    """Run one revision's ``upgrade()`` or ``downgrade()``, then update the version table."""

    revision: str | None  # None: only the version table changes (``stamp``)
    is_upgrade: bool
    removes: tuple[str, ...]
    adds: tuple[str, ...]

    @property
    def direction(self) -> str:
        return "upgrade" if self.is_upgrade else "downgrade"


def stamp_plan(
    graph: RevisionGraph[Any],
    current: Sequence[str],
    targets: Sequence[str],
    purge: bool = False,
) -> list[Step]:
    """One step that only rewrites the version table from ``current`` to ``targets``; with
    ``purge``, every recorded row goes first.  A recorded revision no file declares is replaced
    too: stamping is how a user says where such a database really is."""
    for rid in targets:
        if rid not in graph:
            raise RevisionError(f"Cannot stamp {rid!r}: no revision has that id.")
    # Heads on branches the targets do not touch stay recorded.
    unknown = {h for h in current if h not in graph}
    related = graph.ancestors(targets) | graph.descendants(targets, True) | unknown
    kept = [h for h in current if h not in related or h in targets] if targets and not purge else []
    new = kept + [t for t in targets if t not in kept]
    removes = tuple(h for h in current if h not in new)
    adds = tuple(t for t in new if t not in current)
    if not removes and not adds:
        return []
    return [Step(None, True, removes, adds)]


def check_current(graph: RevisionGraph[Any], current: Sequence[str]) -> None:
    """Every revision the database records must exist in the project."""
    for rid in current:
        if rid not in graph:
            raise RevisionError(
                f"The database is at revision {rid!r}, but no revision file declares it. Restore "
                "the missing file (is this the right branch, or the right version_locations?), or "
                "`still stamp REVISION` to record where the database really is."
            )


def _after_upgrade(graph: RevisionGraph[Any], heads: list[str], rid: str) -> Step:
    # The version table records no revision that another recorded one implies (as a parent or,
    # through depends_on, as a dependency).
    parents = graph.parents(rid)
    implied = [h for h in heads if h in parents or graph.is_ancestor(h, rid)]
    # In the order of the down revisions, as Alembic writes a merge (the last one is updated).
    removes = (*[p for p in parents if p in implied], *[h for h in implied if h not in parents])
    for h in removes:
        heads.remove(h)
    heads.append(rid)
    return Step(rid, True, removes, (rid,))


def _after_downgrade(graph: RevisionGraph[Any], heads: list[str], rid: str) -> Step:
    heads.remove(rid)
    parents = graph.parents(rid)
    adds = tuple(
        parent
        for parent in parents
        if parent not in heads
        and not any(graph.is_ancestor(parent, other) for other in (*heads, *parents))
    )
    heads.extend(adds)
    return Step(rid, False, (rid,), adds)


def step_after(
    graph: RevisionGraph[Any], heads: list[str], revision: str, is_upgrade: bool
) -> Step:
    """The step that runs ``revision`` up or down from ``heads``; ``heads`` becomes the heads
    after it."""
    check_current(graph, heads)
    if is_upgrade:
        return _after_upgrade(graph, heads, revision)
    if revision not in heads:
        raise RevisionError(
            f"Cannot downgrade {revision}: the version table does not hold it (it holds "
            f"{', '.join(heads) or 'nothing'}); undo the revisions above it first."
        )
    return _after_downgrade(graph, heads, revision)


def upgrade_plan(
    graph: RevisionGraph[Any], current: Sequence[str], targets: Sequence[str]
) -> list[Step]:
    """The steps that take a database at ``current`` up to ``targets``."""
    check_current(graph, current)
    if set(targets) <= set(current):
        return []  # already there (an application's start-up): no ancestry to walk
    applied = graph.ancestors(current)
    todo = graph.ancestors(targets) - applied
    heads = list(current)
    order = [rev.revision for rev in reversed(graph.newest_first(todo))]
    return [_after_upgrade(graph, heads, rid) for rid in order]


def downgrade_plan(
    graph: RevisionGraph[Any],
    current: Sequence[str],
    targets: Sequence[str],
    within: Set[str] | None = None,
) -> list[Step]:
    """The steps that take a database at ``current`` down to ``targets`` (``()`` is base).

    Only revisions above a target are undone, so other branches stay applied; with ``within``
    (the revisions of one branch, for ``LABEL@base``) only those are.  Whatever depends on an
    undone revision is undone first.
    """
    check_current(graph, current)
    applied = graph.ancestors(current)
    for target in targets:
        if target not in applied:
            raise RevisionError(
                f"Cannot downgrade to {target!r}: the database is not above it (it stands at "
                f"{', '.join(current) or 'base'}). Use `still upgrade {target}` to go forward."
            )
    if targets:
        undo = (graph.descendants(targets) & applied) - graph.ancestors(targets)
    else:
        undo = set(applied)
    if within is not None:
        undo &= within
    for rid in graph.ordered(applied):
        if rid not in undo and any(p in undo for p in graph.parents(rid)):
            undo.add(rid)
    heads = list(current)
    return [_after_downgrade(graph, heads, rev.revision) for rev in graph.newest_first(undo)]
