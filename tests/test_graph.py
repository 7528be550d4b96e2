"""The revision graph (still.graph): building it, looking revisions up, resolving identifiers and
planning upgrades, downgrades and stamps.  Pure data: no files, no database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from still.errors import CommandError, MultipleHeads, RevisionError
from still.graph import (
    Revision,
    RevisionGraph,
    Step,
    as_scalar,
    as_tuple,
    downgrade_plan,
    resolve_downgrade_target,
    resolve_targets,
    resolve_upgrade_target,
    stamp_plan,
    upgrade_plan,
)
from still.graph.plan import check_current


def rev(
    revision: str,
    down: str | Sequence[str] | None = None,
    labels: Iterable[str] = (),
    depends: Iterable[str] = (),
) -> Revision:
    return Revision(revision, as_tuple(down), tuple(depends), tuple(labels))


def graph(*revisions: Revision) -> RevisionGraph[Revision]:
    return RevisionGraph(revisions, describe=lambda r: f"<{r.revision}>")


def linear() -> RevisionGraph[Revision]:
    """a1 -> b2 -> c3 -> d4"""
    return graph(rev("a1"), rev("b2", "a1"), rev("c3", "b2"), rev("d4", "c3"))


def forked() -> RevisionGraph[Revision]:
    """root -> l1 -> l2 (label "left"), root -> r1 (label "right"): two heads."""
    return graph(
        rev("root"),
        rev("l1", "root", labels=["left"]),
        rev("r1", "root", labels=["right"]),
        rev("l2", "l1"),
    )


def merged() -> RevisionGraph[Revision]:
    """The forked graph, joined again by the merge revision ``mm``."""
    return graph(
        rev("root"),
        rev("l1", "root", labels=["left"]),
        rev("r1", "root", labels=["right"]),
        rev("l2", "l1"),
        rev("mm", ("l2", "r1")),
    )


def table_after(steps: Iterable[Step], start: Iterable[str] = ()) -> set[str]:
    """Apply each step's version-table change to a simulated ``alembic_version``."""
    rows = set(start)
    for step in steps:
        for old in step.removes:
            assert old in rows, f"{step} removes {old!r}, which is not recorded"
            rows.remove(old)
        for new in step.adds:
            assert new not in rows, f"{step} adds {new!r} twice"
            rows.add(new)
    return rows


# -- Revision and helpers -------------------------------------------------------------------------


def test_as_tuple_and_as_scalar_round_trip() -> None:
    assert as_tuple(None) == ()
    assert as_tuple("") == ()
    assert as_tuple("a") == ("a",)
    assert as_tuple(["a", "b"]) == ("a", "b")
    assert as_scalar(()) is None
    assert as_scalar(("a",)) == "a"
    assert as_scalar(("a", "b")) == ("a", "b")


def test_revision_properties() -> None:
    g = merged()
    assert g["root"].is_base and not g["l1"].is_base
    assert g["root"].is_branch_point and not g["l1"].is_branch_point
    assert g["mm"].is_merge_point and g["mm"].down_revision == ("l2", "r1")
    assert g["l1"].down_revision == "root"
    assert g["root"].down_revision is None
    assert sorted(g["root"].children) == ["l1", "r1"]
    assert repr(g["l1"]) == "Revision('l1', down='root')"


# -- heads, bases, lookup -------------------------------------------------------------------------


def test_linear_heads_and_bases() -> None:
    g = linear()
    assert g.heads == ("d4",)
    assert g.bases == ("a1",)
    assert len(g) == 4
    assert "c3" in g and "zz" not in g
    assert [r.revision for r in g] == ["a1", "b2", "c3", "d4"]


def test_branches_have_several_heads_and_several_bases() -> None:
    g = graph(rev("a"), rev("b", "a"), rev("c", "a"), rev("x"), rev("y", "x"))
    assert set(g.heads) == {"b", "c", "y"}
    assert set(g.bases) == {"a", "x"}


def test_merge_has_one_head() -> None:
    g = merged()
    assert g.heads == ("mm",)
    assert g.bases == ("root",)


