"""The revision DAG: nodes by id, heads and bases, ancestry, validation.

The graph knows nothing of files or databases.  It is built once from :class:`Revision` nodes (the
script layer passes its ``Script`` objects, which are Revisions) and answers questions in time
linear in the size of the part of the graph they touch.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from typing import Generic, TypeVar

from still.errors import CycleDetected, ResolutionError, RevisionError
from still.graph.revision import Revision

R = TypeVar("R", bound=Revision)


class RevisionGraph(Generic[R]):
    """All revisions of a project, linked to their parents and children."""

    def __init__(self, revisions: Iterable[R], describe: Callable[[R], str] = repr) -> None:
        self._describe = describe
        self._by_id: dict[str, R] = {}
        self._by_label: dict[str, R] = {}
        # Every problem is collected, so one broken file does not hide the others.
        problems: list[str] = []
        for rev in revisions:
            other = self._by_id.get(rev.revision)
            if other is not None:
                problems.append(
                    f"Revision id {rev.revision!r} is declared twice: in {describe(other)} and in "
                    f"{describe(rev)}. Give one of them a new id (and update any down_revision "
                    "that meant it)."
                )
                continue
            self._by_id[rev.revision] = rev
            rev.children = []
            rev._graph = self
            for label in rev.declared_labels:
                if label in self._by_label:
                    problems.append(
                        f"Branch label {label!r} is declared by both "
                        f"{describe(self._by_label[label])} and {describe(rev)}; "
                        "a label must name one branch."
                    )
                self._by_label.setdefault(label, rev)
        for rev in self._by_id.values():
            for parent_id in rev.down_revisions:
                parent = self._by_id.get(parent_id)
                if parent is None:
                    problems.append(
                        f"{describe(rev)} says down_revision = {parent_id!r}, but no revision has "
                        "that id. Correct the down_revision, or restore the missing file."
                    )
                    continue
                parent.children.append(rev.revision)
            for dep in rev.dependencies:
                if dep not in self._by_id and dep not in self._by_label:
                    problems.append(
                        f"{describe(rev)} says depends_on = {dep!r}, but no revision or branch "
                        "label has that name. Correct depends_on."
                    )
        if problems:
            raise RevisionError("\n".join(problems))
        self.heads: tuple[str, ...] = tuple(
            r.revision for r in self._by_id.values() if not r.children
        )
        self.bases: tuple[str, ...] = tuple(r.revision for r in self._by_id.values() if r.is_base)
        self._check_acyclic()

    # -- lookup -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, revision_id: object) -> bool:
        return revision_id in self._by_id

    def __iter__(self) -> Iterator[R]:
        return iter(self._by_id.values())

    def __getitem__(self, revision_id: str) -> R:
        return self._by_id[revision_id]

    def describe(self, rev: R) -> str:
        return self._describe(rev)

    def by_label(self, label: str) -> R | None:
        return self._by_label.get(label)

    def lookup(self, prefix: str) -> R:
        """A revision by full id or unique id prefix (or branch label)."""
        found = self._by_id.get(prefix)
        if found is not None:
            return found
        labelled = self._by_label.get(prefix)
        if labelled is not None:
            return labelled
        candidates = [rid for rid in self._by_id if rid.startswith(prefix)] if prefix else []
        if len(candidates) == 1:
            return self._by_id[candidates[0]]
        if not candidates:
            raise ResolutionError(
                f"No revision {prefix!r} in this project. `still history` lists the revisions; "
                "`still heads` shows the newest.",
                prefix,
            )
        shown = ", ".join(sorted(candidates)[:10])
        raise ResolutionError(
            f"Revision prefix {prefix!r} is ambiguous: it matches {shown}"
            f"{' ...' if len(candidates) > 10 else ''}. Type more characters of the id.",
            prefix,
        )

    # -- ancestry ---------------------------------------------------------------------------------

    def _parents(self, rev: R, include_dependencies: bool) -> Iterator[str]:
        yield from rev.down_revisions
        if include_dependencies:
            for dep in rev.dependencies:
                labelled = self._by_label.get(dep)
                yield labelled.revision if labelled is not None else dep

    @cached_property
    def dependants(self) -> dict[str, list[str]]:
        """For each revision, the revisions whose depends_on names it (directly or by label)."""
        found: dict[str, list[str]] = {rid: [] for rid in self._by_id}
        for rev in self._by_id.values():
            for dep in rev.dependencies:
                target = self._by_label.get(dep) or self._by_id.get(dep)
                if target is not None:
                    found[target.revision].append(rev.revision)
        return found

    @cached_property
    def effective_labels(self) -> dict[str, frozenset[str]]:
        """Branch labels as Alembic shows them.

        A label covers the labelled revision and all its descendants.  Where that part of the
        graph is one straight line (no branch or merge point in it), the label also covers the
        revisions below it, down to the nearest branch or merge point.
        """

        def forks(rid: str) -> bool:
            rev = self._by_id[rid]
            return len(rev.children) + len(self.dependants[rid]) > 1 or rev.is_merge_point

        labels: dict[str, set[str]] = {
            rid: set(r.declared_labels) for rid, r in self._by_id.items()
        }
        for rev in self._by_id.values():
            if not rev.declared_labels:
                continue
            above = self.descendants([rev.revision])
            for rid in above:
                labels[rid] |= rev.declared_labels
            if any(forks(rid) for rid in above):
                continue
            node = rev
            while len(node.down_revisions) == 1:
                node = self._by_id[node.down_revisions[0]]
                if forks(node.revision):
                    break
                labels[node.revision] |= rev.declared_labels
        return {rid: frozenset(found) for rid, found in labels.items()}

    def parents(self, revision_id: str, include_dependencies: bool = True) -> list[str]:
        """The down revisions (and, by default, the dependencies) of one revision."""
        return list(dict.fromkeys(self._parents(self._by_id[revision_id], include_dependencies)))

    def branch_members(self, label: str) -> set[str]:
        """The revisions of the branch ``label`` names, as Alembic counts them: the labelled
        revision with all its ancestors and all its descendants."""
        rev = self.by_label(label) or self.lookup(label)
        return self.descendants([rev.revision]) | self.ancestors([rev.revision], False)

    def ancestors(self, ids: Iterable[str], include_dependencies: bool = True) -> set[str]:
        """The given revisions and everything below them."""
        seen: set[str] = set()
        stack = list(ids)
        while stack:
            rid = stack.pop()
            if rid in seen:
                continue
            seen.add(rid)
            stack.extend(self._parents(self._by_id[rid], include_dependencies))
        return seen

    def descendants(self, ids: Iterable[str], include_dependants: bool = False) -> set[str]:
        """The given revisions and everything above them (by down_revision and, if asked, by
        depends_on)."""
        seen: set[str] = set()
        stack = list(ids)
        while stack:
            rid = stack.pop()
            if rid in seen:
                continue
            seen.add(rid)
            stack.extend(self._by_id[rid].children)
            if include_dependants:
                stack.extend(self.dependants[rid])
        return seen

    def is_ancestor(self, ancestor: str, of: str, include_dependencies: bool = True) -> bool:
        """True if ``ancestor`` is strictly below ``of`` (by down_revision and, by default,
        depends_on)."""
        if ancestor == of:
            return False
        parents = list(self._parents(self._by_id[of], include_dependencies))
        floor = self._generation.get(ancestor)
        if floor is None:
            return False  # not a revision of this graph: below nothing
        # Only a revision of a later generation can have ``ancestor`` below it, so the search
        # never goes further down than ``ancestor`` itself: proving that a recent revision is
        # *not* below costs the distance to it, not the whole history.
        generation = self._generation
        seen: set[str] = set()
        stack = parents
        while stack:
            rid = stack.pop()
            if rid == ancestor:
                return True
            if rid not in seen:
                seen.add(rid)
                if generation[rid] > floor:
                    stack.extend(self._parents(self._by_id[rid], include_dependencies))
        return False

    @cached_property
    def _generation(self) -> dict[str, int]:
        """Each revision's longest distance from a base, over down_revision and depends_on: a
        revision below another always has a smaller number."""
        found: dict[str, int] = {}
        for rid in self.ordered(self._by_id):
            parents = self._parents(self._by_id[rid], True)
            found[rid] = 1 + max((found[p] for p in parents), default=-1)
        return found

    def ordered(self, ids: Iterable[str], include_dependencies: bool = True) -> list[str]:
        """``ids`` in an order where every revision comes after its parents (and dependencies).

        Among revisions that are ready at the same time, the order of the files is kept, so the
        result is deterministic.
        """
        by_id = self._by_id
        wanted = set(ids)
        waiting: dict[str, int] = {}
        dependants: dict[str, list[str]] = {}
        for rid in wanted:
            rev = by_id[rid]
            parents = (
                set(self._parents(rev, True))
                if include_dependencies and rev.dependencies
                else set(rev.down_revisions)
            )
            count = 0
            for p in parents:
                if p in wanted:
                    count += 1
                    dependants.setdefault(p, []).append(rid)
            waiting[rid] = count
        position = {rid: i for i, rid in enumerate(by_id)}
        ready = [(position[rid], rid) for rid, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        result: list[str] = []
        append, push, pop = result.append, heapq.heappush, heapq.heappop
        while ready:
            _, rid = pop(ready)
            append(rid)
            for child in dependants.get(rid, ()):
                waiting[child] -= 1
                if waiting[child] == 0:
                    push(ready, (position[child], child))
        return result

    def _walk_parents(self, rid: str) -> list[str]:
        """Down revisions, then the dependencies no revision below already depends on."""
        rev = self._by_id[rid]
        deps = {p for p in self._parents(rev, True) if p not in rev.down_revisions}
        if deps:
            for below in self.ancestors(rev.down_revisions, False):
                below_rev = self._by_id[below]
                deps -= set(self._parents(below_rev, True)) - set(below_rev.down_revisions)
        walk = list(rev.down_revisions)
        walk += [p for p in self._parents(rev, True) if p in deps and p not in walk]
        return walk

    def newest_first(self, ids: Iterable[str] | None = None) -> list[R]:
        """Revisions (all, or the given ones), each before its parents, branches kept together.

        The order is Alembic's: walk down from the first head; before showing a revision that
        another pending branch also leads to, show that branch first; a merge's first parent
        continues the walk, the others wait at the end of the line.
        """
        chosen = set(self._by_id) if ids is None else set(ids)
        frontier = [
            rid
            for rid in self._by_id
            if rid in chosen
            and not any(c in chosen for c in self._by_id[rid].children)
            and not any(d in chosen for d in self.dependants[rid])
        ]
        below: list[set[str] | None] = [None] * len(frontier)  # ancestors, computed on demand

        def ancestors_of(index: int) -> set[str]:
            found = below[index]
            if found is None:
                found = below[index] = self.ancestors([frontier[index]])
            return found

        result: list[R] = []
        done: set[str] = set()
        index = 0
        while frontier:
            candidate = frontier[index]
            if len(frontier) > 1:
                blocker = next(
                    (
                        other
                        for other in range(len(frontier))
                        if other != index and candidate in ancestors_of(other)
                    ),
                    None,
                )
                if blocker is not None:
                    index = blocker
                    continue
            if candidate not in done:
                result.append(self._by_id[candidate])
                done.add(candidate)
            nexts = [
                p
                for p in self._walk_parents(candidate)
                if p in chosen and p not in done and p not in frontier
            ]
            if not nexts:
                del frontier[index]
                del below[index]
                index = max(index - 1, 0)
                continue
            frontier[index] = nexts[0]
            below[index] = None
            frontier.extend(nexts[1:])
            below.extend([None] * (len(nexts) - 1))
        return result

    # -- validation -------------------------------------------------------------------------------

    def _check_acyclic(self) -> None:
        # Kahn's algorithm over down_revision and dependencies; what is left over lies on a cycle.
        # (Every parent exists: missing ones were reported above.)  No order is needed here, so
        # no priority queue either.
        waiting: dict[str, int] = {}
        dependants: dict[str, list[str]] = {}
        for rid, rev in self._by_id.items():
            parents = set(self._parents(rev, True)) if rev.dependencies else set(rev.down_revisions)
            waiting[rid] = len(parents)
            for p in parents:
                dependants.setdefault(p, []).append(rid)
        ready = [rid for rid, n in waiting.items() if n == 0]
        while ready:
            for child in dependants.get(ready.pop(), ()):
                waiting[child] -= 1
                if waiting[child] == 0:
                    ready.append(child)
        stuck = sorted(rid for rid, n in waiting.items() if n > 0)
        if not stuck:
            return
        described = ", ".join(self.describe(self._by_id[rid]) for rid in stuck[:5])
        raise CycleDetected(
            stuck,
            f"The revisions form a cycle: {described}"
            f"{' ...' if len(stuck) > 5 else ''} (following down_revision and depends_on). "
            "A revision cannot come before itself; correct the down_revision of one of them.",
        )
