"""`still revision` and `still merge`: write new revision files from script.py.mako."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from still.config import Config
from still.errors import CommandError, MultipleHeads
from still.graph import RevisionGraph, as_tuple, resolve_targets
from still.script import Script, ScriptDirectory
from still.script.hooks import run_post_write_hooks
from still.script.writer import check_revision_id, new_revision_id, write_revision


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
    renames: str = "ask",
) -> Script | None:
    """Create a new revision file on top of ``head``; returns it.

    With ``autogenerate``, the operations come from comparing env.py's ``target_metadata`` with
    the database; ``renames`` (``ask``, ``yes``, ``no``) decides drop-and-add pairs that look like
    renames.  Returns None when ``process_revision_directives`` removed the revision.
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
        from still.command.autogenerate import autogenerate_revision

        requested = {
            "rev_id": rev_id,
            "message": message,
            "head": head,
            "splice": splice,
            "branch_label": branch_label,
            "version_path": version_path,
            "depends_on": depends_on,
        }
        rendered, directive = autogenerate_revision(config, script, parents, requested, renames)
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
    directory = _directory_for(script, version_path, parents)
    return _write(
        config,
        script,
        directory,
        rev_id,
        message,
        parents,
        as_tuple(branch_label),
        _dependencies(graph, as_tuple(depends_on)),
        template_args,
    )


def merge(
    config: Config,
    revisions: str | Sequence[str],
    message: str | None = None,
    branch_label: str | Sequence[str] | None = None,
    rev_id: str | None = None,
) -> Script:
    """Write a merge revision whose parents are ``revisions`` (``heads``: every head)."""
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
    """Where a new revision goes: ``--version-path`` (one of the version locations), else, when
    there are several locations, beside the revision it builds on, else the first location."""
    locations = [Path(location).resolve() for location in script.version_locations]
    if version_path:
        wanted = Path(version_path).resolve()
        if wanted not in locations and not (
            script.recursive_version_locations
            and any(wanted.is_relative_to(location) for location in locations)
        ):
            raise CommandError(
                f"--version-path {version_path} is not one of the version locations "
                f"({', '.join(str(location) for location in locations)}): no command would see "
                "a revision written there. Add it to version_locations in the configuration, or "
                "pass one of those."
            )
        return Path(version_path)
    if len(locations) > 1:
        for parent in parents:
            return script.graph[parent].path.parent
    return Path(script.versions)


def _dependencies(graph: RevisionGraph[Script], specs: tuple[str, ...]) -> tuple[str, ...]:
    """``--depends-on`` values as a revision file keeps them: a bare branch label stays a label,
    anything else (an id prefix, ``LABEL@head``, ``head``) becomes the revision id it names."""
    found: list[str] = []
    for spec in specs:
        names = (spec,) if graph.by_label(spec) is not None else resolve_targets(graph, spec)
        found.extend(name for name in names if name not in found)
    return tuple(found)


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