def test_empty_graph() -> None:
    g = graph()
    assert g.heads == () and g.bases == () and len(g) == 0
    # As in Alembic, `upgrade head` / `stamp head` with no revisions yet do nothing.
    assert resolve_targets(g, "head") == ()


def test_lookup_full_id_and_unique_prefix() -> None:
    g = graph(rev("abc123"), rev("abd456", "abc123"), rev("ffff", "abd456"))
    assert g.lookup("abc123").revision == "abc123"
    assert g.lookup("abc").revision == "abc123"
    assert g.lookup("f").revision == "ffff"
    assert g.lookup("abd4").revision == "abd456"


def test_full_id_wins_over_longer_ids_it_prefixes() -> None:
    g = graph(rev("ab"), rev("abc", "ab"))
    assert g.lookup("ab").revision == "ab"


def test_lookup_by_branch_label() -> None:
    g = forked()
    assert g.lookup("left").revision == "l1"
    assert g.by_label("right") is g["r1"]
    assert g.by_label("nothing") is None


def test_ambiguous_prefix_lists_the_candidates() -> None:
    g = graph(rev("abc123"), rev("abd456", "abc123"), rev("ffff", "abd456"))
    with pytest.raises(RevisionError) as caught:
        g.lookup("ab")
    message = str(caught.value)
    assert "'ab' is ambiguous" in message
    assert "abc123, abd456" in message
    assert "ffff" not in message


def test_ambiguous_prefix_with_many_candidates_is_cut_short() -> None:
    revisions = [rev(f"a{i:02d}") for i in range(12)]
    with pytest.raises(RevisionError) as caught:
        graph(*revisions).lookup("a")
    message = str(caught.value)
    assert "a00, a01" in message and "a09" in message
    assert "a10" not in message and "a11" not in message
    assert "..." in message


def test_unknown_id_says_so_and_what_to_do() -> None:
    with pytest.raises(RevisionError) as caught:
        linear().lookup("zzz")
    assert "No revision 'zzz' in this project" in str(caught.value)
    assert "still history" in str(caught.value)


def test_lookup_errors_are_command_errors() -> None:
    # env.py files catch alembic.util.CommandError; still's errors must be such.
    with pytest.raises(CommandError):
        linear().lookup("zzz")


# -- validation -----------------------------------------------------------------------------------


def test_duplicate_ids_name_both_declarations() -> None:
    with pytest.raises(RevisionError) as caught:
        RevisionGraph(
            [rev("a"), rev("b", "a"), rev("b")],
            describe=lambda r: f"file-of-{r.revision}-down-{r.down_revision}",
        )
    message = str(caught.value)
    assert "'b' is declared twice" in message
    assert "file-of-b-down-a" in message and "file-of-b-down-None" in message


def test_down_revision_naming_nothing() -> None:
    with pytest.raises(RevisionError) as caught:
        graph(rev("a"), rev("b", "zz"))
    message = str(caught.value)
    assert "<b> says down_revision = 'zz'" in message
    assert "no revision has that id" in message


def test_depends_on_naming_nothing() -> None:
    with pytest.raises(RevisionError, match="<b> says depends_on = 'ghost'"):
        graph(rev("a"), rev("b", "a", depends=["ghost"]))


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(RevisionError) as caught:
        graph(rev("a"), rev("a"), rev("b", "x1"), rev("c", "x2"))
    message = str(caught.value)
    assert "'a' is declared twice" in message
    assert "'x1'" in message and "'x2'" in message
    assert len(message.splitlines()) == 3


def test_cycle_names_its_revisions() -> None:
    with pytest.raises(RevisionError) as caught:
        graph(rev("base1"), rev("a", "c"), rev("b", "a"), rev("c", "b"))
    message = str(caught.value)
    assert "cycle" in message
    for member in ("<a>", "<b>", "<c>"):
        assert member in message
    assert "<base1>" not in message


def test_revision_that_is_its_own_parent() -> None:
    with pytest.raises(RevisionError, match=r"cycle: <a>"):
        graph(rev("a", "a"))


