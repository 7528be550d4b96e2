"""Hypothesis: plans over random revision DAGs keep a simulated version table consistent.

Graphs have random parents among earlier revisions, occasional merges, several bases and now and
then a ``depends_on``.  A simulated database applies each plan step's ``removes``/``adds`` to a set
of rows and tracks which revisions have run.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from still.graph import (
    Revision,
    RevisionGraph,
    Step,
    downgrade_plan,
    resolve_targets,
    resolve_upgrade_target,
    stamp_plan,
    upgrade_plan,
)
from tests import graph_reference as ref

SETTINGS = settings(max_examples=100, deadline=None)


@st.composite
def dags(draw: st.DrawFn, with_dependencies: bool = False) -> RevisionGraph[Revision]:
    size = draw(st.integers(min_value=1, max_value=12))
    revisions: list[Revision] = []
    for i in range(size):
        earlier = [r.revision for r in revisions]
        parents: list[str] = []
        # Mostly one parent; sometimes none (another base); sometimes two or three (a merge).
        kind = draw(st.integers(0, 9))
        if earlier and kind > 0:
            count = 1 if kind < 8 else draw(st.integers(2, 3))
            parents = draw(
                st.lists(st.sampled_from(earlier), min_size=1, max_size=count, unique=True)
            )
        dependencies: list[str] = []
        if with_dependencies and earlier and draw(st.integers(0, 7)) == 0:
            dependencies = [draw(st.sampled_from(earlier))]
        revisions.append(Revision(f"r{i:02d}", tuple(parents), tuple(dependencies)))
    # Files come in any order (a directory listing is not parents-first).
    return RevisionGraph(draw(st.permutations(revisions)))


minimal = ref.minimal


class SimulatedDatabase:
    def __init__(self, graph: RevisionGraph[Revision]) -> None:
        self.graph = graph
        self.rows: set[str] = set()
        self.applied: set[str] = set()
        self.upgraded: list[str] = []
        self.downgraded: list[str] = []

    def run(self, steps: list[Step]) -> None:
        for step in steps:
            assert step.revision is not None
            if step.is_upgrade:
                assert step.revision not in self.applied, f"{step.revision} upgraded twice"
                missing = set(ref.parents(self.graph, step.revision)) - self.applied
                assert not missing, f"{step.revision} upgraded before its parents {missing}"
                self.applied.add(step.revision)
                self.upgraded.append(step.revision)
            else:
                assert step.revision in self.applied, f"{step.revision} undone but never applied"
                above = {r for r in self.applied if step.revision in ref.parents(self.graph, r)}
                assert not above, f"{step.revision} undone while {above} are still applied"
                self.applied.remove(step.revision)
                self.downgraded.append(step.revision)
            for old in step.removes:
                assert old in self.rows, f"{step} removes {old}, which is not recorded"
                self.rows.remove(old)
            for new in step.adds:
                assert new not in self.rows, f"{step} adds {new} twice"
                self.rows.add(new)
            assert self.rows == minimal(self.graph, self.applied), step

    def upgrade(self, targets: tuple[str, ...]) -> None:
        self.run(upgrade_plan(self.graph, tuple(self.rows), targets))

    def downgrade(self, targets: tuple[str, ...]) -> None:
        self.run(downgrade_plan(self.graph, tuple(self.rows), targets))


@SETTINGS
@given(dags(), st.randoms(use_true_random=False))
def test_upgrade_each_head_then_downgrade_to_base(graph: RevisionGraph[Revision], rnd) -> None:
    db = SimulatedDatabase(graph)
    heads = list(graph.heads)
    rnd.shuffle(heads)
    for head in heads:
        db.upgrade(resolve_targets(graph, head, tuple(db.rows)))
        assert head in db.rows
        assert db.applied == ref.below(graph, db.rows)
    # Every revision ran exactly once, and the table holds exactly the heads.
    assert sorted(db.upgraded) == sorted(r.revision for r in graph)
    assert db.rows == ref.heads(graph)
    # Upgrading again to every head has nothing to do.
    assert upgrade_plan(graph, tuple(db.rows), graph.heads) == []

    db.downgrade(resolve_targets(graph, "base"))
    assert db.rows == set() and db.applied == set()
    # Downgrade undid exactly what was applied, each revision once, in an order parents-last.
    assert sorted(db.downgraded) == sorted(db.upgraded)
    assert len(set(db.downgraded)) == len(db.downgraded)


@SETTINGS
@given(dags(with_dependencies=True), st.randoms(use_true_random=False))
def test_with_dependencies_heads_then_base(graph: RevisionGraph[Revision], rnd) -> None:
    db = SimulatedDatabase(graph)
    db.upgrade(resolve_targets(graph, "heads"))
    assert db.applied == {r.revision for r in graph}
    assert db.rows == minimal(graph, db.applied)
    db.downgrade(())
    assert db.rows == set() and sorted(db.downgraded) == sorted(db.upgraded)


@SETTINGS
@given(dags(), st.randoms(use_true_random=False))
def test_upgrade_to_any_revision_then_heads(graph: RevisionGraph[Revision], rnd) -> None:
    db = SimulatedDatabase(graph)
    target = rnd.choice([r.revision for r in graph])
    db.upgrade((target,))
    assert db.applied == ref.below(graph, [target])
    assert target in db.rows
    db.upgrade(graph.heads)
    assert db.rows == ref.heads(graph)
    assert sorted(db.upgraded) == sorted(r.revision for r in graph)


@SETTINGS
@given(dags(), st.randoms(use_true_random=False))
def test_downgrade_to_any_revision_keeps_its_ancestry(graph: RevisionGraph[Revision], rnd) -> None:
    db = SimulatedDatabase(graph)
    db.upgrade(graph.heads)
    target = rnd.choice([r.revision for r in graph])
    db.downgrade((target,))
    assert ref.below(graph, [target]) <= db.applied
    assert not (ref.above(graph, [target]) - {target}) & db.applied
    # Only what lay above the target was undone.
    assert set(db.downgraded) == ref.above(graph, [target]) - {target}
    # Going back up restores everything.
    db.upgrade(graph.heads)
    assert db.rows == ref.heads(graph)


@SETTINGS
@given(dags())
def test_step_by_step_relative_upgrade_in_a_chain(graph: RevisionGraph[Revision]) -> None:
    """`upgrade +1` repeatedly walks a graph as long as it does not fork."""
    db = SimulatedDatabase(graph)
    position: tuple[str, ...] = ()
    while True:
        nexts = list(graph.bases) if not position else graph[position[0]].children
        if len(nexts) != 1 or (position and len(position) != 1):
            break
        if graph[nexts[0]].is_merge_point:
            break
        target = resolve_upgrade_target(graph, "+1", position)
        assert target == (nexts[0],)
        db.upgrade(target)
        position = tuple(db.rows)
        assert position == target


@SETTINGS
@given(dags(), st.randoms(use_true_random=False))
def test_stamp_always_leaves_the_targets(graph: RevisionGraph[Revision], rnd) -> None:
    ids = [r.revision for r in graph]
    current = tuple(minimal(graph, rnd.sample(ids, rnd.randint(0, len(ids)))))
    targets = tuple(minimal(graph, rnd.sample(ids, rnd.randint(1, len(ids)))))
    rows = set(current)
    for step in stamp_plan(graph, current, targets):
        assert step.revision is None
        rows -= set(step.removes)
        rows |= set(step.adds)
    assert set(targets) <= rows
    # Whatever else stays recorded lies on branches the targets do not touch.
    for kept in rows - set(targets):
        assert kept in current
        assert not any(
            ref.is_ancestor(graph, kept, t) or ref.is_ancestor(graph, t, kept) for t in targets
        )
    purged: set[str] = set(current)
    for step in stamp_plan(graph, current, targets, purge=True):
        purged -= set(step.removes)
        purged |= set(step.adds)
    assert purged == set(targets)


@SETTINGS
@given(dags(with_dependencies=True))
def test_newest_first_lists_everything_children_before_parents(
    graph: RevisionGraph[Revision],
) -> None:
    order = [r.revision for r in graph.newest_first()]
    assert sorted(order) == sorted(r.revision for r in graph)
    position = {rid: i for i, rid in enumerate(order)}
    for rid in order:
        for parent in graph[rid].down_revisions:
            assert position[parent] > position[rid]


@SETTINGS
@given(dags())
def test_every_unique_prefix_finds_its_revision(graph: RevisionGraph[Revision]) -> None:
    ids = [r.revision for r in graph]
    for rid in ids:
        for length in range(1, len(rid) + 1):
            prefix = rid[:length]
            matches = [other for other in ids if other.startswith(prefix)]
            if prefix in ids:
                assert graph.lookup(prefix).revision == prefix
            elif len(matches) == 1:
                assert graph.lookup(prefix).revision == rid
