"""Revision identifiers, as Alembic accepts them, resolved against a graph.

``head``, ``heads``, ``base``, ``current``, full ids, unique prefixes, branch labels,
``LABEL@head``, ``LABEL@base``, relative ``+N`` / ``-N`` (from where the database stands) and
``REV+N`` / ``REV-N``.  Every function returns the tuple of revision ids that should be the heads
once the command is done; ``()`` is base.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from still.errors import MultipleHeads, RevisionError
from still.graph.graph import RevisionGraph
from still.graph.plan import check_current

_RELATIVE = re.compile(r"^(?P<base>.*?)(?P<sign>[+-])(?P<steps>\d+)$")


def _single_head(graph: RevisionGraph[Any], heads: Sequence[str], what: str) -> str:
    if len(heads) > 1:
        raise MultipleHeads(
            f"{what} is ambiguous: there are {len(heads)} heads ({', '.join(heads)}). Name the "
            "head you mean, use `heads` to target all of them, or `still merge heads` to join "
            "them into one."
        )
    if not heads:
        raise RevisionError(f"{what}: this project has no revisions yet (`still revision -m ...`).")
    return heads[0]


def _branch_head(graph: RevisionGraph[Any], label: str) -> tuple[str, ...]:
    rev = graph.by_label(label) or graph.lookup(label)
    heads = [h for h in graph.heads if h in graph.descendants([rev.revision])]
    return (_single_head(graph, heads, f"{label}@head"),)


def _branch_revision(graph: RevisionGraph[Any], label: str, where: str) -> str:
    """``LABEL@REV``: REV, which must belong to the branch LABEL names."""
    try:
        members = graph.branch_members(label)
    except RevisionError:
        raise RevisionError(
            f"No such branch: {label!r} (in {label}@{where}). `still branches` and "
            "`still heads -v` list the branch labels."
        ) from None
    rev: str = graph.lookup(where).revision
    if rev not in members:
        raise RevisionError(
            f"{where!r} is not a member of branch {label!r} (in {label}@{where}). `still history "
            f"-r {label}@base:{label}@head` lists that branch's revisions."
        )
    return rev


def resolve_targets(
    graph: RevisionGraph[Any], spec: str, current: Sequence[str] = ()
) -> tuple[str, ...]:
    """Resolve a non-relative identifier to the revisions it names."""
    spec = spec.strip()
    if spec == "heads":
        return tuple(graph.heads)
    if spec == "head":
        if not graph.heads:
            return ()  # no revisions yet: upgrading or stamping to head does nothing
        return (_single_head(graph, graph.heads, "'head'"),)
    if spec == "base":
        return ()
    if spec == "current":
        return tuple(current)
    label, at, where = spec.partition("@")
    if at:
        if where in ("head", "heads"):
            return _branch_head(graph, label)
        if where == "base":
            return ()
        return (_branch_revision(graph, label, where),)
    return (graph.lookup(spec).revision,)


def _walk(
    graph: RevisionGraph[Any],
    start: str | None,
    steps: int,
    spec: str,
    within: set[str] | None = None,
    split: bool = True,
) -> tuple[str, ...]:
    """Move ``steps`` revisions up (positive) or down (negative) from ``start`` (None = base).

    Going down from a merge point on the last step lands on all of its parents (with ``split``,
    as a plain ``-N`` does in Alembic); otherwise a merge point makes the walk ambiguous.
    """
    position = start
    for step in range(abs(steps)):
        if steps > 0:
            nexts = list(graph.bases) if position is None else graph[position].children
        else:
            if position is None:
                raise RevisionError(
                    f"{spec!r} goes below base; there are not enough revisions under it."
                )
            nexts = list(graph[position].down_revisions)
            if not nexts:
                position = None
                continue
            if len(nexts) > 1 and step == abs(steps) - 1 and split:
                return tuple(nexts)
        if within is not None and steps > 0:
            # Walking up a labelled branch: only its own revisions count.
            nexts = [n for n in nexts if n in within]
        if not nexts:
            raise RevisionError(
                f"{spec!r} goes past the newest revision; there are not enough revisions above it."
            )
        if len(nexts) > 1:
            raise MultipleHeads(
                f"{spec!r} is ambiguous at {position or 'base'}: the graph splits into "
                f"{', '.join(nexts)}. Name a revision instead of a relative step."
            )
        position = nexts[0]
    return () if position is None else (position,)


def _relative(
    graph: RevisionGraph[Any], spec: str, current: Sequence[str]
) -> tuple[str, ...] | None:
    spec = spec.strip()
    if spec in graph or graph.by_label(spec) is not None:
        return None  # a revision id or label such as "release-2" is not a relative step
    match = _RELATIVE.match(spec)
    if not match:
        return None
    try:
        steps = int(match["steps"]) * (1 if match["sign"] == "+" else -1)
    except ValueError:  # more digits than Python converts
        raise RevisionError(
            f"{spec[:40]!r}... asks for more steps than any project has revisions."
        ) from None
    base_spec = match["base"]
    if base_spec.endswith("@"):
        # LABEL@+N / LABEL@-N: relative to where the database stands on that branch.
        members = graph.branch_members(base_spec[:-1])
        starts: tuple[str, ...] = tuple(h for h in current if h in members)
        if not starts and current:
            applied = graph.ancestors(current)
            starts = tuple(
                rid
                for rid in members & applied
                if not any(c in members & applied for c in graph[rid].children)
            )
        if not starts and steps < 0:
            return tuple(current)  # nothing of that branch is applied: nothing to undo
        start = _single_head(graph, starts, repr(spec)) if starts else None
        # Within a branch, stepping down through a merge point is ambiguous (as in Alembic).
        return _walk(graph, start, steps, spec, within=members, split=False)
    elif base_spec in ("head", "heads"):
        # head-N: from the one head; heads-N: from the one head nothing depends on.
        heads = [h for h in graph.heads if base_spec == "head" or not graph.dependants[h]]
        start = _single_head(graph, heads, repr(spec))
        return _walk(graph, start, steps, spec, split=False)
    elif base_spec:
        starts = resolve_targets(graph, base_spec, current)
        start = _single_head(graph, starts, repr(spec)) if starts else None
        # REV-N through a merge point is ambiguous (only a plain -N lands on all parents).
        return _walk(graph, start, steps, spec, split=False)
    else:
        start = _single_head(graph, current, repr(spec)) if current else None
    return _walk(graph, start, steps, spec)


def resolve_destination(
    graph: RevisionGraph[Any], spec: str, current: Sequence[str]
) -> tuple[str, ...]:
    """What ``still upgrade SPEC`` or ``still downgrade SPEC`` should leave as heads (``()`` for
    base): a relative step (``+N``, ``-N``, ``REV+N``, ``head-N``, ``LABEL@+N``) taken from
    ``current``, else what the identifier names.  The answer does not depend on the direction;
    the plan to it does (:mod:`still.graph.targets`)."""
    check_current(graph, current)
    relative = _relative(graph, spec, current)
    return relative if relative is not None else resolve_targets(graph, spec, current)


# One function under the names each direction's callers know it by.
resolve_upgrade_target = resolve_downgrade_target = resolve_destination