def test_cycle_through_depends_on() -> None:
    with pytest.raises(RevisionError, match="cycle"):
        graph(rev("a", depends=["b"]), rev("b", "a"))


def test_branch_label_on_two_revisions() -> None:
    with pytest.raises(RevisionError) as caught:
        graph(rev("a", labels=["feature"]), rev("b", "a", labels=["feature"]))
    message = str(caught.value)
    assert "Branch label 'feature'" in message
    assert "<a>" in message and "<b>" in message


def test_effective_labels_cover_the_branch() -> None:
    g = forked()
    assert g.effective_labels["l2"] == {"left"}
    assert g.effective_labels["l1"] == {"left"}
    assert g.effective_labels["r1"] == {"right"}
    assert g.effective_labels["root"] == frozenset()
    assert g.branch_members("left") == {"root", "l1", "l2"}


# -- ancestry -------------------------------------------------------------------------------------


def test_ancestors_descendants_and_is_ancestor() -> None:
    g = merged()
    assert g.ancestors(["l2"]) == {"root", "l1", "l2"}
    assert g.descendants(["l1"]) == {"l1", "l2", "mm"}
    assert g.is_ancestor("root", "mm")
    assert g.is_ancestor("r1", "mm")
    assert not g.is_ancestor("r1", "l2")
    assert not g.is_ancestor("mm", "mm")


def test_dependencies_count_as_ancestors_by_default() -> None:
    g = graph(rev("a"), rev("x"), rev("b", "a", depends=["x"]))
    assert g.ancestors(["b"]) == {"a", "b", "x"}
    assert g.ancestors(["b"], include_dependencies=False) == {"a", "b"}
    assert g.is_ancestor("x", "b")
    assert not g.is_ancestor("x", "b", include_dependencies=False)
    assert g.dependants["x"] == ["b"]


def test_ordered_puts_parents_first() -> None:
    g = merged()
    order = g.ordered(["mm", "l2", "r1", "l1", "root"])
    for r in order:
        for parent in g.parents(r):
            assert order.index(parent) < order.index(r)
    assert order[0] == "root" and order[-1] == "mm"


def test_newest_first_linear_and_merged() -> None:
    assert [r.revision for r in linear().newest_first()] == ["d4", "c3", "b2", "a1"]
    order = [r.revision for r in merged().newest_first()]
    assert order[0] == "mm" and order[-1] == "root"
    assert sorted(order) == sorted(["mm", "l2", "l1", "r1", "root"])
    assert order.index("l2") < order.index("l1")


# -- identifiers ----------------------------------------------------------------------------------


def test_head_heads_base_current() -> None:
    g = linear()
    assert resolve_targets(g, "head") == ("d4",)
    assert resolve_targets(g, "heads") == ("d4",)
    assert resolve_targets(g, "base") == ()
    assert resolve_targets(g, "current", ["b2"]) == ("b2",)
    assert resolve_targets(g, "current") == ()
    assert resolve_targets(g, "  head  ") == ("d4",)


def test_ids_prefixes_and_labels() -> None:
    g = forked()
    assert resolve_targets(g, "l2") == ("l2",)
    assert resolve_targets(g, "ro") == ("root",)
    assert resolve_targets(g, "left") == ("l1",)
    assert resolve_targets(g, "left@head") == ("l2",)
    assert resolve_targets(g, "right@head") == ("r1",)
    assert resolve_targets(g, "left@base") == ()
    assert resolve_targets(g, "left@l2") == ("l2",)


def test_unknown_identifier() -> None:
    with pytest.raises(RevisionError, match="No revision 'nope'"):
        resolve_upgrade_target(linear(), "nope", [])


def test_several_heads_make_head_ambiguous() -> None:
    g = forked()
    with pytest.raises(MultipleHeads) as caught:
        resolve_upgrade_target(g, "head", [])
    message = str(caught.value)
    assert "'head' is ambiguous: there are 2 heads" in message
    assert "l2" in message and "r1" in message
    assert "heads" in message and "merge" in message
    assert set(resolve_upgrade_target(g, "heads", [])) == {"l2", "r1"}


