"""Pictures of the revision graph (still.graph.drawing, ``command.graph``): Mermaid and DOT text
of small graphs exactly, still's own SVG of a generated 2,000-revision graph opened as XML, and
where the database stands, read as ``still current`` reads it, on the three databases."""

from __future__ import annotations

import io
import os
import random
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from still import command
from still.config import Config
from still.errors import CommandError
from still.graph import Revision, RevisionGraph, as_tuple
from still.graph.drawing import build_picture, straight_runs, to_dot, to_mermaid, to_svg
from tests.conftest import UNREACHABLE_URL, PetClinic, Project, make_project

SVG = "{http://www.w3.org/2000/svg}"


def rev(revision: str, down=None, labels=(), depends=()) -> Revision:
    return Revision(revision, as_tuple(down), tuple(depends), tuple(labels))


def small() -> RevisionGraph[Revision]:
    """base1 splits into a2 -> a3 and b2 (label "reports"); m4 merges them; h5 and d5 (which
    depends on "reports") are the heads."""
    return RevisionGraph(
        [
            rev("base1"),
            rev("a2", "base1"),
            rev("a3", "a2"),
            rev("b2", "base1", labels=["reports"]),
            rev("m4", ("a3", "b2")),
            rev("h5", "m4"),
            rev("d5", "m4", depends=["reports"]),
        ]
    )


MESSAGES = {"base1": "initial schema", "b2": 'say "hi" <now>'}

SMALL_MERMAID = """\
flowchart BT
    %% still graph: 7 revisions, 2 heads (h5, d5); database at a3, b2
    r_base1["base1 (branchpoint)<br/>initial schema"]
    r_a2["a2"]
    r_a3["a3 (current)"]
    r_b2["b2 (current)<br/>branch: reports<br/>say #quot;hi#quot; #lt;now#gt;"]
    r_m4["m4 (mergepoint) (branchpoint)"]
    r_h5["h5 (head)"]
    r_d5["d5 (head)"]
    r_base1 --> r_a2
    r_a2 --> r_a3
    r_base1 --> r_b2
    r_a3 --> r_m4
    r_b2 --> r_m4
    r_m4 --> r_h5
    r_m4 --> r_d5
    r_b2 -.->|depends_on| r_d5
    classDef head stroke-width:3px
    classDef current fill:#cde8ff,stroke:#1f6feb,stroke-width:3px
    classDef applied fill:#eef6ff
    classDef run fill:#f4f4f4,stroke-dasharray:4 3
    class r_h5,r_d5 head
    class r_a3,r_b2 current
    class r_base1,r_a2 applied
"""

SMALL_DOT = """\
digraph revisions {
    // still graph: 7 revisions, 2 heads (h5, d5); database at a3, b2
    rankdir=BT;
    node [shape=box, style="rounded,filled", fillcolor="white", fontname="Helvetica", fontsize=10];
    "base1" [label="base1 (branchpoint)\\ninitial schema", fillcolor="#eef6ff"];
    "a2" [label="a2", fillcolor="#eef6ff"];
    "a3" [label="a3 (current)", fillcolor="#cde8ff", color="#1f6feb", penwidth=3];
    "b2" [label="b2 (current)\\nbranch: reports\\nsay \\"hi\\" <now>", fillcolor="#cde8ff", \
color="#1f6feb", penwidth=3];
    "m4" [label="m4 (mergepoint) (branchpoint)"];
    "h5" [label="h5 (head)", penwidth=2];
    "d5" [label="d5 (head)", penwidth=2];
    "base1" -> "a2";
    "a2" -> "a3";
    "base1" -> "b2";
    "a3" -> "m4";
    "b2" -> "m4";
    "m4" -> "h5";
    "m4" -> "d5";
    "b2" -> "d5" [style=dashed, label="depends_on", fontsize=8];
}
"""


def test_mermaid_of_a_small_graph() -> None:
    picture = build_picture(small(), MESSAGES, current=("a3", "b2"))
    assert to_mermaid(picture) == SMALL_MERMAID


def test_dot_of_a_small_graph() -> None:
    picture = build_picture(small(), MESSAGES, current=("a3", "b2"))
    assert to_dot(picture) == SMALL_DOT


def linear(count: int) -> RevisionGraph[Revision]:
    return RevisionGraph([rev("r0")] + [rev(f"r{i}", f"r{i - 1}") for i in range(1, count)])


