"""Pictures of the revision graph: what to draw (collapsing long straight runs), a layered layout,
and the picture as Mermaid, Graphviz DOT or SVG text.

Pure graph logic: the caller passes the graph, the revisions' messages and, when it knows them, the
revisions the database records.  Nothing here reads files, runs Graphviz or opens a connection.

The newest revisions are drawn at the top; an arrow goes from a revision to the one that builds on
it (the direction ``upgrade`` takes).  ``depends_on`` is a dashed arrow from the dependency to the
revision that declares it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from still.graph.graph import RevisionGraph

# A straight run of at least this many revisions becomes one "… N revisions …" node.
MIN_RUN = 3
# Messages longer than this are cut (the full text is in the revision file).
MESSAGE_WIDTH = 40


@dataclass(frozen=True)
class Node:
    """One box of the picture: a revision, or a collapsed straight run of revisions."""

    key: str
    revisions: tuple[str, ...]
    collapsed: bool = False
    message: str = ""
    labels: tuple[str, ...] = ()
    head: bool = False
    current: bool = False
    applied: bool = False
    merge: bool = False
    branch: bool = False

    @property
    def title(self) -> str:
        if self.collapsed:
            return f"… {len(self.revisions)} revisions …"
        marks = [
            name
            for shown, name in (
                (self.head, "head"),
                (self.current, "current"),
                (self.merge, "mergepoint"),
                (self.branch, "branchpoint"),
            )
            if shown
        ]
        return self.key + "".join(f" ({mark})" for mark in marks)

    @property
    def lines(self) -> list[str]:
        """The text of the box, first line first."""
        lines = [self.title]
        if self.collapsed:
            lines.append(f"{self.revisions[0]} … {self.revisions[-1]}")
            return lines
        if self.labels:
            lines.append("branch: " + ", ".join(self.labels))
        if self.message:
            lines.append(_shorten(self.message))
        return lines

    @property
    def classes(self) -> list[str]:
        names = ["run" if self.collapsed else "revision"]
        names += [
            name
            for shown, name in (
                (self.head, "head"),
                (self.current, "current"),
                (self.applied and not self.current, "applied"),
                (self.merge, "merge"),
                (self.branch, "branch"),
                (bool(self.labels), "labelled"),
            )
            if shown
        ]
        return names


@dataclass(frozen=True)
class Edge:
    """An arrow from an older node to the node that builds on it (or depends on it)."""

    source: str
    target: str
    dependency: bool = False


@dataclass
class Picture:
    """What to draw: nodes oldest first (every node after the nodes it has arrows from)."""

    nodes: list[Node]
    edges: list[Edge]
    revision_count: int
    heads: tuple[str, ...]
    current: tuple[str, ...] | None  # None: where the database stands is not known
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        heads = len(self.heads)
        text = (
            f"{self.revision_count} revision{'s' * (self.revision_count != 1)}, "
            f"{heads} head{'s' * (heads != 1)}"
        )
        if self.heads:
            text += f" ({', '.join(self.heads)})"
        if self.current is not None:
            text += f"; database at {', '.join(self.current) or 'base'}"
        return text

    @property
    def comments(self) -> list[str]:
        """The lines every format writes as comments: a summary, then the notes."""
        return [_one_line(line) for line in (f"still graph: {self.summary}", *self.notes)]


def _one_line(text: str) -> str:
    return " ".join(_printable(text).split())


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def _printable(text: str) -> str:
    """Without control characters (XML cannot hold most of them, terminals misread them)."""
    return _UNPRINTABLE.sub("?", text)


def _shorten(message: str) -> str:
    first = _one_line(message)
    return first if len(first) <= MESSAGE_WIDTH else first[: MESSAGE_WIDTH - 1].rstrip() + "…"


# -- what to draw ---------------------------------------------------------------------------------


def straight_runs(
    graph: RevisionGraph[Any], keep: Iterable[str] = (), min_run: int = MIN_RUN
) -> list[list[str]]:
    """The straight runs of at least ``min_run`` revisions, each oldest first.

    A revision can be part of a run when it has one down revision and one child, no branch label,
    nothing it depends on and nothing that depends on it, and is not in ``keep`` (the revisions
    the database records are kept, so the picture shows them).
    """
    kept = set(keep)

    def plain(rid: str) -> bool:
        rev = graph[rid]
        return (
            len(rev.down_revisions) == 1
            and len(rev.children) == 1
            and not rev.dependencies
            and not rev.declared_labels
            and not graph.dependants[rid]
            and rid not in kept
        )

    runs = []
    for rev in graph:
        rid = rev.revision
        if not plain(rid) or plain(rev.down_revisions[0]):
            continue
        run = [rid]
        while plain(graph[run[-1]].children[0]):
            run.append(graph[run[-1]].children[0])
        if len(run) >= min_run:
            runs.append(run)
    # In the order of the graph, oldest first.
    position = {rid: i for i, rid in enumerate(graph.ordered(r.revision for r in graph))}
    return sorted(runs, key=lambda run: position[run[0]])


def build_picture(
    graph: RevisionGraph[Any],
    messages: Mapping[str, str] | None = None,
    current: Sequence[str] | None = None,
    collapse: bool = True,
    min_run: int = MIN_RUN,
    notes: Sequence[str] = (),
) -> Picture:
    """The nodes and arrows of ``graph``; ``current`` is where the database stands (None: not
    known, ``()``: at base)."""
    messages = messages or {}
    recorded = tuple(current) if current is not None else ()
    unknown = [rid for rid in recorded if rid not in graph]
    applied = graph.ancestors(rid for rid in recorded if rid in graph)
    notes = list(notes)
    if unknown:
        notes.append(
            f"The database records {', '.join(unknown)}, which no revision file declares "
            "(`still stamp` can record where it really is)."
        )
    runs = straight_runs(graph, recorded, min_run) if collapse else []
    node_of: dict[str, str] = {}  # revision id -> key of the node that shows it
    run_at: dict[str, list[str]] = {run[0]: run for run in runs}
    keys = {rev.revision for rev in graph}
    nodes: list[Node] = []
    order = graph.ordered(rev.revision for rev in graph)
    for rid in order:
        if rid in node_of:
            continue
        run = run_at.get(rid)
        if run is not None:
            key = f"{run[0]}…{run[-1]}"
            while key in keys:
                key += "'"
            keys.add(key)
            for member in run:
                node_of[member] = key
            nodes.append(Node(key, tuple(run), collapsed=True, applied=rid in applied))
            continue
        rev = graph[rid]
        node_of[rid] = rid
        nodes.append(
            Node(
                rid,
                (rid,),
                message=messages.get(rid, ""),
                labels=tuple(sorted(rev.declared_labels)),
                head=not rev.children,
                current=rid in recorded,
                applied=rid in applied,
                merge=rev.is_merge_point,
                branch=rev.is_branch_point,
            )
        )
    edges: list[Edge] = []
    seen: set[tuple[str, str, bool]] = set()
    for rid in order:
        rev = graph[rid]
        down = set(rev.down_revisions)
        for parent in graph.parents(rid):
            edge = (node_of[parent], node_of[rid], parent not in down)
            if edge[0] != edge[1] and edge not in seen:
                seen.add(edge)
                edges.append(Edge(*edge))
    return Picture(
        nodes,
        edges,
        len(graph),
        tuple(graph.heads),
        recorded if current is not None else None,
        notes,
    )


# -- Mermaid --------------------------------------------------------------------------------------

_MERMAID_STYLES = (
    "classDef head stroke-width:3px",
    "classDef current fill:#cde8ff,stroke:#1f6feb,stroke-width:3px",
    "classDef applied fill:#eef6ff",
    "classDef run fill:#f4f4f4,stroke-dasharray:4 3",
)
_MERMAID_ID = re.compile(r"^[A-Za-z0-9_]+$")


def _mermaid_text(text: str) -> str:
    replaced = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"}
    return "".join(replaced.get(ch, ch) for ch in _printable(text))


def to_mermaid(picture: Picture) -> str:
    """A Mermaid flowchart (paste it into Markdown on GitHub or GitLab, or mermaid.live)."""
    ids: dict[str, str] = {}
    runs = 0
    for index, node in enumerate(picture.nodes):
        if node.collapsed:
            runs += 1
            ids[node.key] = f"run_{runs}"
        else:
            ids[node.key] = f"r_{node.key}" if _MERMAID_ID.match(node.key) else f"n{index}"
    lines = ["flowchart BT"]
    lines += [f"    %% {_mermaid_text(comment)}" for comment in picture.comments]
    for node in picture.nodes:
        text = "<br/>".join(_mermaid_text(line) for line in node.lines)
        shape = '(["{}"])' if node.collapsed else '["{}"]'
        lines.append(f"    {ids[node.key]}{shape.format(text)}")
    for edge in picture.edges:
        arrow = " -.->|depends_on| " if edge.dependency else " --> "
        lines.append(f"    {ids[edge.source]}{arrow}{ids[edge.target]}")
    lines += [f"    {style}" for style in _MERMAID_STYLES]
    for name in ("head", "current", "applied", "run"):
        members = [ids[node.key] for node in picture.nodes if name in node.classes]
        if members:
            lines.append(f"    class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"


# -- Graphviz DOT ---------------------------------------------------------------------------------


def _dot_string(text: str) -> str:
    return '"' + _printable(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_attributes(node: Node) -> str:
    label = "\\n".join(
        _printable(line).replace("\\", "\\\\").replace('"', '\\"') for line in node.lines
    )
    attributes = [f'label="{label}"']
    if node.collapsed:
        attributes.append('style="rounded,filled,dashed"')
        attributes.append('fillcolor="#f4f4f4"')
    if node.current:
        attributes += ['fillcolor="#cde8ff"', 'color="#1f6feb"', "penwidth=3"]
    elif node.applied and not node.collapsed:
        attributes.append('fillcolor="#eef6ff"')
    if node.head and not node.current:
        attributes.append("penwidth=2")
    return ", ".join(attributes)


def to_dot(picture: Picture) -> str:
    """A Graphviz digraph (``dot -Tsvg`` or ``-Tpng`` draws it)."""
    lines = ["digraph revisions {"]
    lines += [f"    // {comment}" for comment in picture.comments]
    lines.append("    rankdir=BT;")
    lines.append(
        '    node [shape=box, style="rounded,filled", fillcolor="white", '
        'fontname="Helvetica", fontsize=10];'
    )
    for node in picture.nodes:
        lines.append(f"    {_dot_string(node.key)} [{_dot_attributes(node)}];")
    for edge in picture.edges:
        style = ' [style=dashed, label="depends_on", fontsize=8]' if edge.dependency else ""
        lines.append(f"    {_dot_string(edge.source)} -> {_dot_string(edge.target)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- layout ---------------------------------------------------------------------------------------

CHAR_WIDTH = 7.2  # of the 12px monospace font the SVG uses
LINE_HEIGHT = 15
PADDING = 8
H_GAP = 28
V_GAP = 36
DUMMY_WIDTH = 8


@dataclass
class _Slot:
    key: str  # a node key, or a dummy's ("" + edge index + layer)
    layer: int
    width: float
    height: float
    node: Node | None = None
    x: float = 0.0  # the centre
    y: float = 0.0  # the top


@dataclass
class Layout:
    """Where each node and arrow goes, in pixels (y grows downwards; newest at the top)."""

    boxes: dict[str, _Slot]
    paths: list[tuple[Edge, list[tuple[float, float]]]]
    width: float
    height: float


def _box_size(node: Node) -> tuple[float, float]:
    lines = node.lines
    width = max(len(line) for line in lines) * CHAR_WIDTH + 2 * PADDING
    return max(width, 60.0), len(lines) * LINE_HEIGHT + PADDING


def layout(picture: Picture, top: float = 0.0) -> Layout:
    """A layered layout: each node one layer above the highest node it has an arrow from
    (longest path), long arrows routed through points in the layers they cross, the nodes of
    each layer ordered by the average position of their neighbours (a few sweeps up and down)."""
    layer: dict[str, int] = {}
    incoming: dict[str, list[str]] = {node.key: [] for node in picture.nodes}
    for edge in picture.edges:
        incoming[edge.target].append(edge.source)
    for node in picture.nodes:  # oldest first: sources are placed before their targets
        layer[node.key] = max((layer[s] + 1 for s in incoming[node.key]), default=0)
    slots: dict[str, _Slot] = {}
    for node in picture.nodes:
        width, height = _box_size(node)
        slots[node.key] = _Slot(node.key, layer[node.key], width, height, node)
    # Each edge as a chain of slots, one per layer it passes.
    chains: list[tuple[Edge, list[str]]] = []
    for index, edge in enumerate(picture.edges):
        chain = [edge.source]
        for between in range(layer[edge.source] + 1, layer[edge.target]):
            key = f"\0{index}:{between}"
            slots[key] = _Slot(key, between, DUMMY_WIDTH, 0.0)
            chain.append(key)
        chain.append(edge.target)
        chains.append((edge, chain))
    depth = max(layer.values(), default=-1) + 1
    rows: list[list[str]] = [[] for _ in range(depth)]
    for key, slot in slots.items():  # nodes oldest first, then dummies: a stable start
        rows[slot.layer].append(key)
    below: dict[str, list[str]] = {key: [] for key in slots}
    above: dict[str, list[str]] = {key: [] for key in slots}
    for _, chain in chains:
        for lower, upper in itertools.pairwise(chain):
            above[lower].append(upper)
            below[upper].append(lower)

    position = {key: i for row in rows for i, key in enumerate(row)}

    def sweep(neighbours: dict[str, list[str]], order: Iterable[int]) -> None:
        for row_index in order:
            row = rows[row_index]
            if len(row) < 2:
                continue
            keyed = []
            for i, key in enumerate(row):
                near = neighbours[key]
                centre = sum(position[n] for n in near) / len(near) if near else float(i)
                keyed.append((centre, i, key))
            row[:] = [key for _, _, key in sorted(keyed)]
            position.update((key, i) for i, key in enumerate(row))

    for _ in range(3):
        sweep(below, range(1, depth))
        sweep(above, range(depth - 2, -1, -1))
    # x: each row's slots side by side; then each row centred on the widest.
    widths = [sum(slots[k].width for k in row) + H_GAP * max(len(row) - 1, 0) for row in rows]
    widest = max(widths, default=0.0)
    for row, row_width in zip(rows, widths, strict=True):
        x = (widest - row_width) / 2
        for key in row:
            slots[key].x = x + slots[key].width / 2
            x += slots[key].width + H_GAP
    # y: the newest layer at the top.
    y = top
    row_top: list[float] = [0.0] * depth
    row_height: list[float] = [0.0] * depth
    for index in range(depth - 1, -1, -1):
        height = max((slots[k].height for k in rows[index]), default=0.0)
        row_top[index], row_height[index] = y, height
        for key in rows[index]:
            slot = slots[key]
            slot.y = y + (height - slot.height) / 2
        y += height + V_GAP
    paths = []
    for edge, chain in chains:
        source, target = slots[chain[0]], slots[chain[-1]]
        points = [(source.x, source.y)]
        for key in chain[1:-1]:
            dummy = slots[key]
            bottom = row_top[dummy.layer] + row_height[dummy.layer]
            points += [(dummy.x, bottom), (dummy.x, row_top[dummy.layer])]
        points.append((target.x, target.y + target.height))
        paths.append((edge, points))
    boxes = {key: slot for key, slot in slots.items() if slot.node is not None}
    return Layout(boxes, paths, widest, max(y - V_GAP, top))


# -- SVG ------------------------------------------------------------------------------------------

_SVG_STYLE = """
    text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
    .node rect { fill: #ffffff; stroke: #57606a; stroke-width: 1; }
    .node.applied rect { fill: #eef6ff; }
    .node.head rect { stroke-width: 2.5; }
    .node.current rect { fill: #cde8ff; stroke: #1f6feb; stroke-width: 3; }
    .node.run rect { fill: #f4f4f4; stroke-dasharray: 4 3; }
    .node .label { fill: #8250df; }
    .edge { fill: none; stroke: #57606a; stroke-width: 1.2; }
    .edge.depends { stroke: #8250df; stroke-dasharray: 5 4; }
    .note { fill: #57606a; }
"""


def _svg_text(text: str) -> str:
    return escape(_printable(text))


def _svg_attribute(text: str) -> str:
    return quoteattr(_printable(text))


def _svg_comment(text: str) -> str:
    return "<!-- " + _printable(text).replace("--", "- -") + " -->"


def _path_data(points: list[tuple[float, float]]) -> str:
    (x, y), rest = points[0], points[1:]
    data = [f"M{x:.1f},{y:.1f}"]
    for nx, ny in rest:
        middle = (y + ny) / 2
        data.append(f"C{x:.1f},{middle:.1f} {nx:.1f},{middle:.1f} {nx:.1f},{ny:.1f}")
        x, y = nx, ny
    return " ".join(data)


def to_svg(picture: Picture) -> str:
    """A standalone SVG drawing, laid out by still (no Graphviz needed)."""
    margin = 16.0
    header = [picture.comments[0].removeprefix("still graph: "), *picture.notes]
    header.append("newest at the top · arrows: upgrade order · dashed: depends_on")
    header.append("thick border: head · blue: current (lighter: applied)")
    top = margin + LINE_HEIGHT * len(header) + V_GAP / 2
    placed = layout(picture, top)
    text_width = max(len(_one_line(line)) for line in header) * CHAR_WIDTH
    width = max(placed.width, text_width) + 2 * margin
    height = placed.height + margin
    shift = margin + (width - 2 * margin - placed.width) / 2
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" class="still-graph">',
    ]
    out += [_svg_comment(comment) for comment in picture.comments]
    out.append(f"<title>{_svg_text(picture.summary)}</title>")
    out.append(
        "<defs><style>"
        + _SVG_STYLE
        + "</style>"
        + '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#57606a"/></marker></defs>'
    )
    for index, line in enumerate(header):
        out.append(
            f'<text class="note" x="{margin:.0f}" y="{margin + LINE_HEIGHT * (index + 0.8):.1f}">'
            f"{_svg_text(_one_line(line))}</text>"
        )
    out.append(f'<g transform="translate({shift:.1f},0)">')
    for edge, points in placed.paths:
        kind = "edge depends" if edge.dependency else "edge"
        out.append(
            f'<path class="{kind}" d="{_path_data(points)}" marker-end="url(#arrow)" '
            f"data-from={_svg_attribute(edge.source)} data-to={_svg_attribute(edge.target)}/>"
        )
    for node in picture.nodes:
        slot = placed.boxes[node.key]
        left = slot.x - slot.width / 2
        if node.collapsed:
            data = (
                f"data-count={_svg_attribute(str(len(node.revisions)))} "
                f"data-first={_svg_attribute(node.revisions[0])} "
                f"data-last={_svg_attribute(node.revisions[-1])}"
            )
            tooltip = f"{len(node.revisions)} revisions in a straight line: " + ", ".join(
                node.revisions
            )
        else:
            data = f"data-revision={_svg_attribute(node.key)}"
            tooltip = node.message or node.key
        out.append(f'<g class="node {" ".join(node.classes)}" {data}>')
        out.append(f"<title>{_svg_text(tooltip)}</title>")
        out.append(
            f'<rect x="{left:.1f}" y="{slot.y:.1f}" width="{slot.width:.1f}" '
            f'height="{slot.height:.1f}" rx="6"/>'
        )
        for index, line in enumerate(node.lines):
            label = ' class="label"' if line.startswith("branch: ") and index == 1 else ""
            out.append(
                f'<text{label} x="{slot.x:.1f}" '
                f'y="{slot.y + PADDING / 2 + LINE_HEIGHT * (index + 0.75):.1f}" '
                f'text-anchor="middle">{_svg_text(line)}</text>'
            )
        out.append("</g>")
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


RENDERERS = {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}