def test_multiple_heads_is_a_revision_error() -> None:
    assert issubclass(MultipleHeads, RevisionError)


def test_label_head_with_two_heads_in_the_branch_is_ambiguous() -> None:
    g = graph(rev("a", labels=["main"]), rev("b", "a"), rev("c", "a"))
    with pytest.raises(MultipleHeads, match="main@head"):
        resolve_targets(g, "main@head")


def test_relative_steps_from_current() -> None:
    g = linear()
    assert resolve_upgrade_target(g, "+1", ["b2"]) == ("c3",)
    assert resolve_upgrade_target(g, "+2", ["b2"]) == ("d4",)
    assert resolve_downgrade_target(g, "-1", ["b2"]) == ("a1",)
    assert resolve_downgrade_target(g, "-2", ["b2"]) == ()
    # From an empty database +N counts from base.
    assert resolve_upgrade_target(g, "+1", []) == ("a1",)
    assert resolve_upgrade_target(g, "+3", []) == ("c3",)


def test_relative_steps_from_a_revision() -> None:
    g = linear()
    assert resolve_upgrade_target(g, "a1+2", []) == ("c3",)
    assert resolve_upgrade_target(g, "a+1", []) == ("b2",)  # prefixes work too
    assert resolve_downgrade_target(g, "d4-3", ["d4"]) == ("a1",)
    assert resolve_downgrade_target(g, "d4-4", ["d4"]) == ()
    assert resolve_downgrade_target(g, "head-1", ["d4"]) == ("c3",)
    assert resolve_upgrade_target(g, "base+2", []) == ("b2",)


def test_relative_past_head_or_base() -> None:
    g = linear()
    with pytest.raises(RevisionError, match="'\\+3' goes past the newest revision"):
        resolve_upgrade_target(g, "+3", ["b2"])
    with pytest.raises(RevisionError, match="'-3' goes below base"):
        resolve_downgrade_target(g, "-3", ["b2"])
    with pytest.raises(RevisionError, match="'d4\\+1' goes past the newest revision"):
        resolve_upgrade_target(g, "d4+1", [])
    with pytest.raises(RevisionError, match="'a1-2' goes below base"):
        resolve_downgrade_target(g, "a1-2", [])
    with pytest.raises(RevisionError, match="goes below base"):
        resolve_downgrade_target(g, "-1", [])


def test_relative_at_a_branch_point_is_ambiguous() -> None:
    g = forked()
    with pytest.raises(MultipleHeads) as caught:
        resolve_upgrade_target(g, "+1", ["root"])
    assert "'+1' is ambiguous at root" in str(caught.value)
    assert "l1" in str(caught.value) and "r1" in str(caught.value)
    with pytest.raises(MultipleHeads):
        resolve_upgrade_target(g, "head-1", ["root"])


def test_relative_from_several_current_heads_is_ambiguous() -> None:
    with pytest.raises(MultipleHeads, match="'-1' is ambiguous"):
        resolve_downgrade_target(forked(), "-1", ["l2", "r1"])


def test_minus_one_from_a_merge_lands_on_both_parents() -> None:
    g = merged()
    assert set(resolve_downgrade_target(g, "-1", ["mm"])) == {"l2", "r1"}
    with pytest.raises(MultipleHeads):
        resolve_downgrade_target(g, "mm-1", ["mm"])


def test_label_relative_steps() -> None:
    g = forked()
    assert resolve_upgrade_target(g, "right@+1", ["root"]) == ("r1",)
    assert resolve_upgrade_target(g, "left@+2", ["root"]) == ("l2",)
    assert resolve_downgrade_target(g, "left@-1", ["l2", "r1"]) == ("l1",)


# -- plans ----------------------------------------------------------------------------------------


def test_linear_upgrade_from_base() -> None:
    steps = upgrade_plan(linear(), [], ["d4"])
    assert steps == [
        Step("a1", True, (), ("a1",)),
        Step("b2", True, ("a1",), ("b2",)),
        Step("c3", True, ("b2",), ("c3",)),
        Step("d4", True, ("c3",), ("d4",)),
    ]
    assert all(s.direction == "upgrade" for s in steps)


