"""Commands that show the graph and where the database stands: ``heads``, ``history``,
``current``, ``show``, ``branches``.  None of them imports a revision module."""

from __future__ import annotations

from collections.abc import Sequence

from still.config import Config
from still.graph import Step
from still.graph.graph import RevisionGraph
from still.script import Script, ScriptDirectory


def _markers(graph: RevisionGraph[Script], rev: Script, current: Sequence[str] = ()) -> str:
    marks = []
    if not rev.children:
        marks.append("head")
    if rev.is_branch_point:
        marks.append("branchpoint")
    if rev.is_merge_point:
        marks.append("mergepoint")
    if rev.revision in current:
        marks.append("current")
    return f" ({', '.join(marks)})" if marks else ""


def log_entry(graph: RevisionGraph[Script], rev: Script, current: Sequence[str] = ()) -> str:
    """``<base> -> abc123 (head), add pets`` — a line of ``still history``."""
    if not rev.down_revisions:
        down = "<base>"
    elif len(rev.down_revisions) == 1:
        down = rev.down_revisions[0]
    else:
        down = "(" + ", ".join(rev.down_revisions) + ")"
    labels = f" ({', '.join(sorted(rev.branch_labels))})" if rev.branch_labels else ""
    return f"{down} -> {rev.revision}{_markers(graph, rev, current)}{labels}, {rev.doc}"


def verbose_entry(graph: RevisionGraph[Script], rev: Script, current: Sequence[str] = ()) -> str:
    lines = [f"Rev: {rev.revision}{_markers(graph, rev, current)}"]
    if rev.down_revisions:
        parent_label = "Merges" if rev.is_merge_point else "Parent"
        lines.append(f"{parent_label}: {', '.join(rev.down_revisions)}")
    else:
        lines.append("Parent: <base>")
    if rev.dependencies:
        lines.append(f"Also depends on: {', '.join(rev.dependencies)}")
    if rev.is_branch_point:
        lines.append(f"Branches into: {', '.join(rev.children)}")
    if rev.branch_labels:
        lines.append(f"Branch names: {', '.join(sorted(rev.branch_labels))}")
    lines.append(f"Path: {rev.path}")
    lines.append("")
    lines.extend(f"    {line}" if line else "" for line in rev.longdoc.splitlines())
    lines.append("")
    return "\n".join(lines)


def heads(config: Config, verbose: bool = False, resolve_dependencies: bool = False) -> None:
    """Print the newest revision of every branch."""
    graph = ScriptDirectory.from_config(config).graph
    shown = graph.heads
    if resolve_dependencies:
        # Dependencies count as down revisions: a head something depends on is not a head.
        needed = {dep for rev in graph for dep in graph.parents(rev.revision)}
        shown = tuple(rid for rid in shown if rid not in needed)
    for rid in shown:
        rev = graph[rid]
        config.print_stdout(
            verbose_entry(graph, rev) if verbose else f"{rid}{_markers(graph, rev)}"
        )


def branches(config: Config, verbose: bool = False) -> None:
    """Print every branch point and the revisions it splits into."""
    graph = ScriptDirectory.from_config(config).graph
    for rev in graph.newest_first():
        if rev.is_branch_point:
            config.print_stdout(verbose_entry(graph, rev) if verbose else log_entry(graph, rev))
            for child in rev.children:
                config.print_stdout(f"{' ' * len(rev.revision)} -> {child}")


def history(
    config: Config,
    rev_range: str | None = None,
    verbose: bool = False,
    indicate_current: bool = False,
) -> None:
    """Print the revisions, newest first (``-r START:END`` limits the range)."""
    script = ScriptDirectory.from_config(config)
    graph = script.graph
    start, sep, end = (rev_range or "").partition(":")
    if rev_range and not sep:
        start, end = rev_range, ""
    # Only ask the database when the range or -i needs to know where it stands.
    needs_database = indicate_current or any(
        spec == "current" or spec[:1] in "+-" for spec in (start, end) if spec
    )
    current: tuple[str, ...] = _current_heads(config, script) if needs_database else ()
    selected: list[str] | None = None
    if rev_range:
        from still.graph import resolve_downgrade_target

        upper_ids = resolve_downgrade_target(graph, end or "heads", current)
        lower_ids = resolve_downgrade_target(graph, start, current) if start else ()
        upper = graph.ancestors(upper_ids, False)
        lower = graph.descendants(lower_ids) if lower_ids else set(upper)
        selected = list(upper & lower)
    for rev in graph.newest_first(selected):
        config.print_stdout(
            verbose_entry(graph, rev, current) if verbose else log_entry(graph, rev, current)
        )


def show(config: Config, revision: str) -> None:
    """Print one revision in full."""
    from still.graph import resolve_targets

    graph = ScriptDirectory.from_config(config).graph
    for rid in resolve_targets(graph, revision):
        config.print_stdout(verbose_entry(graph, graph[rid]))


def _current_heads(config: Config, script: ScriptDirectory) -> tuple[str, ...]:
    from still.command.environment import run_env

    found: list[str] = []

    def plan(current: tuple[str, ...]) -> Sequence[Step]:
        found.extend(current)
        return []

    run_env(config, script, plan)
    return tuple(found)


def current(config: Config, verbose: bool = False) -> None:
    """Print the revision(s) the database is at."""
    script = ScriptDirectory.from_config(config)
    graph = script.graph
    heads_now = _current_heads(config, script)
    if verbose:
        config.print_stdout(f"Current revision(s) for {config.masked_url() or 'the database'}:")
    for rid in heads_now:
        if rid in graph:
            rev = graph[rid]
            config.print_stdout(
                verbose_entry(graph, rev) if verbose else f"{rid}{_markers(graph, rev)}"
            )
        else:
            config.print_stdout(f"{rid} (not found in this project's revision files)")


def edit(config: Config, revision: str) -> None:
    """Open a revision file in $EDITOR (or $VISUAL)."""
    import os
    import shlex
    import subprocess

    from still.errors import CommandError
    from still.graph import resolve_targets

    graph = ScriptDirectory.from_config(config).graph
    targets = resolve_targets(graph, revision)
    if len(targets) != 1:
        raise CommandError(f"{revision!r} names {len(targets)} revisions; name one to edit.")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise CommandError(
            f"No editor: set the EDITOR environment variable. The file is {graph[targets[0]].path}"
        )
    completed = subprocess.run([*shlex.split(editor), str(graph[targets[0]].path)], check=False)
    if completed.returncode != 0:
        raise CommandError(f"The editor {editor!r} exited with status {completed.returncode}.")
