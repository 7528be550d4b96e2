"""Property tests over random revision DAGs: plans keep the version table consistent.

For every generated graph: upgrading to each head, to each branch label's head and back to base
(one command at a time, applying each step's version-table change to a simulated table) leaves
exactly the minimal set of heads of what was applied; every revision runs after its parents and
dependencies, at most once per command; downgrade undoes exactly what was applied.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from still.graph import (
    Revision,
    RevisionGraph,
    downgrade_plan,
    resolve_downgrade_target,
    resolve_upgrade_target,
    upgrade_plan,
)


@st.composite
def graphs(draw: st.DrawFn) -> RevisionGraph[Revision]:
    size = draw(st.integers(min_value=1, max_value=14))
    revisions: list[Revision] = []
    for i in range(size):
        earlier = [r.revision for r in revisions]
        parents: list[str] = []
        if earlier and draw(st.booleans()) | (i > 0 and draw(st.integers(0, 9)) > 0):
            parents = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
        deps: list[str] = []
        if earlier and draw(st.integers(0, 9)) == 0:
            deps = [draw(st.sampled_from(earlier))]
        labels = frozenset({f"L{i}"}) if draw(st.integers(0, 6)) == 0 else frozenset()
        revisions.append(Revision(f"r{i}", tuple(parents), tuple(deps), tuple(labels)))
    return RevisionGraph(revisions)


def minimal(graph: RevisionGraph[Revision], applied: set[str]) -> set[str]:
    """The rows the version table should hold for an applied set: nothing implied by another."""
    return {r for r in applied if not any(graph.is_ancestor(r, o) for o in applied if o != r)}


class Database:
    """A simulated version table, changed only through the plan's steps."""

    def __init__(self, graph: RevisionGraph[Revision]) -> None:
        self.graph = graph
        self.rows: set[str] = set()
        self.applied: set[str] = set()

    def run(self, steps) -> None:
        seen: set[str] = set()
        for step in steps:
            assert step.revision not in seen, "a revision ran twice in one command"
            seen.add(step.revision)
            if step.is_upgrade:
                missing = set(self.graph.parents(step.revision)) - self.applied
                assert not missing, f"{step.revision} ran before {missing}"
                self.applied.add(step.revision)
            else:
                above = {r for r in self.applied if step.revision in self.graph.parents(r)}
                assert not above, f"{step.revision} undone while {above} still applied"
                self.applied.discard(step.revision)
            for old in step.removes:
                assert old in self.rows, f"removing {old}, which is not recorded"
                self.rows.discard(old)
            for new in step.adds:
                assert new not in self.rows
                self.rows.add(new)
        assert self.rows == minimal(self.graph, self.applied)
        assert self.graph.ancestors(self.rows) == self.applied

    def upgrade(self, spec: str) -> None:
        targets = resolve_upgrade_target(self.graph, spec, tuple(self.rows))
        self.run(upgrade_plan(self.graph, tuple(self.rows), targets))
        assert set(targets) <= self.applied

    def downgrade(self, spec: str) -> None:
        targets = resolve_downgrade_target(self.graph, spec, tuple(self.rows))
        self.run(downgrade_plan(self.graph, tuple(self.rows), targets))


@settings(max_examples=150, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_upgrade_each_head_and_label_then_back_to_base(graph, rnd) -> None:
    db = Database(graph)
    heads = list(graph.heads)
    rnd.shuffle(heads)
    for head in heads:
        db.upgrade(head)
    assert db.applied == {r.revision for r in graph}  # every revision is below some head
    labels = sorted({label for rev in graph for label in rev.branch_labels})
    for label in labels:
        db.downgrade("base")
        if _single_branch_head(graph, label):
            db.upgrade(f"{label}@head")
            labelled = graph.by_label(label)
            assert labelled is not None and labelled.revision in db.applied
    db.upgrade("heads")
    assert db.applied == {r.revision for r in graph}
    db.downgrade("base")
    assert db.applied == set() and db.rows == set()


@settings(max_examples=150, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_downgrade_to_any_applied_revision_keeps_exactly_its_ancestry(graph, rnd) -> None:
    db = Database(graph)
    db.upgrade("heads")
    target = rnd.choice(sorted(graph.ancestors(graph.heads)))
    db.downgrade(target)
    # Nothing above the target on its own lines remains, and everything below it does.
    assert graph.ancestors([target]) <= db.applied
    assert not (graph.descendants([target]) - {target}) & db.applied


def _single_branch_head(graph: RevisionGraph[Revision], label: str) -> bool:
    rev = graph.by_label(label)
    assert rev is not None
    return len([h for h in graph.heads if h in graph.descendants([rev.revision])]) == 1