def test_linear_upgrade_from_the_middle() -> None:
    steps = upgrade_plan(linear(), ["b2"], ["d4"])
    assert [s.revision for s in steps] == ["c3", "d4"]
    assert steps[0].removes == ("b2",)
    assert table_after(steps, ["b2"]) == {"d4"}


def test_upgrade_to_where_the_database_is_does_nothing() -> None:
    assert upgrade_plan(linear(), ["d4"], ["d4"]) == []
    assert upgrade_plan(linear(), ["d4"], ["b2"]) == []


def test_linear_downgrade() -> None:
    g = linear()
    steps = downgrade_plan(g, ["d4"], ["b2"])
    assert steps == [
        Step("d4", False, ("d4",), ("c3",)),
        Step("c3", False, ("c3",), ("b2",)),
    ]
    assert steps[0].direction == "downgrade"
    to_base = downgrade_plan(g, ["d4"], [])
    assert [s.revision for s in to_base] == ["d4", "c3", "b2", "a1"]
    assert to_base[-1] == Step("a1", False, ("a1",), ())
    assert table_after(to_base, ["d4"]) == set()


def test_downgrade_to_a_revision_not_applied() -> None:
    with pytest.raises(RevisionError) as caught:
        downgrade_plan(linear(), ["b2"], ["d4"])
    assert "Cannot downgrade to 'd4'" in str(caught.value)
    assert "stands at b2" in str(caught.value)


def test_database_at_an_unknown_revision() -> None:
    with pytest.raises(RevisionError) as caught:
        upgrade_plan(linear(), ["gone99"], ["d4"])
    assert "'gone99'" in str(caught.value)
    assert "stamp" in str(caught.value)
    with pytest.raises(RevisionError, match="gone99"):
        check_current(linear(), ["gone99"])


def test_upgrade_both_branches() -> None:
    g = forked()
    steps = upgrade_plan(g, [], ["l2", "r1"])
    order = [s.revision for s in steps]
    assert sorted(order) == ["l1", "l2", "r1", "root"]
    assert order[0] == "root"
    assert order.index("l1") < order.index("l2")
    assert table_after(steps) == {"l2", "r1"}
    # The first step out of the branch point takes root's row; the other branch adds its own.
    branch_steps = {s.revision: s for s in steps}
    assert {branch_steps["l1"].removes, branch_steps["r1"].removes} == {("root",), ()}


def test_upgrade_one_branch_leaves_the_other_alone() -> None:
    g = forked()
    steps = upgrade_plan(g, ["r1"], resolve_upgrade_target(g, "left@head", ["r1"]))
    assert [s.revision for s in steps] == ["l1", "l2"]
    assert steps[0] == Step("l1", True, (), ("l1",))
    assert table_after(steps, ["r1"]) == {"l2", "r1"}


def test_upgrade_through_a_merge() -> None:
    g = merged()
    steps = upgrade_plan(g, [], ["mm"])
    order = [s.revision for s in steps]
    assert order[0] == "root" and order[-1] == "mm"
    assert order.index("l1") < order.index("l2")
    assert steps[-1] == Step("mm", True, ("l2", "r1"), ("mm",))
    assert table_after(steps) == {"mm"}


def test_upgrade_merge_from_both_parents() -> None:
    steps = upgrade_plan(merged(), ["l2", "r1"], ["mm"])
    assert steps == [Step("mm", True, ("l2", "r1"), ("mm",))]


def test_downgrade_a_merge() -> None:
    g = merged()
    first = downgrade_plan(g, ["mm"], resolve_downgrade_target(g, "-1", ["mm"]))
    assert first == [Step("mm", False, ("mm",), ("l2", "r1"))]
    steps = downgrade_plan(g, ["mm"], [])
    order = [s.revision for s in steps]
    assert order[0] == "mm" and order[-1] == "root"
    assert order.index("l2") < order.index("l1")
    assert table_after(steps, ["mm"]) == set()
    by_rev = {s.revision: s for s in steps}
    # Undoing one branch down to the branch point does not record root while the other remains.
    assert {by_rev["l1"].adds, by_rev["r1"].adds} == {("root",), ()}