def test_a_straight_run_is_one_node() -> None:
    picture = build_picture(linear(8), current=())
    assert to_mermaid(picture) == (
        "flowchart BT\n"
        "    %% still graph: 8 revisions, 1 head (r7); database at base\n"
        '    r_r0["r0"]\n'
        '    run_1(["… 6 revisions …<br/>r1 … r6"])\n'
        '    r_r7["r7 (head)"]\n'
        "    r_r0 --> run_1\n"
        "    run_1 --> r_r7\n"
        "    classDef head stroke-width:3px\n"
        "    classDef current fill:#cde8ff,stroke:#1f6feb,stroke-width:3px\n"
        "    classDef applied fill:#eef6ff\n"
        "    classDef run fill:#f4f4f4,stroke-dasharray:4 3\n"
        "    class r_r7 head\n"
        "    class run_1 run\n"
    )
    assert to_dot(picture).splitlines()[5:8] == [
        '    "r1…r6" [label="… 6 revisions …\\nr1 … r6", style="rounded,filled,dashed", '
        'fillcolor="#f4f4f4"];',
        '    "r7" [label="r7 (head)", penwidth=2];',
        '    "r0" -> "r1…r6";',
    ]
    # The current revision is never hidden in a run: it splits the run in two.
    picture = build_picture(linear(8), current=("r4",))
    assert [node.key for node in picture.nodes] == ["r0", "r1…r3", "r4", "r5", "r6", "r7"]
    assert [node.applied for node in picture.nodes] == [True, True, True, False, False, False]
    # Without collapsing, every revision is drawn; runs shorter than three stay as they are.
    assert len(build_picture(linear(8), collapse=False).nodes) == 8
    assert len(build_picture(linear(4)).nodes) == 4


def test_ids_and_text_that_need_escaping() -> None:
    graph = RevisionGraph([rev("a-1"), rev('b"2', "a-1"), rev("c\\3", 'b"2')])
    messages = {"a-1": "it's <b>bold</b> & \x1b[31mred\x1b[0m #1 `x`"}
    picture = build_picture(graph, messages)
    mermaid = to_mermaid(picture)
    assert 'n0["a-1<br/>it\'s #lt;b#gt;bold#lt;/b#gt; & ?[31mred?[0m #35;1 #96;x#96;"]' in mermaid
    assert 'n1["b#quot;2"]' in mermaid and "n1 --> n2" in mermaid
    dot = to_dot(picture)
    assert '"b\\"2" -> "c\\\\3";' in dot
    root = ET.fromstring(to_svg(picture))
    drawn = {g.get("data-revision") for g in root.iter(f"{SVG}g") if g.get("data-revision")}
    assert drawn == {"a-1", 'b"2', "c\\3"}


def generated(count: int, seed: int = 7) -> RevisionGraph[Revision]:
    """A long history: a main line with feature branches that merge back, branches left open
    (heads), labels, and depends_on between branches."""
    rng = random.Random(seed)
    revisions = [rev("m0000")]
    main = "m0000"
    open_branches: list[list[str]] = []
    n = 1
    while n < count:
        roll = rng.random()
        if roll < 0.04 and n + 3 < count:
            first = f"f{n:04d}"
            revisions.append(rev(first, main, labels=[f"feature{n}"] if rng.random() < 0.5 else []))
            open_branches.append([first])
            n += 1
        elif roll < 0.3 and open_branches:
            branch = rng.choice(open_branches)
            rid = f"b{n:04d}"
            depends = [main] if rng.random() < 0.1 else []
            revisions.append(rev(rid, branch[-1], depends=depends))
            branch.append(rid)
            n += 1
        elif roll < 0.34 and open_branches:
            branch = open_branches.pop(rng.randrange(len(open_branches)))
            rid = f"x{n:04d}"
            revisions.append(rev(rid, (main, branch[-1])))
            main = rid
            n += 1
        else:
            rid = f"m{n:04d}"
            revisions.append(rev(rid, main))
            main = rid
            n += 1
    return RevisionGraph(revisions)


def expected_runs(graph: RevisionGraph[Revision], current: set[str]) -> list[list[str]]:
    """Straight runs of 3+ revisions, by the definition (independent of drawing.py's code)."""

    def plain(rid: str) -> bool:
        r = graph[rid]
        return (
            len(r.down_revisions) == 1
            and len(r.children) == 1
            and not r.dependencies
            and not r.declared_labels
            and not graph.dependants[rid]
            and rid not in current
        )

    runs, seen = [], set()
    for r in graph:
        rid = r.revision
        if rid in seen or not plain(rid):
            continue
        start = rid
        while plain(graph[start].down_revisions[0]):
            start = graph[start].down_revisions[0]
        run = [start]
        while plain(graph[run[-1]].children[0]):
            run.append(graph[run[-1]].children[0])
        seen.update(run)
        if len(run) >= 3:
            runs.append(run)
    return runs


