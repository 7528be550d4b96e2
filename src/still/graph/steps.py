"""Migration steps as Alembic's API shows them: ``RevisionStep``, ``StampStep``, ``MigrationInfo``.

Applications that drive migrations from their own code (Alembic's documented pattern, and
add-ons such as pytest-alembic) give ``EnvironmentContext`` a function ``fn(rev, context)`` that
returns a list of steps, usually built with ``ScriptDirectory._upgrade_revs(destination, rev)``.
These classes are those steps.  still runs plans of its own :class:`~still.graph.plan.Step`;
:func:`as_plan` turns a list of these into one, computing each step's version-table change from
the heads the database records, as still's own plans do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from still.graph.graph import RevisionGraph
from still.graph.plan import Step, step_after
from still.graph.revision import as_tuple


class MigrationInfo:
    """One applied step, as ``on_version_apply`` callbacks receive it: the revision ids it moves
    the version table from and to, and whether it is an upgrade or a stamp."""

    def __init__(
        self,
        revision_map: Any,
        is_upgrade: bool,
        is_stamp: bool,
        up_revisions: str | Sequence[str] | None,
        down_revisions: str | Sequence[str] | None,
    ) -> None:
        self.revision_map = revision_map
        self.is_upgrade = is_upgrade
        self.is_stamp = is_stamp
        self.up_revision_ids = as_tuple(up_revisions)
        self.down_revision_ids = as_tuple(down_revisions)

    @property
    def is_migration(self) -> bool:
        """True for a real migration, False for a stamp."""
        return not self.is_stamp

    @property
    def up_revision_id(self) -> str | None:
        return self.up_revision_ids[0] if len(self.up_revision_ids) == 1 else None

    @property
    def source_revision_ids(self) -> tuple[str, ...]:
        return self.down_revision_ids if self.is_upgrade else self.up_revision_ids

    @property
    def destination_revision_ids(self) -> tuple[str, ...]:
        return self.up_revision_ids if self.is_upgrade else self.down_revision_ids

    def _revisions(self, ids: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(self.revision_map[rid] for rid in ids)

    @property
    def up_revision(self) -> Any:
        """The revision upgraded to, when there is exactly one."""
        rid = self.up_revision_id
        return self.revision_map[rid] if rid is not None else None

    @property
    def up_revisions(self) -> tuple[Any, ...]:
        return self._revisions(self.up_revision_ids)

    @property
    def down_revisions(self) -> tuple[Any, ...]:
        return self._revisions(self.down_revision_ids)

    @property
    def source_revisions(self) -> tuple[Any, ...]:
        return self._revisions(self.source_revision_ids)

    @property
    def destination_revisions(self) -> tuple[Any, ...]:
        return self._revisions(self.destination_revision_ids)


def _lookup(revision_map: Any) -> Any:
    """Something indexable by revision id: a graph, or a RevisionMap's graph."""
    return getattr(revision_map, "graph", revision_map)