def test_downgrade_to_one_parent_of_a_merge_keeps_the_other_branch() -> None:
    steps = downgrade_plan(merged(), ["mm"], ["l2"])
    assert steps == [Step("mm", False, ("mm",), ("l2", "r1"))]


def test_downgrade_to_the_branch_point_undoes_both_branches() -> None:
    g = merged()
    steps = downgrade_plan(g, ["mm"], ["root"])
    assert sorted(s.revision for s in steps) == ["l1", "l2", "mm", "r1"]
    assert table_after(steps, ["mm"]) == {"root"}


def test_downgrade_undoes_dependants_first() -> None:
    g = graph(rev("a"), rev("x"), rev("b", "a", depends=["x"]))
    steps = downgrade_plan(g, ["b"], ["a"])
    assert [s.revision for s in steps] == ["b"]
    everything = upgrade_plan(g, [], ["b"])
    assert table_after(everything) == {"b"}
    # Undoing x alone means undoing b, which depends on it.
    steps = downgrade_plan(g, ["b"], [], within={"x"})
    assert [s.revision for s in steps] == ["b", "x"]
    assert table_after(steps, ["b"]) == {"a"}


def test_stamp_plans() -> None:
    g = merged()
    assert stamp_plan(g, [], ["mm"]) == [Step(None, True, (), ("mm",))]
    assert stamp_plan(g, ["mm"], []) == [Step(None, True, ("mm",), ())]
    assert stamp_plan(g, ["l2"], ["l2"]) == []
    assert stamp_plan(g, ["l2", "r1"], ["mm"]) == [Step(None, True, ("l2", "r1"), ("mm",))]
    assert stamp_plan(g, ["mm"], ["l1"]) == [Step(None, True, ("mm",), ("l1",))]


def test_stamp_keeps_unrelated_branches() -> None:
    g = forked()
    assert stamp_plan(g, ["l2"], ["r1"]) == [Step(None, True, (), ("r1",))]
    assert stamp_plan(g, ["l2", "r1"], ["l1"]) == [Step(None, True, ("l2",), ("l1",))]


def test_stamp_purge_removes_everything_first() -> None:
    g = linear()
    assert stamp_plan(g, ["gone", "b2"], ["c3"], purge=True) == [
        Step(None, True, ("gone", "b2"), ("c3",))
    ]


def test_stamp_unknown_revision() -> None:
    with pytest.raises(RevisionError, match="Cannot stamp 'zz'"):
        stamp_plan(linear(), [], ["zz"])


@pytest.mark.parametrize("spec", ["right@l2", "nosuch@l2"])
def test_label_at_revision_checks_the_label(spec: str) -> None:
    with pytest.raises(RevisionError):
        resolve_targets(forked(), spec)


# -- found by mutation testing (scripts/mutation.py graph) ---------------------------------------


def test_a_second_graph_of_the_same_revisions_lists_each_child_once() -> None:
    revisions = [rev("a"), rev("b", "a"), rev("c", "a")]
    graph(*revisions)
    again = graph(*revisions)
    assert again["a"].children == ["b", "c"]
    assert again["a"].is_branch_point


def test_a_duplicate_id_is_one_problem_not_more() -> None:
    """The second declaration is left out entirely: its label is not reported a second time."""
    with pytest.raises(RevisionError) as caught:
        graph(rev("a", labels=["x"]), rev("a", labels=["x"]))
    message = str(caught.value)
    assert message.count("declared twice") == 1
    assert "Branch label" not in message


@pytest.mark.parametrize(("count", "cut"), [(10, False), (11, True)])
def test_an_ambiguous_prefix_lists_ten_candidates_then_cuts(count: int, cut: bool) -> None:
    with pytest.raises(RevisionError) as caught:
        graph(*[rev(f"a{i:02d}") for i in range(count)]).lookup("a")
    message = str(caught.value)
    assert ("a09 ..." in message) is cut
    assert message.endswith("a09. Type more characters of the id.") is not cut


