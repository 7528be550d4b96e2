"""``RevisionMap``: Alembic's interface to a revision graph, over still's :class:`RevisionGraph`.

Applications and add-ons build one (``RevisionMap(lambda: revisions)``) or take the script
directory's (``script.revision_map``) and ask it for heads, revisions by identifier, and ranges
of revisions.  Every answer comes from the graph still plans with, so it agrees with what still's
commands do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from typing import Any, TypeVar

from still.errors import MultipleHeads, RangeNotAncestorError, ResolutionError, RevisionError
from still.graph.graph import RevisionGraph
from still.graph.plan import downgrade_plan
from still.graph.revision import Revision, as_tuple

T = TypeVar("T")


class RevisionMap:
    """The revisions a generator gives, as a graph (built on first use)."""

    def __init__(self, generator: Callable[[], Iterable[Revision]]) -> None:
        self._generator = generator

    @classmethod
    def of(cls, graph: RevisionGraph[Any]) -> RevisionMap:
        """The map of a graph already built."""
        revision_map = cls(lambda: list(graph))
        revision_map.__dict__["graph"] = graph
        return revision_map

    @cached_property
    def graph(self) -> RevisionGraph[Any]:
        return RevisionGraph(self._generator(), describe=_describe)

    # -- heads and bases ---------------------------------------------------------------------------

    @property
    def heads(self) -> tuple[str, ...]:
        """Every revision no other revision builds on (by down_revision)."""
        return tuple(self.graph.heads)

    @property
    def bases(self) -> tuple[str, ...]:
        """Every revision without a down_revision."""
        return tuple(self.graph.bases)

    @property
    def _real_heads(self) -> tuple[str, ...]:
        """The heads nothing depends on: what the version table holds at the top."""
        graph = self.graph
        return tuple(h for h in graph.heads if not graph.dependants[h])

    @property
    def _real_bases(self) -> tuple[str, ...]:
        graph = self.graph
        return tuple(b for b in graph.bases if not graph[b].dependencies)

    @property
    def _revision_map(self) -> dict[str | None, Any]:
        """Every revision by id and by branch label; ``None`` is base."""
        graph = self.graph
        found: dict[str | None, Any] = {None: None}
        for rev in graph:
            found[rev.revision] = rev
            for label in rev.declared_labels:
                found[label] = rev
        return found

    def add_revision(self, revision: Revision, _replace: bool = False) -> None:
        """Add one revision (or, with ``_replace``, put it in place of the one with its id)."""
        graph = self.graph
        if revision.revision in graph and not _replace:
            raise RevisionError(f"Revision {revision.revision} is already in the map.")
        kept = [r for r in graph if r.revision != revision.revision]
        self.__dict__["graph"] = RevisionGraph([*kept, revision], describe=graph.describe)

    # -- identifiers -------------------------------------------------------------------------------

    def get_current_head(self, branch_label: str | None = None) -> str | None:
        """The one head (of ``branch_label``'s branch); None without revisions."""
        heads: Sequence[str] = self.heads
        if branch_label:
            heads = self.filter_for_lineage(heads, branch_label)
        if len(heads) > 1:
            raise MultipleHeads(heads, f"{branch_label}@head" if branch_label else "head")
        return heads[0] if heads else None

    def _resolve_revision_number(self, id_: Any) -> tuple[tuple[str, ...], str | None]:
        """An identifier -> (the revision ids it names, the branch label it carries)."""
        branch_label: str | None = None
        if isinstance(id_, str) and "@" in id_:
            branch_label, id_ = id_.split("@", 1)
        elif id_ is not None and not isinstance(id_, (str, tuple, list)):
            raise RevisionError(
                f"Revision identifier {id_!r} is not a string; check the database driver's "
                "settings (the version table holds strings)."
            )
        if id_ == "heads":
            if branch_label:
                return self.filter_for_lineage(self.heads, branch_label), branch_label
            return self._real_heads, None
        if id_ == "head":
            head = self.get_current_head(branch_label)
            return ((head,) if head else ()), branch_label
        if id_ in ("base", None):
            return (), branch_label
        return as_tuple(id_), branch_label

    def get_revisions(self, id_: Any) -> tuple[Any, ...]:
        """The revisions an identifier (or a sequence of identifiers) names; ``()`` for base."""
        if isinstance(id_, (list, tuple, set, frozenset)):
            return tuple(rev for one in id_ for rev in self.get_revisions(one))
        ids, branch_label = self._resolve_revision_number(id_)
        if len(ids) == 1 and _negative(ids[0]):
            steps = int(ids[0])
            starts = self.get_revisions("heads")
            if branch_label is not None:
                starts = tuple(h for h in starts if branch_label in h.branch_labels)
            return tuple(self._walk_down(head, -steps) for head in starts)
        return tuple(self._revision_for_ident(rid, branch_label) for rid in ids)

    def get_revision(self, id_: str | None) -> Any:
        """The one revision an identifier names; None for base."""
        ids, branch_label = self._resolve_revision_number(id_)
        if len(ids) > 1:
            raise MultipleHeads(ids, str(id_))
        if not ids:
            return None
        return self._revision_for_ident(ids[0], branch_label)

    def _revision_for_ident(self, rev_id: str, branch_label: str | None = None) -> Any:
        graph = self.graph
        branch = None
        if branch_label is not None:
            branch = graph.by_label(branch_label)
            if branch is None:
                try:
                    branch = graph.lookup(branch_label)
                except RevisionError:
                    raise ResolutionError(
                        f"No such branch: {branch_label!r}. `still branches` and `still heads -v` "
                        "list the branch labels.",
                        branch_label,
                    ) from None
        if rev_id in graph:
            rev = graph[rev_id]
        elif graph.by_label(rev_id) is not None:
            rev = graph.by_label(rev_id)
        else:
            candidates = [r for r in graph if r.revision.startswith(rev_id)] if rev_id else []
            if branch is not None and len(candidates) > 1:
                candidates = [r for r in candidates if self._shares_lineage(r, [branch])]
            if len(candidates) != 1:
                graph.lookup(rev_id)  # the error that says which: none, or several
            rev = candidates[0]
        if branch is not None and not self._shares_lineage(rev, [branch]):
            raise ResolutionError(
                f"Revision {rev.revision} is not a member of branch {branch_label!r}.", rev_id
            )
        return rev

    def _walk_down(self, start: Any, steps: int) -> Any:
        rev = start
        for _ in range(steps):
            if rev is None or not rev.down_revisions:
                raise RevisionError(f"Relative revision -{steps} goes below base.")
            if len(rev.down_revisions) > 1:
                raise MultipleHeads(rev.down_revisions, f"-{steps}")
            rev = self.graph[rev.down_revisions[0]]
        return rev

    # -- lineage -----------------------------------------------------------------------------------

    def filter_for_lineage(
        self, targets: Iterable[T], check_against: str | None, include_dependencies: bool = False
    ) -> tuple[T, ...]:
        """The ``targets`` (revisions or ids) on the same line as ``check_against``: below it or
        above it."""
        ids, branch_label = self._resolve_revision_number(check_against)
        against: list[Any] = []
        if branch_label:
            against.append(branch_label)
        against.extend(ids)
        return tuple(t for t in targets if self._shares_lineage(t, against, include_dependencies))

    def _shares_lineage(
        self, target: Any, against: Sequence[Any], include_dependencies: bool = False
    ) -> bool:
        if not against:
            return True
        graph = self.graph
        rev = target if isinstance(target, Revision) else self._revision_for_ident(target)
        others = {
            (a if isinstance(a, Revision) else self._revision_for_ident(a)).revision
            for a in against
        }
        related = graph.descendants([rev.revision], include_dependencies) | graph.ancestors(
            [rev.revision], include_dependencies
        )
        return bool(related & others)

    def _get_all_current(self, id_: tuple[str, ...]) -> set[Any]:
        """The revisions a version table holding ``id_`` stands at: those ids and what they
        depend on, each branch by its top revision."""
        graph = self.graph
        tops = {rev.revision for rev in self.get_revisions(id_) if rev is not None}
        tops |= graph.ancestors(tops, include_dependencies=True)
        found = {
            rid
            for rid in tops
            if not (graph.descendants([rid], include_dependants=False) - {rid}) & tops
        }
        return {graph[rid] for rid in found}

    # -- ranges ------------------------------------------------------------------------------------

    def iterate_revisions(
        self,
        upper: Any,
        lower: Any,
        implicit_base: bool = False,
        inclusive: bool = False,
        assert_relative_length: bool = True,
        select_for_downgrade: bool = False,
    ) -> Iterator[Any]:
        """The revisions between ``lower`` and ``upper``, newest first.

        Upgrading (the default): what lies below ``upper`` and not below ``lower`` (with
        ``inclusive``, ``lower`` too); ``lower`` must be below ``upper``, and only what builds
        on it is given, unless ``implicit_base``.  With ``select_for_downgrade``: what a
        database at ``upper`` undoes to stand at ``lower``.
        """
        graph = self.graph
        uppers = self._ids(upper)
        lowers = self._ids(lower)
        if select_for_downgrade:
            applied = graph.ancestors(uppers)
            targets = tuple(t for t in lowers if t in applied)
            if len(targets) != len(lowers):
                raise RangeNotAncestorError(lower, upper)
            steps = downgrade_plan(graph, uppers, targets)
            order = [graph[s.revision] for s in steps if s.revision]
            if inclusive:
                order += [graph[t] for t in targets]
            yield from order
            return
        below = graph.ancestors(uppers)
        if not implicit_base:
            for rid in lowers:
                if rid not in below:
                    raise RangeNotAncestorError(lower, upper)
        todo = below - graph.ancestors(lowers)
        if inclusive:
            todo |= {rid for rid in lowers if rid in below}
        if lowers and not implicit_base:
            # only what builds on ``lower`` (other bases' revisions stay out)
            todo &= graph.descendants(lowers)
        yield from graph.newest_first(todo)

    def _ids(self, identifier: Any) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(rev.revision for rev in self.get_revisions(identifier) if rev is not None)
        )


def _negative(text: str) -> bool:
    return text.startswith("-") and text[1:].isdigit()


def _describe(rev: Any) -> str:
    return str(getattr(rev, "path", None) or rev.revision)