def test_svg_of_2000_revisions() -> None:
    graph = generated(2000)
    current = {"m1500"} if "m1500" in graph else {sorted(graph.heads)[0]}
    picture = build_picture(graph, current=sorted(current))
    text = to_svg(picture)

    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    groups = [g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()]
    revisions = {g.get("data-revision") for g in groups if "revision" in g.get("class", "")}
    runs = {
        (g.get("data-first"), g.get("data-last"), int(g.get("data-count", "0")))
        for g in groups
        if "run" in g.get("class", "").split()
    }
    expected = expected_runs(graph, current)
    assert runs == {(run[0], run[-1], len(run)) for run in expected}
    hidden = {rid for run in expected for rid in run}
    assert revisions == {r.revision for r in graph} - hidden
    assert len(revisions) + sum(count for _, _, count in runs) == 2000
    assert len(groups) < 2000 / 3  # collapsing makes it readable
    heads = {g.get("data-revision") for g in groups if "head" in g.get("class", "").split()}
    assert heads == set(graph.heads)
    marked = {g.get("data-revision") for g in groups if "current" in g.get("class", "").split()}
    assert marked == current
    edges = [p for p in root.iter(f"{SVG}path") if "edge" in (p.get("class") or "")]
    assert len(edges) == len(picture.edges)
    assert any("depends" in (p.get("class") or "") for p in edges)
    # Every box inside the drawing.
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    for rect in root.iter(f"{SVG}rect"):
        assert 0 <= float(rect.get("y", -1)) <= height
    assert straight_runs(graph, current) == expected or sorted(straight_runs(graph, current)) == (
        sorted(expected)
    )
    # Uncollapsed, every revision is a node of its own.
    full = ET.fromstring(to_svg(build_picture(graph, collapse=False)))
    assert len([g for g in full.iter(f"{SVG}g") if g.get("data-revision")]) == 2000
    assert width > 0


# -- the command, on the three databases ---------------------------------------------------------


def config_of(project: Project, stdout: io.StringIO) -> Config:
    return Config(str(project.ini), stdout=stdout)


def test_graph_marks_where_the_database_stands(
    project: Project, petclinic_models: PetClinic, tmp_path: Path
) -> None:
    petclinic_models.write_chain(project)
    command.upgrade(Config(str(project.ini)), "bbb")

    out = io.StringIO()
    command.graph(config_of(project, out))
    text = out.getvalue()
    assert text.splitlines()[:5] == [
        "flowchart BT",
        "    %% still graph: 3 revisions, 1 head (ccc); database at bbb",
        '    r_aaa["aaa<br/>initial schema"]',
        '    r_bbb["bbb (current)<br/>add age to pets"]',
        '    r_ccc["ccc (head)<br/>add index on pets owner_id"]',
    ]
    assert "    class r_bbb current" in text.splitlines()

    out = io.StringIO()
    target = tmp_path / "graph.svg"
    command.graph(config_of(project, out), format="svg", output=target)
    assert out.getvalue().startswith(f"Wrote {target}: 3 revisions, 1 head (ccc); database at bbb")
    root = ET.parse(target).getroot()
    classes = {g.get("data-revision"): g.get("class", "").split() for g in root.iter(f"{SVG}g")}
    assert "current" in classes["bbb"]
    assert "applied" in classes["aaa"]
    assert "current" not in classes["ccc"] and "head" in classes["ccc"]

    out = io.StringIO()
    command.graph(config_of(project, out), format="dot", show_current=False)
    assert "database at" not in out.getvalue()
    assert '"bbb" [label="bbb\\nadd age to pets"];' in out.getvalue()


@pytest.fixture
def sqlite_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A pet-clinic project for the tests that need no database server."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    project = make_project(root, f"sqlite:///{root / 'clinic.db'}")
    PetClinic().write_chain(project)
    return project


def test_an_unreachable_database_is_a_comment(sqlite_project: Project) -> None:
    project = sqlite_project
    project.set_url(UNREACHABLE_URL)
    for format, comment in (("mermaid", "%%"), ("dot", "//"), ("svg", "<!--")):
        out = io.StringIO()
        command.graph(config_of(project, out), format=format)
        text = out.getvalue()
        note = next(line for line in text.splitlines() if "could not be read" in line)
        assert note.lstrip().startswith(comment), note
        assert "Where the database stands is not shown" in note
        assert "pw@" not in text and "database at" not in text


def test_graphviz_formats(
    sqlite_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(str(sqlite_project.ini), stdout=io.StringIO())
    path = os.environ.get("PATH", "")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(CommandError, match=r"Graphviz's `dot` program, which is not installed"):
        command.graph(config, format="png", output=tmp_path / "g.png", show_current=False)
    with pytest.raises(CommandError, match="name a file with -o/--output"):
        command.graph(config, format="pdf", show_current=False)
    with pytest.raises(CommandError, match="use one of mermaid, dot, svg, png, pdf"):
        command.graph(config, format="jpeg")
    # A stand-in for Graphviz: records its arguments and copies its input to the -o file.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"
    fake.write_text('#!/bin/sh\necho "$@" > "$3.args"\ncat > "$3"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + path)
    target = tmp_path / "g.png"
    command.graph(config, format="png", output=target, show_current=False)
    assert Path(f"{target}.args").read_text().split() == ["-Tpng", "-o", str(target)]
    assert target.read_text().startswith("digraph revisions {")
