"""The revision DAG: nodes by id, heads and bases, ancestry, validation.

The graph knows nothing of files or databases.  It is built once from :class:`Revision` nodes (the
script layer passes its ``Script`` objects, which are Revisions) and answers questions in time
linear in the size of the part of the graph they touch.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

from still.errors import RevisionError
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
            for label in rev.branch_labels:
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
            raise RevisionError(
                f"No revision {prefix!r} in this project. `still history` lists the revisions; "
                "`still heads` shows the newest."
            )
        shown = ", ".join(sorted(candidates)[:10])
        raise RevisionError(
            f"Revision prefix {prefix!r} is ambiguous: it matches {shown}"
            f"{' ...' if len(candidates) > 10 else ''}. Type more characters of the id."
        )

    # -- ancestry ---------------------------------------------------------------------------------

    def _parents(self, rev: R, include_dependencies: bool) -> Iterator[str]:
        yield from rev.down_revisions
        if include_dependencies:
            for dep in rev.dependencies:
                labelled = self._by_label.get(dep)
                yield labelled.revision if labelled is not None else dep

    def parents(self, revision_id: str, include_dependencies: bool = True) -> list[str]:
        """The down revisions (and, by default, the dependencies) of one revision."""
        return list(self._parents(self._by_id[revision_id], include_dependencies))

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

    def descendants(self, ids: Iterable[str]) -> set[str]:
        """The given revisions and everything above them (by down_revision)."""
        seen: set[str] = set()
        stack = list(ids)
        while stack:
            rid = stack.pop()
            if rid in seen:
                continue
            seen.add(rid)
            stack.extend(self._by_id[rid].children)
        return seen

    def is_ancestor(self, ancestor: str, of: str) -> bool:
        """True if ``ancestor`` is below ``of`` (strictly), following down_revision only."""
        if ancestor == of:
            return False
        seen: set[str] = set()
        stack = list(self._by_id[of].down_revisions)
        while stack:
            rid = stack.pop()
            if rid == ancestor:
                return True
            if rid not in seen:
                seen.add(rid)
                stack.extend(self._by_id[rid].down_revisions)
        return False

    def ordered(self, ids: Iterable[str], include_dependencies: bool = True) -> list[str]:
        """``ids`` in an order where every revision comes after its parents (and dependencies).

        Among revisions that are ready at the same time, the order of the files is kept, so the
        result is deterministic.
        """
        wanted = set(ids)
        waiting: dict[str, int] = {}
        for rid in wanted:
            waiting[rid] = sum(
                1 for p in set(self._parents(self._by_id[rid], include_dependencies)) if p in wanted
            )
        dependants: dict[str, list[str]] = {rid: [] for rid in wanted}
        for rid in wanted:
            for p in set(self._parents(self._by_id[rid], include_dependencies)):
                if p in wanted:
                    dependants[p].append(rid)
        position = {rid: i for i, rid in enumerate(self._by_id)}
        ready = [(position[rid], rid) for rid, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        result: list[str] = []
        while ready:
            _, rid = heapq.heappop(ready)
            result.append(rid)
            for child in dependants[rid]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, (position[child], child))
        return result

    def newest_first(self, ids: Sequence[str] | None = None) -> list[R]:
        """Revisions (all, or the given ones) with every child before its parents."""
        chosen = list(self._by_id) if ids is None else list(ids)
        return [self._by_id[rid] for rid in reversed(self.ordered(chosen, False))]

    # -- validation -------------------------------------------------------------------------------

    def _check_acyclic(self) -> None:
        # Kahn's algorithm over down_revision and dependencies; what is left over lies on a cycle.
        order = self.ordered(self._by_id)
        if len(order) == len(self._by_id):
            return
        stuck = sorted(set(self._by_id) - set(order))
        described = ", ".join(self.describe(self._by_id[rid]) for rid in stuck[:5])
        raise RevisionError(
            f"The revisions form a cycle: {described}"
            f"{' ...' if len(stuck) > 5 else ''} (following down_revision and depends_on). "
            "A revision cannot come before itself; correct the down_revision of one of them."
        )
