"""``upgrade``, ``downgrade`` and ``stamp``: move the database (or print the SQL that would)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from still.command.environment import run_env
from still.config import Config
from still.errors import CommandError
from still.graph import Step, resolve_targets, stamp_plan
from still.graph.targets import downgrade_steps, upgrade_steps
from still.hooks import Hooks
from still.runtime.migration import Approval, PlanFunction
from still.script import ScriptDirectory

__all__ = ["downgrade", "downgrade_steps", "ensure_version", "stamp", "upgrade", "upgrade_steps"]


def _split_range(revision: str, sql: bool, command: str) -> tuple[str | None, str]:
    if ":" not in revision:
        return None, revision
    if not sql:
        raise CommandError(
            f"A range ({revision}) is only accepted with --sql; online, still reads the starting "
            "revision from the database."
        )
    start, _, end = revision.partition(":")
    return start or None, end


def _show_plan(config: Config, steps: Sequence[Step], sql: bool) -> Sequence[Step]:
    """Print the plan (``-v``) before anything runs; with --sql on stderr, beside the script."""
    lines = [f"Plan: {len(steps)} step(s)" + (":" if steps else ", nothing to do.")]
    lines += [f"  {step.direction} {step.revision}" for step in steps if step.revision]
    if sql:
        import sys

        sys.stderr.write("\n".join(lines) + "\n")
    else:
        for line in lines:
            config.print_stdout(line)
    return steps


def _run_options(
    sql: bool, starting_rev: tuple[str, ...] | None, destination: str, tag: str | None
) -> dict[str, Any]:
    return {"as_sql": sql, "starting_rev": starting_rev, "destination_rev": destination, "tag": tag}


def _approval(config: Config, script: ScriptDirectory, sql: bool, command: str) -> Approval | None:
    """The data-loss decision (``command/data_loss.py``), asked by the migration context once
    the plan is known and before a transaction opens; none for ``--sql`` (nothing runs)."""
    if sql:
        return None
    from still.command.data_loss import approve_plan

    return lambda steps: approve_plan(config, script, steps, command)


def _shadow_goes_with_sql(shadow: bool | None, sql: bool, plan: bool) -> None:
    if shadow and (plan or not sql):
        raise CommandError(
            "--shadow goes with --sql: it answers the reads of revisions that inspect the "
            "database while the script is written. An online run (and --plan) reads your "
            "database itself."
        )


def _run(
    config: Config,
    script: ScriptDirectory,
    plan: PlanFunction,
    approve: Approval | None,
    options: dict[str, Any],
    shadow: bool | None,
) -> None:
    """``run_env``; for a ``--sql`` run with ``--shadow`` (or ``sql_shadow = true``), with a
    shadow database at the script's start that answers the migrations' reads
    (:mod:`still.shadow.offline`)."""
    if options["as_sql"]:
        from still.shadow.build import wanted
        from still.shadow.offline import SQL_OPTION, with_shadow

        if wanted(config, shadow, SQL_OPTION):

            def run(hooks: Hooks) -> None:
                run_env(config, script, plan, approve=approve, hooks=hooks, **options)

            with_shadow(config, script, options["starting_rev"] or (), run)
            return
    run_env(config, script, plan, approve=approve, **options)


def _dry_run(config: Config, revision: str, direction: str, as_json: bool = False) -> None:
    from still.command.plan import emit_plan, make_plan, print_plan

    (emit_plan if as_json else print_plan)(config, make_plan(config, revision, direction), revision)


def upgrade(
    config: Config,
    revision: str,
    sql: bool = False,
    tag: str | None = None,
    verbose: bool = False,
    plan: bool = False,
    as_json: bool = False,
    shadow: bool | None = None,
) -> None:
    """Upgrade to ``revision`` (``head``, an id, ``+N`` ...); with ``plan``, only show what
    would run (``as_json``: as JSON).  ``shadow`` (with ``sql``; default: the ``sql_shadow``
    setting): the migrations' reads of the database are answered by a shadow database that
    follows the script (docs/shadow.md)."""
    _shadow_goes_with_sql(shadow, sql, plan)
    if plan:
        return _dry_run(config, revision, "upgrade", as_json)
    script = ScriptDirectory.from_config(config)
    start, destination = _split_range(revision, sql, "upgrade")

    def steps_for(current: tuple[str, ...]) -> Sequence[Step]:
        if start is None and current and _at(script, destination, current):
            steps: Sequence[Step] = []  # already there: no graph needed (application start-up)
        else:
            graph = script.graph
            if start is not None:
                current = resolve_targets(graph, start)
            steps = upgrade_steps(graph, destination, current)
        if verbose:
            _show_plan(config, steps, sql)
        return steps

    starting_rev = resolve_targets(script.graph, start) if start else None
    approve = _approval(config, script, sql, f"still upgrade {revision}")
    _run(
        config,
        script,
        steps_for,
        approve,
        _run_options(sql, starting_rev, destination, tag),
        shadow,
    )


def _at(script: ScriptDirectory, destination: str, current: tuple[str, ...]) -> bool:
    """Whether a database at ``current`` is already at ``head`` / ``heads``."""
    if destination not in ("head", "heads"):
        return False
    heads = script.known_heads()
    return set(current) == set(heads) and (destination == "heads" or len(heads) == 1)


def downgrade(
    config: Config,
    revision: str,
    sql: bool = False,
    tag: str | None = None,
    verbose: bool = False,
    plan: bool = False,
    as_json: bool = False,
    shadow: bool | None = None,
) -> None:
    """Downgrade to ``revision`` (``-1``, an id, ``base`` ...); with ``plan``, only show what
    would run (``as_json``: as JSON).  ``shadow``: as for :func:`upgrade`."""
    _shadow_goes_with_sql(shadow, sql, plan)
    if plan:
        return _dry_run(config, revision, "downgrade", as_json)
    script = ScriptDirectory.from_config(config)
    start, destination = _split_range(revision, sql, "downgrade")
    if sql and start is None:
        raise CommandError(
            "downgrade --sql needs to know where the database starts: give a range such as "
            f"`still downgrade --sql head:{revision}`."
        )
    starting_rev = resolve_targets(script.graph, start) if start else None

    def steps_for(current: tuple[str, ...]) -> Sequence[Step]:
        # the graph once env.py has run: it may set context.script.version_locations (Prefect)
        if starting_rev is not None:
            current = starting_rev
        steps = downgrade_steps(script.graph, destination, current)
        if verbose:
            _show_plan(config, steps, sql)
        return steps

    approve = _approval(config, script, sql, f"still downgrade {revision}")
    _run(
        config,
        script,
        steps_for,
        approve,
        _run_options(sql, starting_rev, destination, tag),
        shadow,
    )


def stamp(
    config: Config,
    revision: str | Sequence[str],
    sql: bool = False,
    tag: str | None = None,
    purge: bool = False,
) -> None:
    """Record ``revision`` in the version table without running any migration."""
    script = ScriptDirectory.from_config(config)
    specs = [revision] if isinstance(revision, str) else list(revision)
    start: str | None = None
    if sql and len(specs) == 1 and ":" in specs[0]:
        start, specs[0] = _split_range(specs[0], sql, "stamp")
    starting_rev = resolve_targets(script.graph, start) if start else None

    def plan(current: tuple[str, ...]) -> Sequence[Step]:
        graph = script.graph  # once env.py has run (see downgrade)
        if starting_rev is not None:
            current = starting_rev
        targets: list[str] = []
        for spec in specs:
            targets.extend(t for t in resolve_targets(graph, spec, current) if t not in targets)
        return stamp_plan(graph, current, targets, purge)

    run_env(
        config,
        script,
        plan,
        as_sql=sql,
        starting_rev=starting_rev,
        destination_rev=",".join(specs),
        tag=tag,
        purge=purge,
    )


def ensure_version(config: Config, sql: bool = False) -> None:
    """Create the version table if it does not exist yet (with ``sql``, print its CREATE)."""
    script = ScriptDirectory.from_config(config)

    def create(context: Any) -> None:
        context._ensure_version_table()

    run_env(config, script, lambda heads: [], as_sql=sql, reader=create)
