"""Commands that show the graph and where the database stands: ``heads``, ``history``,
``current``, ``show``, ``branches``.  None of them imports a revision module."""

from __future__ import annotations

from collections.abc import Sequence

from still.command.standing import current_heads, heads_by_run
from still.config import Config
from still.graph.graph import RevisionGraph
from still.script import Script, ScriptDirectory


def _markers(
    graph: RevisionGraph[Script],
    rev: Script,
    current: Sequence[str] = (),
    tree: bool = True,
) -> str:
    """`` (head) (current) (branchpoint) (mergepoint)``, in Alembic's order."""
    marks = []
    if not rev.children:
        # Something still depends on a childless revision: it is a head only in effect.
        marks.append("effective head" if graph.dependants[rev.revision] else "head")
    if rev.revision in current:
        marks.append("current")
    if tree and rev.is_branch_point:
        marks.append("branchpoint")
    if tree and rev.is_merge_point:
        marks.append("mergepoint")
    return "".join(f" ({mark})" for mark in marks)


def _labels(graph: RevisionGraph[Script], rev: Script) -> str:
    labels = graph.effective_labels[rev.revision]
    return f" ({', '.join(sorted(labels))})" if labels else ""


def short_entry(
    graph: RevisionGraph[Script], rev: Script, labels: bool = True, tree: bool = True
) -> str:
    """``abc123 (label) (head)``: a line of ``heads`` (labels, no tree marks), ``current`` (tree
    marks, no labels) and ``branches`` (both)."""
    shown = _labels(graph, rev) if labels else ""
    return f"{rev.revision}{shown}{_markers(graph, rev, tree=tree)}"


def log_entry(graph: RevisionGraph[Script], rev: Script, current: Sequence[str] = ()) -> str:
    """``<base> -> abc123 (head), add pets`` — a line of ``still history``."""
    down = ", ".join(rev.down_revisions) if rev.down_revisions else "<base>"
    if rev.dependencies:
        down += f" ({', '.join(rev.dependencies)})"
    return (
        f"{down} -> {rev.revision}{_labels(graph, rev)}{_markers(graph, rev, current)}, {rev.doc}"
    )


def verbose_entry(graph: RevisionGraph[Script], rev: Script, current: Sequence[str] = ()) -> str:
    """The ``-v`` form of a revision: id and marks, parents, dependencies, labels, path, doc."""
    marks = [
        (not rev.children, "head"),
        (rev.is_branch_point, "branchpoint"),
        (rev.is_merge_point, "mergepoint"),
        (rev.revision in current, "current"),
    ]
    lines = [f"Rev: {rev.revision}" + "".join(f" ({name})" for shown, name in marks if shown)]
    parents = ", ".join(rev.down_revisions) or "<base>"
    lines.append(f"{'Merges' if rev.is_merge_point else 'Parent'}: {parents}")
    if rev.dependencies:
        lines.append(f"Also depends on: {', '.join(rev.dependencies)}")
    if rev.is_branch_point:
        lines.append(f"Branches into: {', '.join(rev.children)}")
    labels = graph.effective_labels[rev.revision]
    if labels:
        lines.append(f"Branch names: {', '.join(sorted(labels))}")
    lines.append(f"Path: {rev.path}")
    lines.append("")
    lines.extend(f"    {line}" for line in rev.longdoc.splitlines())
    return "\n".join(lines) + "\n"


def _printed_from_cache(config: Config, script: ScriptDirectory, name: str) -> bool:
    """Print the output ``name`` kept for the present revision files; False when there is none."""
    known = script.known_output(name)
    if known is None:
        return False
    if known:
        config.print_stdout(known)
    return True


def heads(
    config: Config,
    verbose: bool = False,
    resolve_dependencies: bool = False,
    as_json: bool = False,
) -> None:
    """Print the newest revision of every branch."""
    script = ScriptDirectory.from_config(config)
    # a function of the revision files alone: kept with their digest (see script.digest_cache)
    name = "heads" + (" -v" if verbose else "") + (" --resolve" if resolve_dependencies else "")
    if not as_json and _printed_from_cache(config, script, name):
        return
    graph = script.graph
    shown = graph.heads
    if resolve_dependencies:
        # Dependencies count as down revisions: a head something depends on is not a head.
        needed = {dep for rev in graph for dep in graph.parents(rev.revision)}
        shown = tuple(rid for rid in shown if rid not in needed)
    if as_json:
        from still.command.as_json import emit, revision_record

        emit(config, "heads", heads=[revision_record(graph, graph[rid]) for rid in shown])
        return
    text = "\n".join(
        verbose_entry(graph, graph[rid]) if verbose else short_entry(graph, graph[rid], tree=False)
        for rid in shown
    )
    if text:
        config.print_stdout(text)
    script.remember_output(name, text)


def branches(config: Config, verbose: bool = False, as_json: bool = False) -> None:
    """Print every branch point and the revisions it splits into."""
    graph = ScriptDirectory.from_config(config).graph
    if as_json:
        from still.command.as_json import emit, revision_record

        points = [
            {"branch_point": revision_record(graph, rev), "children": list(rev.children)}
            for rev in graph.newest_first()
            if rev.is_branch_point
        ]
        emit(config, "branches", branch_points=points)
        return
    # A blank line between branch points, none after the last (Alembic ends with one).
    for number, rev in enumerate(r for r in graph.newest_first() if r.is_branch_point):
        if number:
            config.print_stdout("")
        config.print_stdout(verbose_entry(graph, rev) if verbose else short_entry(graph, rev))
        for child_id in rev.children:
            child = graph[child_id]
            config.print_stdout(
                f"{' ' * len(rev.revision)} -> {child_id}{_labels(graph, child)}"
                f"{_markers(graph, child)}" + (f", {child.doc}" if verbose else "")
            )