class MigrationStep:
    """A step of a plan: run one revision (:class:`RevisionStep`) or move the version table
    only (:class:`StampStep`)."""

    is_upgrade: bool
    doc: str | None = None

    @property
    def migration_fn(self) -> Any:
        raise NotImplementedError

    @property
    def from_revisions_no_deps(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def to_revisions_no_deps(self) -> tuple[str, ...]:
        raise NotImplementedError

    @property
    def name(self) -> str:
        return str(self.migration_fn.__name__)

    @classmethod
    def upgrade_from_script(cls, revision_map: Any, script: Any) -> RevisionStep:
        return RevisionStep(revision_map, script, True)

    @classmethod
    def downgrade_from_script(cls, revision_map: Any, script: Any) -> RevisionStep:
        return RevisionStep(revision_map, script, False)

    @property
    def is_downgrade(self) -> bool:
        return not self.is_upgrade

    @property
    def short_log(self) -> str:
        before = ", ".join(self.from_revisions_no_deps)
        after = ", ".join(self.to_revisions_no_deps)
        return f"{self.name} {before} -> {after}"

    def __str__(self) -> str:
        return f"{self.short_log}, {self.doc}" if self.doc else self.short_log


class RevisionStep(MigrationStep):
    """Run one revision's ``upgrade()`` or ``downgrade()``."""

    def __init__(self, revision_map: Any, revision: Any, is_upgrade: bool) -> None:
        self.revision_map = revision_map
        self.revision = revision
        self.is_upgrade = is_upgrade

    @property
    def migration_fn(self) -> Any:
        module = self.revision.module
        return module.upgrade if self.is_upgrade else module.downgrade

    def __repr__(self) -> str:
        return f"RevisionStep({self.revision.revision!r}, is_upgrade={self.is_upgrade!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RevisionStep)
            and other.revision is self.revision
            and other.is_upgrade == self.is_upgrade
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def doc(self) -> str | None:  # type: ignore[override]
        return str(self.revision.doc)

    @property
    def _down(self) -> tuple[str, ...]:
        return tuple(self.revision.down_revisions)

    @property
    def from_revisions(self) -> tuple[str, ...]:
        if self.is_upgrade:
            return self.revision._all_down_revisions  # type: ignore[no-any-return]
        return (self.revision.revision,)

    @property
    def from_revisions_no_deps(self) -> tuple[str, ...]:
        return self._down if self.is_upgrade else (self.revision.revision,)

    @property
    def to_revisions(self) -> tuple[str, ...]:
        if self.is_upgrade:
            return (self.revision.revision,)
        return self.revision._all_down_revisions  # type: ignore[no-any-return]

    @property
    def to_revisions_no_deps(self) -> tuple[str, ...]:
        return (self.revision.revision,) if self.is_upgrade else self._down

    # Alembic's bookkeeping questions, answered from the change still records for these heads.

    def _change(self, heads: Iterable[str]) -> Step:
        graph = _lookup(self.revision_map)
        return step_after(graph, list(heads), self.revision.revision, self.is_upgrade)

    def should_delete_branch(self, heads: Iterable[str]) -> bool:
        return self.is_downgrade and not self._change(heads).adds

    def should_create_branch(self, heads: Iterable[str]) -> bool:
        return self.is_upgrade and not self._change(heads).removes

    def should_merge_branches(self, heads: Iterable[str]) -> bool:
        return self.is_upgrade and len(self._change(heads).removes) > 1

    def should_unmerge_branches(self, heads: Iterable[str]) -> bool:
        return self.is_downgrade and len(self._change(heads).adds) > 1

    def merge_branch_idents(self, heads: Iterable[str]) -> tuple[list[str], str, str]:
        removes = list(self._change(heads).removes)
        return removes[:-1], removes[-1], self.revision.revision

    def unmerge_branch_idents(self, heads: Iterable[str]) -> tuple[str, str, list[str]]:
        adds = list(self._change(heads).adds)
        return self.revision.revision, adds[-1], adds[:-1]

    def update_version_num(self, heads: Iterable[str]) -> tuple[str, str]:
        change = self._change(heads)
        return change.removes[-1], change.adds[-1]

    @property
    def delete_version_num(self) -> str:
        return str(self.revision.revision)

    @property
    def insert_version_num(self) -> str:
        return str(self.revision.revision)

    @property
    def info(self) -> MigrationInfo:
        return MigrationInfo(
            _lookup(self.revision_map),
            self.is_upgrade,
            False,
            self.revision.revision,
            self.revision._all_down_revisions,
        )


class StampStep(MigrationStep):
    """Move the version table from ``from_`` to ``to_`` without running anything."""

    def __init__(
        self,
        from_: str | Sequence[str] | None,
        to_: str | Sequence[str] | None,
        is_upgrade: bool,
        branch_move: bool,
        revision_map: Any = None,
    ) -> None:
        self.from_ = as_tuple(from_)
        self.to_ = as_tuple(to_)
        self.is_upgrade = is_upgrade
        self.branch_move = branch_move
        self.revision_map = revision_map

    def stamp_revision(self, **kw: Any) -> None:
        """A stamp runs no revision code."""
        return None

    @property
    def migration_fn(self) -> Any:
        return self.stamp_revision

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StampStep)
            and other.from_ == self.from_
            and other.to_ == self.to_
            and other.branch_move == self.branch_move
            and other.is_upgrade == self.is_upgrade
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StampStep({self.from_!r} -> {self.to_!r})"

    @property
    def from_revisions(self) -> tuple[str, ...]:
        return self.from_

    @property
    def to_revisions(self) -> tuple[str, ...]:
        return self.to_

    @property
    def from_revisions_no_deps(self) -> tuple[str, ...]:
        return self.from_

    @property
    def to_revisions_no_deps(self) -> tuple[str, ...]:
        return self.to_

    @property
    def delete_version_num(self) -> str:
        return self.from_[0]

    @property
    def insert_version_num(self) -> str:
        return self.to_[0]

    def update_version_num(self, heads: Iterable[str]) -> tuple[str, str]:
        return self.from_[0], self.to_[0]

    def merge_branch_idents(self, heads: Iterable[str]) -> tuple[list[str], str, str]:
        return list(self.from_[:-1]), self.from_[-1], self.to_[0]

    def unmerge_branch_idents(self, heads: Iterable[str]) -> tuple[str, str, list[str]]:
        return self.from_[0], self.to_[-1], list(self.to_[:-1])

    def should_delete_branch(self, heads: Iterable[str]) -> bool:
        return self.is_downgrade and self.branch_move

    def should_create_branch(self, heads: Iterable[str]) -> bool:
        present = set(heads)
        return bool(
            self.is_upgrade
            and (self.branch_move or set(self.from_) - present)
            and set(self.to_) - present
        )

    def should_merge_branches(self, heads: Iterable[str]) -> bool:
        return len(self.from_) > 1

    def should_unmerge_branches(self, heads: Iterable[str]) -> bool:
        return len(self.to_) > 1

    @property
    def info(self) -> MigrationInfo:
        up, down = (self.to_, self.from_) if self.is_upgrade else (self.from_, self.to_)
        return MigrationInfo(_lookup(self.revision_map), self.is_upgrade, True, up, down)


