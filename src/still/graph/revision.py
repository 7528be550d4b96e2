"""A node of the revision graph: what a revision file declares about its place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


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