def history(
    config: Config,
    rev_range: str | None = None,
    verbose: bool = False,
    indicate_current: bool = False,
    as_json: bool = False,
) -> None:
    """Print the revisions, newest first (``-r START:END`` limits the range)."""
    script = ScriptDirectory.from_config(config)
    # The whole history is a function of the revision files alone: kept with their digest.
    plain = f"history{' -v' if verbose else ''}" if not (rev_range or indicate_current) else None
    if plain is not None and not as_json and _printed_from_cache(config, script, plain):
        return
    graph = script.graph
    start, sep, end = (rev_range or "").partition(":")
    if rev_range and not sep:
        start, end = rev_range, ""
    # Only ask the database when the range or -i needs to know where it stands.
    needs_database = indicate_current or any(
        spec == "current" or spec[:1] in "+-" for spec in (start, end) if spec
    )
    current: tuple[str, ...] = current_heads(config, script) if needs_database else ()
    selected: list[str] | None = None
    if rev_range:
        from still.graph import resolve_destination

        upper_ids = resolve_destination(graph, end or "heads", current)
        lower_ids = resolve_destination(graph, start, current) if start else ()
        upper = graph.ancestors(upper_ids, False)
        lower = graph.descendants(lower_ids) if lower_ids else set(upper)
        selected = list(upper & lower)
    if as_json:
        from still.command.as_json import emit, revision_record

        records = [revision_record(graph, rev, current) for rev in graph.newest_first(selected)]
        emit(config, "history", revisions=records)
        return
    entry = verbose_entry if verbose else log_entry
    lines = [entry(graph, rev, current) for rev in graph.newest_first(selected)]
    text = "\n".join(lines)
    if text:  # one write (and one password mask) for the whole history, not one per revision
        config.print_stdout(text)
    if plain is not None:
        script.remember_output(plain, text)


def show(config: Config, rev: str, as_json: bool = False) -> None:
    """Print one revision in full."""
    from still.graph import resolve_targets

    graph = ScriptDirectory.from_config(config).graph
    if as_json:
        from still.command.as_json import emit, revision_record

        found = resolve_targets(graph, rev)
        emit(config, "show", revisions=[revision_record(graph, graph[r], full=True) for r in found])
        return
    for rid in resolve_targets(graph, rev):
        config.print_stdout(verbose_entry(graph, graph[rid]))


def current(
    config: Config, check_heads: bool = False, verbose: bool = False, as_json: bool = False
) -> None:
    """Print the revision(s) the database is at; with ``check_heads``, fail
    (:class:`~still.errors.DatabaseNotAtHead`) unless it stands at every head."""
    script = ScriptDirectory.from_config(config)
    runs = heads_by_run(config, script)
    if check_heads:
        from still.errors import DatabaseNotAtHead

        heads = set(script.get_heads(consider_depends_on=True))
        for run in runs:
            applied = script.graph.ancestors([rid for rid in run if rid in script.graph])
            if not heads <= applied or any(rid not in script.graph for rid in run):
                raise DatabaseNotAtHead(
                    f"The database is at {', '.join(run) or 'base'}, not at every head "
                    f"({', '.join(sorted(heads))}). Run `still upgrade heads`, or leave out "
                    "check_heads."
                )
    if len(runs) > 1 and not as_json:
        # One database after another (multidb): each says where it stands, as Alembic prints.
        for heads_of_run in runs:
            _print_current(config, script, heads_of_run, verbose)
        return
    heads_now = tuple(dict.fromkeys(rid for run in runs for rid in run))
    _print_current(config, script, heads_now, verbose, as_json)


def _print_current(
    config: Config,
    script: ScriptDirectory,
    heads_now: tuple[str, ...],
    verbose: bool,
    as_json: bool = False,
) -> None:
    if verbose and not as_json:
        config.print_stdout(f"Current revision(s) for {config.masked_url() or 'the database'}:")
    # The usual answer, a database at every head, is a function of the revision files alone.
    at_heads = not (verbose or as_json) and set(heads_now) == set(script.known_heads())
    if at_heads and _printed_from_cache(config, script, "current at heads"):
        return
    graph = script.graph
    missing = [rid for rid in heads_now if rid not in graph]
    # Every applied revision that no applied revision builds on: the recorded heads, and the
    # dependencies they imply that head a branch of their own.
    applied = graph.ancestors([rid for rid in heads_now if rid in graph])
    shown = [
        rev.revision
        for rev in graph
        if rev.revision in applied and not any(c in applied for c in rev.children)
    ]
    if as_json:
        from still.command.as_json import emit, revision_record

        emit(
            config,
            "current",
            database=config.masked_url(),
            recorded=list(heads_now),
            current=[revision_record(graph, graph[rid], heads_now) for rid in shown],
            missing=missing,
        )
        return
    lines = []
    for rid in [*shown, *missing]:
        if rid in graph:
            rev = graph[rid]
            lines.append(
                verbose_entry(graph, rev) if verbose else short_entry(graph, rev, labels=False)
            )
        else:
            lines.append(f"{rid} (not found in this project's revision files)")
    for line in lines:
        config.print_stdout(line)
    if at_heads and lines and not missing:
        script.remember_output("current at heads", "\n".join(lines))
