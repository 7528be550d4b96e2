"""``ScriptDirectory``, ``Script``, ``RevisionMap`` and ``Revision`` as applications call them,
compared with the real Alembic on the same generated revision graphs (branches, merges, several
bases, branch labels, ``depends_on``).

Every answer that applications read (heads and bases, each revision's flags, its labels
inherited along the branch, ranges of revisions, the steps ``_upgrade_revs`` builds, the listings
``log_entry`` / ``cmd_format`` / ``str()`` give) must be Alembic's.  Where Alembic lists a set in
set order, both sides are sorted before comparing.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from still.config import Config as StillConfig
from still.graph.revision import Revision as StillRevision
from still.graph.revision_map import RevisionMap as StillRevisionMap
from still.script import ScriptDirectory as StillScriptDirectory
from tests.databases import required
from tests.test_differential_graph import dependencies, random_graph, write_project

alembic_config = required("alembic.config")
alembic_script = required("alembic.script")
alembic_revision = required("alembic.script.revision")
alembic_util = required("alembic.util")

SEEDS = range(60)


def both(tmp_path: Path, seed: int) -> tuple[Any, Any]:
    revisions = random_graph(seed)
    ini = write_project(tmp_path, revisions, dependencies(seed, revisions))
    theirs = alembic_script.ScriptDirectory.from_config(alembic_config.Config(str(ini)))
    ours = StillScriptDirectory.from_config(StillConfig(str(ini)))
    return theirs, ours


def sorted_sets(text: str) -> str:
    """Alembic joins sets (labels, children) in set order: sort every comma-separated list in
    parentheses and after 'Branches into:' / 'Branch names:'."""
    text = re.sub(r"\(([\w, ]+)\)", lambda m: "(" + ", ".join(sorted(m[1].split(", "))) + ")", text)
    return re.sub(
        r"^(Branches into|Branch names): (.*)$",
        lambda m: f"{m[1]}: {', '.join(sorted(m[2].split(', ')))}",
        text,
        flags=re.M,
    )


def outcome(call: Any, *args: Any) -> Any:
    """What a call returns, or that it raises (both tools must agree).  Alembic's
    ScriptDirectory turns revision errors into CommandError; still's revision errors are
    CommandErrors already, so either ``except`` catches them."""
    try:
        return ("ok", call(*args))
    except Exception:
        return ("error",)


def ids(revisions: Any) -> list[str | None]:
    return [getattr(r, "revision", r) for r in revisions]


def revision_ids(script: Any, identifier: str) -> list[str | None]:
    return ids(script.get_revisions(identifier))


def one_id(script: Any, identifier: str) -> str:
    return str(script.get_revision(identifier).revision)


def walked(script: Any, lower: str, upper: str) -> list[str | None]:
    return ids(script.walk_revisions(lower, upper))


def downgraded(script: Any, heads: tuple[str, ...]) -> list[str]:
    return [s.revision.revision for s in script._downgrade_revs("base", heads)]


@pytest.mark.parametrize("seed", SEEDS)
def test_revisions_as_applications_read_them(tmp_path: Path, seed: int) -> None:
    theirs, ours = both(tmp_path, seed)
    assert sorted(ours.get_heads()) == sorted(theirs.get_heads())
    assert sorted(ours.get_heads(consider_depends_on=True)) == sorted(
        theirs.get_heads(consider_depends_on=True)
    )
    assert sorted(ours.get_bases()) == sorted(theirs.get_bases())
    assert outcome(ours.get_current_head) == outcome(theirs.get_current_head)
    assert outcome(ours.get_base) == outcome(theirs.get_base)
    assert ids(ours.walk_revisions()) == ids(theirs.walk_revisions())
    root = str(tmp_path)
    for script in theirs.walk_revisions():
        mine = ours.get_revision(script.revision)
        rid = script.revision
        # bug 5: labels inherited along the branch, as applications read them
        assert set(mine.branch_labels) == set(script.branch_labels), rid
        for flag in ("is_head", "is_base", "is_branch_point", "is_merge_point", "_is_real_head"):
            assert getattr(mine, flag) == getattr(script, flag), (rid, flag)
        assert set(mine.nextrev) == set(script.nextrev), rid
        assert mine.down_revision == script.down_revision, rid
        assert sorted_sets(mine.log_entry) == sorted_sets(script.log_entry), rid
        for verbose, branches, doc, parents in [
            (False, True, True, True),
            (False, False, False, False),
            (False, True, False, True),
        ]:
            assert sorted_sets(mine.cmd_format(verbose, branches, doc, parents)) == sorted_sets(
                script.cmd_format(verbose, branches, doc, parents)
            ), rid
        assert sorted_sets(str(mine)) == sorted_sets(str(script)), rid
        assert Path(mine.path).resolve() == Path(script.path).resolve()
        assert root in mine.path
        assert mine.module.revision == rid


@pytest.mark.parametrize("seed", SEEDS)
def test_identifiers_and_ranges(tmp_path: Path, seed: int) -> None:
    theirs, ours = both(tmp_path, seed)
    rng = random.Random(seed)
    everything = [s.revision for s in theirs.walk_revisions()]
    labels = sorted({label for s in theirs.walk_revisions() for label in s._orig_branch_labels})
    identifiers = ["heads", "head", "base", *rng.sample(everything, min(4, len(everything)))]
    identifiers += [f"{label}@head" for label in labels] + labels
    for identifier in identifiers:
        assert outcome(revision_ids, ours, identifier) == outcome(
            revision_ids, theirs, identifier
        ), identifier
        assert outcome(ours.as_revision_number, identifier) == outcome(
            theirs.as_revision_number, identifier
        ), identifier
    # prefixes
    for rid in rng.sample(everything, min(3, len(everything))):
        for prefix in (rid[:-1], rid[:3]):
            assert outcome(one_id, ours, prefix) == outcome(one_id, theirs, prefix), prefix
    # walk_revisions(base, head) for a lower revision and one above it
    for _ in range(6):
        upper = rng.choice(everything)
        below = [r for r in everything if theirs.revision_map._shares_lineage(r, [upper])]
        lower = rng.choice(below)
        theirs_walk = outcome(walked, theirs, lower, upper)
        ours_walk = outcome(walked, ours, lower, upper)
        if theirs_walk[0] == "ok":
            assert ours_walk == theirs_walk, (lower, upper)
        else:
            assert ours_walk[0] == "error", (lower, upper, ours_walk)
    # what a database standing at some revisions is at, on each branch
    for _ in range(4):
        current = tuple(rng.sample(everything, 1))
        assert sorted(ids(ours.get_all_current(current))) == sorted(
            ids(theirs.get_all_current(current))
        ), current


@pytest.mark.parametrize("seed", SEEDS)
def test_upgrade_and_downgrade_steps(tmp_path: Path, seed: int) -> None:
    """_upgrade_revs / _downgrade_revs: the revisions each runs, in order, and each step's
    shape (what an application's fn hands back to run_migrations)."""
    theirs, ours = both(tmp_path, seed)
    theirs_steps = outcome(theirs._upgrade_revs, "heads", ())
    ours_steps = outcome(ours._upgrade_revs, "heads", ())
    assert theirs_steps[0] == ours_steps[0] == "ok"
    assert [(s.revision.revision, s.is_upgrade) for s in ours_steps[1]] == [
        (s.revision.revision, s.is_upgrade) for s in theirs_steps[1]
    ]
    for mine, reference in zip(ours_steps[1], theirs_steps[1], strict=True):
        assert mine.short_log == reference.short_log
        assert mine.name == reference.name == "upgrade"
        assert mine.doc == reference.doc
        assert mine.info.up_revision_ids == reference.info.up_revision_ids
    heads = tuple(theirs.get_heads(consider_depends_on=True))
    theirs_down = outcome(
        lambda: [s.revision.revision for s in theirs._downgrade_revs("base", heads)]
    )
    ours_down = outcome(lambda: [s.revision.revision for s in ours._downgrade_revs("base", heads)])
    if theirs_down[0] == "ok":
        assert sorted(ours_down[1]) == sorted(theirs_down[1])
    # `stamp heads` records every head (a deliberate difference, docs/commands.md)
    stamp = ours._stamp_revs("heads", ())
    assert len(stamp) == 1 and set(stamp[0].to_) == set(ours.get_heads())


def test_revision_map_built_from_revisions_as_pytest_alembic_does() -> None:
    """RevisionMap(lambda: [Revision(...)]) with Alembic's constructor, and iterate_revisions."""

    def made(revision_class: Any) -> list[Any]:
        return [
            revision_class("a", None),
            revision_class("b", "a", branch_labels="feature"),
            revision_class("c", "b"),
            revision_class("d", "a"),
            revision_class("e", ("c", "d"), dependencies=None),
        ]

    theirs = alembic_revision.RevisionMap(lambda: made(alembic_revision.Revision))
    ours = StillRevisionMap(lambda: made(StillRevision))
    assert ours.heads == theirs.heads == ("e",)
    assert ours.bases == theirs.bases
    assert ids(ours.iterate_revisions("heads", "base")) == ids(
        theirs.iterate_revisions("heads", "base")
    )
    assert ids(ours.iterate_revisions("c", "a")) == ids(theirs.iterate_revisions("c", "a"))
    assert ids(ours.iterate_revisions("e", "b", inclusive=True)) == ids(
        theirs.iterate_revisions("e", "b", inclusive=True)
    )
    assert ours.get_current_head("feature") == theirs.get_current_head("feature")
    assert ids(ours.get_revisions("feature@head")) == ids(theirs.get_revisions("feature@head"))
    assert ours.get_revision("feature").revision == theirs.get_revision("feature").revision
    assert ids(ours.filter_for_lineage(["c", "d"], "feature")) == ids(
        theirs.filter_for_lineage(["c", "d"], "feature")
    )
    assert {r: set(ours.get_revision(r).branch_labels) for r in "abcde"} == {
        r: set(theirs.get_revision(r).branch_labels) for r in "abcde"
    }
    ours.add_revision(StillRevision("f", "e"))
    theirs.add_revision(alembic_revision.Revision("f", "e"))
    assert ours.heads == theirs.heads == ("f",)
    with pytest.raises(Exception, match=r"(?i)not below|not an ancestor"):
        list(ours.iterate_revisions("d", "c"))
    with pytest.raises(alembic_revision.RangeNotAncestorError):
        list(theirs.iterate_revisions("d", "c"))


def test_refreshing_the_map_after_writing_a_file(tmp_path: Path) -> None:
    """pytest-alembic: ``script.revision_map = RevisionMap(script._load_revisions)`` picks up a
    revision file written since."""
    revisions = random_graph(3)
    ini = write_project(tmp_path, revisions)
    template = Path(__file__).parent.parent / "src" / "still" / "templates" / "generic"
    (tmp_path / "migrations" / "script.py.mako").write_text(
        (template / "script.py.mako").read_text()
    )
    ours = StillScriptDirectory.from_config(StillConfig(str(ini)))
    before = set(ours.get_heads())
    head = sorted(before)[0]
    script = ours.generate_revision("zz9", "later", head=head)
    assert script is not None and script.revision == "zz9"
    assert Path(script.path).parent == tmp_path / "migrations" / "versions"
    ours.revision_map = StillRevisionMap(ours._load_revisions)
    assert "zz9" in ours.get_heads() and head not in ours.get_heads()
    assert ours.get_revision("zz9").down_revision == head
