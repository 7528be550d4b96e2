"""Ancestry computed from what each revision declares, for the property tests to check still's
graph against: nothing here calls still's graph code (only reads each Revision's fields)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def parents(graph: Any, rid: str, dependencies: bool = True) -> set[str]:
    """What ``rid`` declares below it: its down revisions (and depends_on)."""
    revision = graph[rid]
    found = set(revision.down_revisions)
    if dependencies:
        found |= set(revision.dependencies)
    return found


def below(graph: Any, ids: Iterable[str], dependencies: bool = True) -> set[str]:
    """``ids`` and everything they build on."""
    seen: set[str] = set()
    todo = list(ids)
    while todo:
        rid = todo.pop()
        if rid not in seen:
            seen.add(rid)
            todo.extend(parents(graph, rid, dependencies))
    return seen


def above(graph: Any, ids: Iterable[str]) -> set[str]:
    """``ids`` and everything built on them by down_revision."""
    children: dict[str, set[str]] = {}
    for revision in graph:
        for parent in revision.down_revisions:
            children.setdefault(parent, set()).add(revision.revision)
    seen: set[str] = set()
    todo = list(ids)
    while todo:
        rid = todo.pop()
        if rid not in seen:
            seen.add(rid)
            todo.extend(children.get(rid, ()))
    return seen


def is_ancestor(graph: Any, ancestor: str, of: str) -> bool:
    return ancestor != of and ancestor in below(graph, [of])


def heads(graph: Any) -> set[str]:
    named = {p for revision in graph for p in revision.down_revisions}
    return {revision.revision for revision in graph} - named


def minimal(graph: Any, applied: Iterable[str]) -> set[str]:
    """What the version table must hold: the applied revisions no other applied one builds on."""
    applied = set(applied)
    return {r for r in applied if not any(is_ancestor(graph, r, o) for o in applied)}


def branch_members(graph: Any, label: str) -> set[str]:
    """Alembic's branch: the labelled revision, everything below it by down_revision only (a
    depends_on is not a fork of the branch) and everything above it."""
    (labelled,) = [r.revision for r in graph if label in r.declared_labels]
    return above(graph, [labelled]) | below(graph, [labelled], dependencies=False)