def revision_steps(
    revision_map: Any, graph: RevisionGraph[Any], steps: Sequence[Step]
) -> list[Any]:
    """still's plan as Alembic's steps (what ``ScriptDirectory._upgrade_revs`` returns)."""
    found: list[Any] = []
    for step in steps:
        if step.revision is None:
            found.append(StampStep(step.removes, step.adds, step.is_upgrade, False, revision_map))
        else:
            found.append(RevisionStep(revision_map, graph[step.revision], step.is_upgrade))
    return found


def as_plan(
    graph: RevisionGraph[Any] | None, heads: Sequence[str], steps: Iterable[Any]
) -> tuple[list[Step], dict[str, Any]]:
    """Steps an application's ``fn`` returned, as still's plan (and the revisions they run).

    Each step's version-table change is computed from the heads before it, as still's own plans
    compute them, so a database moved this way is recorded exactly as ``still upgrade`` would.
    """
    current = list(heads)
    plan: list[Step] = []
    scripts: dict[str, Any] = {}
    for step in steps:
        if isinstance(step, Step):
            plan.append(step)
            current = [h for h in current if h not in step.removes] + list(step.adds)
            continue
        if isinstance(step, StampStep):
            removes = tuple(h for h in step.from_ if h in current)
            kept = [h for h in current if h not in removes]
            adds = tuple(t for t in step.to_ if t not in kept)
            plan.append(Step(None, step.is_upgrade, removes, adds))
            current = kept + list(adds)
            continue
        revision = getattr(step, "revision", None)
        if revision is None or not hasattr(revision, "revision"):
            raise TypeError(
                f"{step!r} is not a migration step: fn(rev, context) must return steps such as "
                "ScriptDirectory._upgrade_revs(destination, rev) gives."
            )
        where = graph
        if where is None or revision.revision not in where:
            where = _lookup(getattr(step, "revision_map", None))
        scripts[revision.revision] = revision
        plan.append(step_after(where, current, revision.revision, bool(step.is_upgrade)))
    return plan, scripts
