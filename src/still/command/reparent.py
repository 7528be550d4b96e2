"""``still rebase`` and ``still heads --check``: keeping a team's history one line.

Two developers each add a revision on the same head; after the merge of their branches the
project has two heads.  ``still rebase THEIRS --onto OURS`` moves one branch's revisions on top
of the other head by rewriting one ``down_revision`` — the alternative to a merge revision, safe
only while no database has applied the moved revisions, so it refuses when the configured one
has.  ``still heads --check`` is the guard for CI and pre-commit.
"""

from __future__ import annotations

import re
from pathlib import Path

from still.command.environment import run_env
from still.config import Config
from still.errors import CommandError
from still.graph import RevisionGraph, Step, resolve_targets
from still.script import Script, ScriptDirectory

_DOWN = re.compile(r"^(down_revision\s*(?::[^=\n]*)?=\s*)(?P<value>[^\n]*)$", re.M)
_REVISES = re.compile(r"^(Revises:[ \t]*)(?P<value>[^\n]*)$", re.M)


def check_heads(config: Config, expected: int | None = None) -> None:
    """Exit 1 when the graph has more heads than the project declares (``expected_heads``)."""
    graph = ScriptDirectory.from_config(config).graph
    if expected is None:
        from still.config.values import number_setting

        expected = int(
            number_setting(config, "expected_heads", 1, minimum=1, whole=True, example="1")
        )
    heads = graph.heads
    if len(heads) <= expected:
        config.print_stdout(f"{len(heads)} head(s), as expected ({expected}).")
        return
    raise CommandError(
        f"The revision graph has {len(heads)} heads ({', '.join(heads)}), {expected} expected: "
        "two branches each added a revision. Join them with `still merge heads -m MESSAGE`, or, "
        "if no database has applied one side yet, put it on top of the other with `still rebase "
        f"{heads[-1]} --onto {heads[0]}`."
    )


def rebase(config: Config, revision: str, onto: str) -> None:
    """Re-parent the branch that ends at ``revision`` onto ``onto``."""
    script = ScriptDirectory.from_config(config)
    graph = script.graph
    tip = _one(graph, revision, "REVISION")
    target = _one(graph, onto, "--onto")
    if graph.is_ancestor(tip, target) or tip == target:
        raise CommandError(f"{tip} is already below {target}: nothing to rebase.")
    moved = graph.ancestors([tip], False) - graph.ancestors([target], False)
    roots = [rid for rid in moved if not any(p in moved for p in graph[rid].down_revisions)]
    if len(roots) != 1 or any(graph[rid].is_merge_point for rid in moved):
        raise CommandError(
            f"The revisions to move ({', '.join(sorted(moved))}) are not one straight line from "
            f"a common ancestor with {target}; merge instead (`still merge {tip} {target}`)."
        )
    outside = [c for rid in moved for c in graph[rid].children if c not in moved]
    if outside:
        raise CommandError(
            f"Revisions outside the branch build on it ({', '.join(sorted(outside))}); "
            "rebasing would move them too. Merge instead."
        )
    applied = _applied(config, script)
    touched = sorted(moved & applied)
    if touched:
        raise CommandError(
            f"The database has applied {', '.join(touched)}, which rebasing would move: its "
            "history would no longer match the files. Merge instead (`still merge heads`), or "
            "downgrade that database below them first."
        )
    root = roots[0]
    path = graph[root].file_path
    _rewrite_parent(path, tuple(graph[root].down_revisions), target)
    config.print_stdout(
        f"Moved {len(moved)} revision(s) onto {target}: {root} now builds on {target} "
        f"({path.name}). One head again: {tip}."
    )


def _one(graph: RevisionGraph[Script], spec: str, what: str) -> str:
    found = resolve_targets(graph, spec)
    if len(found) != 1:
        raise CommandError(f"{what} {spec!r} names {len(found)} revisions; name one head.")
    return found[0]


def _applied(config: Config, script: ScriptDirectory) -> set[str]:
    heads: list[str] = []

    def plan(current: tuple[str, ...]) -> list[Step]:
        heads.extend(current)
        return []

    run_env(config, script, plan)
    return script.graph.ancestors([h for h in heads if h in script.graph])


def _rewrite_parent(path: Path, old: tuple[str, ...], new: str) -> None:
    text = path.read_text(encoding="utf-8")
    matches = list(_DOWN.finditer(text))
    if len(matches) != 1:
        raise CommandError(
            f"{path}: down_revision is not one plain assignment; change it to {new!r} by hand."
        )
    text = _DOWN.sub(lambda m: f"{m.group(1)}{new!r}", text, count=1)
    text = _REVISES.sub(lambda m: f"{m.group(1)}{new}", text, count=1)
    path.write_text(text, encoding="utf-8")