def test_a_label_stops_spreading_down_at_a_fork_made_by_depends_on() -> None:
    """a <- b <- c (labelled "L"); d depends on b: b forks (a child and a dependant), so the
    label covers c and what is above it, not b or a."""
    g = graph(rev("a"), rev("b", "a"), rev("c", "b", labels=["L"]), rev("d", depends=["b"]))
    assert g.effective_labels["c"] == {"L"}
    assert g.effective_labels["b"] == frozenset()
    assert g.effective_labels["a"] == frozenset()
    # without the dependant, the straight line below carries the label
    straight = graph(rev("a"), rev("b", "a"), rev("c", "b", labels=["L"]), rev("d"))
    assert straight.effective_labels["a"] == {"L"}


@pytest.mark.parametrize(
    ("revisions", "alembic_order"),
    [
        # a base that depends on the head of another line comes first, that line after it
        (
            [rev("x0"), rev("x1", "x0"), rev("x2", "x1"), rev("x3", depends=["x2"])],
            ["x3", "x2", "x1", "x0"],
        ),
        # a merge and a dependency on another base (Alembic 1.20's walk_revisions order)
        (
            [rev("y0"), rev("y1", "y0"), rev("y2"), rev("y3", ("y2", "y1")), rev("y4"),
             rev("y5", "y3", depends=["y4"]), rev("y6", "y5")],
            ["y6", "y5", "y3", "y2", "y4", "y1", "y0"],
        ),
    ],
)  # fmt: skip
def test_newest_first_walks_dependencies_as_alembic_does(
    revisions: list[Revision], alembic_order: list[str]
) -> None:
    assert [r.revision for r in graph(*revisions).newest_first()] == alembic_order


def test_a_revision_id_at_head_names_the_head_above_it() -> None:
    """``REV@head`` as Alembic reads it: REV is not a label, so it is looked up as an id."""
    assert resolve_targets(linear(), "b2@head") == ("d4",)
    assert resolve_targets(forked(), "l1@head") == ("l2",)


def test_a_branch_step_from_a_database_on_another_branch() -> None:
    """root <- a1; root <- b1 ("bee") <- b2.  At a1, nothing of bee's own is applied: bee@+1
    starts from what bee shares with the database (root) and goes to b1."""
    g = graph(rev("root"), rev("a1", "root"), rev("b1", "root", labels=["bee"]), rev("b2", "b1"))
    assert resolve_upgrade_target(g, "bee@+1", ("a1",)) == ("b1",)
    assert resolve_upgrade_target(g, "bee@+2", ("a1",)) == ("b2",)


def test_heads_minus_one_starts_from_the_head_nothing_depends_on() -> None:
    """a <- b; c <- d, d depends on b: both b and d are heads; heads-1 steps down from d."""
    g = graph(rev("a"), rev("b", "a"), rev("c"), rev("d", "c", depends=["b"]))
    assert sorted(g.heads) == ["b", "d"]
    assert resolve_downgrade_target(g, "heads-1", ("b", "d")) == ("c",)


def test_head_minus_one_through_a_merge_is_ambiguous() -> None:
    with pytest.raises(MultipleHeads, match="ambiguous"):
        resolve_downgrade_target(merged(), "head-1", ("mm",))
    # a plain -1 from the merge lands on both parents
    assert sorted(resolve_downgrade_target(merged(), "-1", ("mm",))) == ["l2", "r1"]


@pytest.mark.parametrize("resolve", [resolve_upgrade_target, resolve_downgrade_target])
def test_a_database_at_an_unknown_revision_is_refused(resolve: Any) -> None:
    with pytest.raises(RevisionError, match="no revision file declares it"):
        resolve(linear(), "head", ("zzz",))


def test_revisions_are_hashable_and_compared_by_identity() -> None:
    """Graphs keep revisions in sets and dicts: two files declaring the same fields are still
    two revisions."""
    first, second = rev("a"), rev("a")
    assert first != second and len({first, second}) == 2
