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
from tests import graph_reference as ref


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
    # Files come in any order (a directory listing is not parents-first).
    return RevisionGraph(draw(st.permutations(revisions)))


minimal = ref.minimal


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
                missing = set(ref.parents(self.graph, step.revision)) - self.applied
                assert not missing, f"{step.revision} ran before {missing}"
                self.applied.add(step.revision)
            else:
                above = {r for r in self.applied if step.revision in ref.parents(self.graph, r)}
                assert not above, f"{step.revision} undone while {above} still applied"
                self.applied.discard(step.revision)
            for old in step.removes:
                assert old in self.rows, f"removing {old}, which is not recorded"
                self.rows.discard(old)
            for new in step.adds:
                assert new not in self.rows
                self.rows.add(new)
        assert self.rows == minimal(self.graph, self.applied)
        assert ref.below(self.graph, self.rows) == self.applied

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
    target = rnd.choice(sorted(ref.below(graph, graph.heads)))
    db.downgrade(target)
    # Nothing above the target on its own lines remains, and everything below it does.
    assert ref.below(graph, [target]) <= db.applied
    assert not (ref.above(graph, [target]) - {target}) & db.applied


def _single_branch_head(graph: RevisionGraph[Revision], label: str) -> bool:
    rev = graph.by_label(label)
    assert rev is not None
    return len([h for h in graph.heads if h in ref.above(graph, [rev.revision])]) == 1


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_a_branch_is_what_its_label_names_and_no_more(graph) -> None:
    """A label's branch is the labelled revision, what lies below it by down_revision and what
    lies above it; a depends_on from another branch does not carry the label across."""
    for label in sorted({label for rev in graph for label in rev.branch_labels}):
        assert graph.branch_members(label) == ref.branch_members(graph, label), label


def test_a_label_does_not_spread_past_a_depends_on_fork() -> None:
    # b1 <- b2 (labelled "bee", depends on a1); a1 <- a2: a1 is not on branch "bee".
    graph = RevisionGraph(
        [
            Revision("b2", ("b1",), ("a1",), ("bee",)),
            Revision("a2", ("a1",)),
            Revision("b1", ()),
            Revision("a1", ()),
        ]
    )
    assert graph.branch_members("bee") == {"b1", "b2"}
    db = Database(graph)
    db.upgrade("heads")
    # `downgrade bee@base` (as the command runs it, and as Alembic does): only the branch
    db.run(downgrade_plan(graph, tuple(db.rows), (), within=graph.branch_members("bee")))
    assert db.applied == {"a1", "a2"} and db.rows == {"a2"}


def test_files_listed_dependant_first_still_plan() -> None:
    """[b depends_on a, a]: a plan must not need a's file first (``ordered()`` honours
    depends_on whatever the file order)."""
    graph = RevisionGraph([Revision("b", (), ("a",)), Revision("a", ())])
    db = Database(graph)
    db.upgrade("heads")
    assert db.rows == {"b"} and db.applied == {"a", "b"}
    db.downgrade("base")
    assert db.applied == set()
    assert [s.revision for s in downgrade_plan(graph, ("b",), ())] == ["b", "a"]
    assert [s.revision for s in upgrade_plan(graph, (), ("b",))] == ["a", "b"]
