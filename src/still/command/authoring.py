"""`still revision` and `still merge`: write new revision files from script.py.mako; `still edit`:
open one in the user's editor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from still.config import Config
from still.errors import CommandError, MultipleHeads
from still.graph import RevisionGraph, as_tuple, resolve_targets
from still.script import Script, ScriptDirectory
from still.script.hooks import run_post_write_hooks
from still.script.writer import check_revision_id, new_revision_id, write_revision


def _compare_for_revision(
    config: Config,
    script: ScriptDirectory,
    parents: tuple[str, ...],
    requested: dict[str, Any],
    renames: str,
    shadow: bool | None,
    directives: Any = None,
) -> tuple[dict[str, Any], Any]:
    from still.command.autogenerate import autogenerate_revision
    from still.shadow.build import shadow_database, wanted

    if not wanted(config, shadow):
        return autogenerate_revision(config, script, parents, requested, renames, directives)
    with shadow_database(config, script, parents) as built:
        config.print_stdout(built.note)
        return autogenerate_revision(config, script, parents, requested, renames, directives)


def revision(
    config: Config,
    message: str | None = None,
    autogenerate: bool = False,
    sql: bool = False,
    head: str = "head",
    splice: bool = False,
    branch_label: str | Sequence[str] | None = None,
    version_path: str | None = None,
    rev_id: str | None = None,
    depends_on: str | Sequence[str] | None = None,
    process_revision_directives: Callable[..., Any] | None = None,
    renames: str = "ask",
    shadow: bool | None = None,
) -> Script | None:
    """Create a new revision file on top of ``head``; returns it.

    With ``autogenerate``, the operations come from comparing env.py's ``target_metadata`` with
    the database; ``renames`` (``ask``, ``yes``, ``no``) decides drop-and-add pairs that look like
    renames.  ``process_revision_directives`` (``fn(context, revision, directives)``) may change
    or remove the revision, after env.py's own.  Returns None when a hook removed the revision.
    With ``shadow`` (default: the ``autogenerate_shadow`` setting), the models are compared with
    the schema the revisions build, in a throw-away database (docs/shadow.md), not the database.
    """
    if autogenerate and sql:
        raise CommandError(
            "--autogenerate compares the models with a live database; it cannot be combined "
            "with --sql."
        )
    script = ScriptDirectory.from_config(config)
    graph = script.graph
    rev_id = _new_id(graph, rev_id)
    try:
        parents = _parents_of(graph, head, splice)
    except MultipleHeads:
        if not autogenerate:
            raise
        # As Alembic: compare first (the database at every head), let process_revision_directives
        # drop the revision or name its head, and refuse only a file with no head to build on
        # (pytest-alembic's model check compares a project with two heads this way).
        parents = tuple(graph.heads)
    template_args: dict[str, Any] = {"config": config}
    if autogenerate:
        requested = {
            "rev_id": rev_id,
            "message": message,
            "head": head,
            "splice": splice,
            "branch_label": branch_label,
            "version_path": version_path,
            "depends_on": depends_on,
        }
        rendered, directive = _compare_for_revision(
            config, script, parents, requested, renames, shadow, process_revision_directives
        )
        if directive is None:
            config.print_stdout("process_revision_directives removed the revision: no file.")
            return None
        template_args.update(rendered)
        # process_revision_directives may have changed any of these.
        rev_id = directive.rev_id or rev_id
        message, version_path = directive.message, directive.version_path
        branch_label, depends_on = directive.branch_label, directive.depends_on
        head, splice = directive.head or head, bool(directive.splice)
        parents = _parents_of(graph, head, splice)
    elif config.get_alembic_boolean_option("revision_environment"):
        # revision_environment = true: env.py runs for `revision` too (it may set template_args).
        from still.command.environment import run_env

        environment = run_env(config, script, lambda heads: [], as_sql=sql)
        template_args.update(environment.context_opts.get("template_args") or {})
    if process_revision_directives is not None and not autogenerate:
        directive = _directive(
            rev_id, message, head, splice, branch_label, version_path, depends_on
        )
        directives = [directive]
        process_revision_directives(None, parents, directives)
        if not directives:
            config.print_stdout("process_revision_directives removed the revision: no file.")
            return None
        final = directives[0]
        rev_id = final.rev_id or rev_id
        message, version_path = final.message, final.version_path
        branch_label, depends_on = final.branch_label, final.depends_on
        if final.upgrade_ops.ops or final.downgrade_ops.ops:
            from still.autogenerate.api import render_migration

            rendered_ops = render_migration(final)
            template_args.update(
                upgrades=rendered_ops.upgrades,
                downgrades=rendered_ops.downgrades,
                imports="\n".join(sorted(rendered_ops.imports)),
            )
    directory = _directory_for(script, version_path, parents)
    return _write(
        config,
        script,
        directory,
        rev_id,
        message,
        parents,
        as_tuple(branch_label),
        script.dependencies_of(as_tuple(depends_on)),
        template_args,
    )


def _directive(
    rev_id: str,
    message: str | None,
    head: str,
    splice: bool,
    branch_label: Any,
    version_path: str | None,
    depends_on: Any,
) -> Any:
    """The revision to write, as ``process_revision_directives`` receives it (no operations)."""
    from still.operations.ops import DowngradeOps, MigrationScript, UpgradeOps

    return MigrationScript(
        rev_id,
        UpgradeOps([]),
        DowngradeOps([]),
        message=message,
        head=head,
        splice=splice,
        branch_label=branch_label,
        version_path=version_path,
        depends_on=depends_on,
    )


def merge(
    config: Config,
    revisions: str | Sequence[str],
    message: str | None = None,
    branch_label: str | Sequence[str] | None = None,
    rev_id: str | None = None,
    splice: bool = False,
) -> Script:
    """Write a merge revision whose parents are ``revisions`` (``heads``: every head); with
    ``splice``, the parents need not be heads."""
    script = ScriptDirectory.from_config(config)
    graph = script.graph
    specs = [revisions] if isinstance(revisions, str) else list(revisions)
    parents: list[str] = []
    for spec in specs:
        for rid in resolve_targets(graph, spec):
            if rid not in parents:
                parents.append(rid)
    for rid in parents:
        others = [p for p in parents if p != rid]
        if any(graph.is_ancestor(rid, other) for other in others):
            raise CommandError(
                f"Revision {rid} is already an ancestor of another revision being merged; "
                "merge only the heads of the branches (see `still heads`)."
            )
    if not splice:
        for rid in parents:
            if graph[rid].children:
                raise CommandError(
                    f"Revision {rid} is not a head; merging it starts a new branch. Merge heads "
                    "(see `still heads`), or pass splice=True to do this on purpose."
                )
    if len(parents) < 2:
        raise CommandError(
            f"Nothing to merge: {', '.join(specs)} names {len(parents)} revision(s). Name at least "
            "two heads (`still merge heads` merges all of them)."
        )
    rev_id = _new_id(graph, rev_id)
    return _write(
        config,
        script,
        _directory_for(script, None, parents),
        rev_id,
        message,
        tuple(parents),
        as_tuple(branch_label),
        (),
        {"config": config},
    )


def _parents_of(graph: RevisionGraph[Script], head: str, splice: bool) -> tuple[str, ...]:
    """The revisions a new one on ``head`` builds on (``--splice``: a non-head too)."""
    if head == "head" and len(graph.heads) > 1:
        raise MultipleHeads(
            f"The project has {len(graph.heads)} heads ({', '.join(graph.heads)}). Name the one "
            "to build on with --head REV, or merge them first with `still merge heads`."
        )
    parents = resolve_targets(graph, head) if head != "base" and len(graph) else ()
    for parent in parents:
        if graph[parent].children and not splice:
            raise CommandError(
                f"Revision {parent} is not a head; a new revision on top of it starts a branch. "
                "Pass --splice to do that on purpose, or build on a head."
            )
    return tuple(parents)


def _directory_for(
    script: ScriptDirectory, version_path: str | None, parents: Sequence[str]
) -> Path:
    directory = script.version_path_for(version_path, parents)
    directory.mkdir(parents=True, exist_ok=True)  # a configured location not created yet
    return directory


def _new_id(graph: RevisionGraph[Script], rev_id: str | None) -> str:
    """A fresh id, or the one given (``--rev-id``) once checked."""
    if rev_id is None:
        return new_revision_id()
    check_revision_id(rev_id)
    if rev_id in graph:
        raise CommandError(f"Revision id {rev_id!r} is already used by {graph[rev_id].path}.")
    return rev_id


def _write(
    config: Config,
    script: ScriptDirectory,
    directory: Path,
    rev_id: str,
    message: str | None,
    parents: tuple[str, ...],
    branch_labels: tuple[str, ...],
    depends_on: tuple[str, ...],
    template_args: dict[str, Any],
) -> Script:
    path = write_revision(
        template=script.template_path,
        directory=directory,
        file_template=script.file_template,
        truncate_slug_length=script.truncate_slug_length,
        encoding=script.output_encoding,
        timezone_name=script.timezone,
        rev_id=rev_id,
        message=message,
        down_revisions=parents,
        branch_labels=branch_labels,
        depends_on=depends_on,
        extra=template_args,
    )
    config.print_stdout(f"Generating {path.absolute()} ... done")
    run_post_write_hooks(config, path)
    return Script.from_path(path)


def edit(config: Config, rev: str) -> None:
    """Open a revision file in $EDITOR (or $VISUAL)."""
    import os
    import shlex
    import subprocess

    from still.errors import CommandError
    from still.graph import resolve_targets

    graph = ScriptDirectory.from_config(config).graph
    targets = resolve_targets(graph, rev)
    if len(targets) != 1:
        raise CommandError(f"{rev!r} names {len(targets)} revisions; name one to edit.")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise CommandError(
            f"No editor: set the EDITOR environment variable. The file is {graph[targets[0]].path}"
        )
    completed = subprocess.run([*shlex.split(editor), str(graph[targets[0]].path)], check=False)
    if completed.returncode != 0:
        raise CommandError(f"The editor {editor!r} exited with status {completed.returncode}.")
