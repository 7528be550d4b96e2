"""A node of the revision graph: what a revision file declares about its place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass(eq=False)
class Revision:
    """One revision: its id, its parents, its labels and dependencies."""

    revision: str
    down_revisions: tuple[str, ...] = ()
    branch_labels: frozenset[str] = frozenset()
    dependencies: tuple[str, ...] = ()
    # Filled in by the graph: the revisions whose down_revision names this one.
    children: list[str] = field(default_factory=list, repr=False)

    @property
    def down_revision(self) -> str | tuple[str, ...] | None:
        """As the revision file writes it: one id, a tuple of ids for a merge, or ``None``."""
        return as_scalar(self.down_revisions)

    @property
    def is_base(self) -> bool:
        return not self.down_revisions

    @property
    def is_merge_point(self) -> bool:
        return len(self.down_revisions) > 1

    @property
    def is_branch_point(self) -> bool:
        return len(self.children) > 1

    def __repr__(self) -> str:
        return f"Revision({self.revision!r}, down={self.down_revision!r})"
