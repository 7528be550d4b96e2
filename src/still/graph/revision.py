"""A node of the revision graph: what a revision file declares about its place.

The constructor and the attributes are Alembic's (``Revision(revision, down_revision,
dependencies, branch_labels)``, ``nextrev``, ``is_head`` ...), so code written against
``alembic.script.revision.Revision`` works with still's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from still.graph.graph import RevisionGraph

# Characters a revision id cannot hold: they mean something in identifiers (LABEL@REV, REV+N,
# REV-N, BASE:HEAD).
ILLEGAL_ID_CHARACTERS = frozenset("@-+:")

# Characters the identifier grammar gives a meaning to, so a revision id cannot hold them (real
# Alembic refuses the same four when it loads a project): `-1` or `ab-1` would read as a step
# down, `a:b` as a range (`history -r`), `a@b` as a revision of the branch labelled a.
ID_SYNTAX = {
    "+": "a relative step (+N)",
    "-": "a relative step (-N)",
    ":": "a range (A:B)",
    "@": "a branch label reference (LABEL@REV)",
}


def id_syntax_in(rev_id: str) -> str | None:
    """What in ``rev_id`` an identifier would read as syntax (``"'-' reads as a relative step
    (-N)"``), or None for an id the grammar can only read as itself."""
    found = [ch for ch in ID_SYNTAX if ch in rev_id]
    if not found:
        return None
    return "; ".join(f"{ch!r} reads as {ID_SYNTAX[ch]}" for ch in found)


def as_tuple(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``None`` -> ``()``, ``"a"`` -> ``("a",)``, ``["a", "b"]`` -> ``("a", "b")``."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    return tuple(value)


def as_scalar(values: tuple[str, ...]) -> str | tuple[str, ...] | None:
    """The inverse of :func:`as_tuple`, as revision files and templates write it."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return values


class Revision:
    """One revision: its id, its parents, its labels and dependencies.

    ``branch_labels`` are the labels that apply to the revision once it is part of a graph (its
    own and those it inherits along its branch, as Alembic shows them); ``declared_labels`` are
    the ones its file declares.
    """

    def __init__(
        self,
        revision: str,
        down_revision: str | Iterable[str] | None = None,
        dependencies: str | Iterable[str] | None = None,
        branch_labels: str | Iterable[str] | None = None,
        _resolved_dependencies: Any = None,
    ) -> None:
        self.revision = revision
        self.down_revisions: tuple[str, ...] = as_tuple(down_revision)
        self.dependencies: tuple[str, ...] = as_tuple(dependencies)
        self.declared_labels: frozenset[str] = frozenset(as_tuple(branch_labels))
        # Filled in by the graph: the revisions whose down_revision names this one.
        self.children: list[str] = []
        self._graph: RevisionGraph[Any] | None = None

    @classmethod
    def verify_rev_id(cls, revision: str) -> None:
        """Refuse an id that holds a character identifiers give a meaning to."""
        from still.errors import RevisionError

        bad = sorted(set(revision) & ILLEGAL_ID_CHARACTERS)
        if bad:
            raise RevisionError(
                f"Revision id {revision!r} holds {', '.join(bad)}, which identifiers use "
                "(LABEL@REV, REV+N, REV-N, BASE:HEAD). Choose an id without them."
            )

    @property
    def down_revision(self) -> str | tuple[str, ...] | None:
        """As the revision file writes it: one id, a tuple of ids for a merge, or ``None``."""
        return as_scalar(self.down_revisions)

    @property
    def branch_labels(self) -> frozenset[str]:
        """The labels of this revision's branch (declared here or inherited along it)."""
        graph = self._graph
        if graph is None:
            return self.declared_labels
        return graph.effective_labels[self.revision]

    @property
    def _orig_branch_labels(self) -> tuple[str, ...]:
        return tuple(sorted(self.declared_labels))

    @property
    def nextrev(self) -> frozenset[str]:
        """The revisions whose down_revision names this one."""
        return frozenset(self.children)

    @property
    def _all_nextrev(self) -> frozenset[str]:
        """The revisions above this one by down_revision or depends_on."""
        graph = self._graph
        dependants = graph.dependants.get(self.revision, ()) if graph is not None else ()
        return frozenset(self.children) | frozenset(dependants)

    def add_nextrev(self, revision: Revision) -> None:
        """Record ``revision`` as built on this one (the graph does this for every revision)."""
        if self.revision in revision.down_revisions and revision.revision not in self.children:
            self.children.append(revision.revision)

    @property
    def _versioned_down_revisions(self) -> tuple[str, ...]:
        return self.down_revisions

    @property
    def _all_down_revisions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.down_revisions + self.dependencies))

    @property
    def is_head(self) -> bool:
        """No revision names this one as its down_revision."""
        return not self.children

    @property
    def _is_real_head(self) -> bool:
        return not self._all_nextrev

    @property
    def is_base(self) -> bool:
        return not self.down_revisions

    @property
    def _is_real_base(self) -> bool:
        return not self.down_revisions and not self.dependencies

    @property
    def is_merge_point(self) -> bool:
        return len(self.down_revisions) > 1

    @property
    def is_branch_point(self) -> bool:
        return len(self.children) > 1

    @property
    def _is_real_branch_point(self) -> bool:
        return len(self._all_nextrev) > 1

    def __repr__(self) -> str:
        return f"Revision({self.revision!r}, down={self.down_revision!r})"


def tuple_rev_as_scalar(rev: Any) -> Any:
    """``()`` / ``None`` -> ``None``, a one-item sequence -> its item, else the sequence."""
    if not rev:
        return None
    if len(rev) == 1:
        return rev[0]
    return rev


def is_revision(rev: Any) -> Revision:
    """``rev``, checked to be a :class:`Revision`."""
    if not isinstance(rev, Revision):
        raise TypeError(f"{rev!r} is not a Revision")
    return rev
