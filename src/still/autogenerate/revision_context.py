"""Alembic's ``RevisionContext``: writing revision files from code, as Alembic's ``revision``
command does it, for applications that drive it themselves.

The documented pattern::

    revision_context = RevisionContext(config, script, command_args)

    def retrieve(rev, context):
        revision_context.run_autogenerate(rev, context)
        return []

    with EnvironmentContext(config, script, fn=retrieve, ...):
        script.run_env()
    scripts = list(revision_context.generate_scripts())

``generated_revisions`` holds one ``MigrationScript`` per file to write (a hook may change the
list); each run of env.py (the multidb template runs it once per database) adds its upgrade and
downgrade operations under the context's ``upgrade_token`` / ``downgrade_token``.  still's own
``check`` reports what it compared through the same class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from still.errors import CommandError
from still.operations import ops

if TYPE_CHECKING:
    from still.autogenerate.context import MigrationContext
    from still.config import Config
    from still.script import Script, ScriptDirectory

ProcessRevisionDirectives = Callable[[Any, Any, list[ops.MigrationScript]], None]

# MigrationScript.info keys: the runs that filled it, and whether it awaits rendering
_RUNS = "still.revision_context.runs"


class RevisionContext:
    """What one ``revision`` (autogenerate or not) builds: the configuration, the script
    directory, ``command_args`` (``message``, ``rev_id``, ``head``, ``splice``, ``branch_label``,
    ``version_path``, ``depends_on``, ``sql``, ``autogenerate``), ``template_args`` and the
    ``generated_revisions``."""

    generated_revisions: list[ops.MigrationScript]

    def __init__(
        self,
        config: Config,
        script_directory: ScriptDirectory,
        command_args: dict[str, Any] | None = None,
        process_revision_directives: ProcessRevisionDirectives | None = None,
    ) -> None:
        self.config = config
        self.script_directory = script_directory
        self.command_args: dict[str, Any] = dict(command_args or {})
        self.process_revision_directives = process_revision_directives
        self.template_args: dict[str, Any] = {"config": config}
        self.generated_revisions = [self._default_revision()]

    @classmethod
    def of_check(cls, config: Config, script_directory: ScriptDirectory) -> RevisionContext:
        """The context ``check`` reports with: its ``generated_revisions`` are the comparisons
        it made (none yet)."""
        made = cls(config, script_directory, {"autogenerate": True, "sql": False, "head": "head"})
        made.generated_revisions = []
        return made

    def _default_revision(self) -> ops.MigrationScript:
        from still.script.writer import new_revision_id

        args = self.command_args
        return ops.MigrationScript(
            rev_id=args.get("rev_id") or new_revision_id(),
            upgrade_ops=ops.UpgradeOps([]),
            downgrade_ops=ops.DowngradeOps([]),
            message=args.get("message"),
            head=args.get("head", "head"),
            splice=args.get("splice"),
            branch_label=args.get("branch_label"),
            version_path=args.get("version_path"),
            depends_on=args.get("depends_on"),
        )

    # -- inside env.py's run -------------------------------------------------------------------

    def run_autogenerate(self, rev: Any, migration_context: MigrationContext) -> None:
        """Compare the models with the database ``migration_context`` is connected to; the
        operations go into the last of ``generated_revisions``."""
        self._run_environment(rev, migration_context, autogenerate=True)

    def run_no_autogenerate(self, rev: Any, migration_context: MigrationContext) -> None:
        """An empty revision (its hooks still run), rendered with this context's options."""
        self._run_environment(rev, migration_context, autogenerate=False)

    def _run_environment(
        self, rev: Any, migration_context: MigrationContext, autogenerate: bool
    ) -> None:
        if autogenerate:
            if self.command_args.get("sql"):
                raise CommandError(
                    "--autogenerate compares the models with a live database; it cannot run "
                    "with --sql."
                )
            at = {r.revision for r in self.script_directory.get_revisions(rev) if r is not None}
            heads = set(self.script_directory.get_heads())
            if at != heads:
                raise CommandError(
                    f"The database is at {', '.join(sorted(at)) or 'base'}, not at the head "
                    f"({', '.join(sorted(heads))}): upgrade it first, then autogenerate."
                )
        upgrade_token = migration_context.opts.get("upgrade_token") or "upgrades"
        downgrade_token = migration_context.opts.get("downgrade_token") or "downgrades"
        script = self.generated_revisions[-1]
        runs: list[tuple[Any, ops.UpgradeOps, ops.DowngradeOps]] = script.info.setdefault(_RUNS, [])
        if not runs:
            upgrade, downgrade = script.upgrade_ops, script.downgrade_ops
        else:  # another database of the same env.py: operations of its own
            upgrade, downgrade = ops.UpgradeOps([]), ops.DowngradeOps([])
        upgrade.upgrade_token = upgrade_token
        downgrade.downgrade_token = downgrade_token
        if autogenerate:
            from still.autogenerate.api import produce_migrations

            produced = produce_migrations(migration_context)
            upgrade.ops[:] = produced.upgrade_ops.ops
            downgrade.ops[:] = produced.downgrade_ops.ops
            script.imports |= produced.imports
        runs.append((migration_context, upgrade, downgrade))
        if self.process_revision_directives is not None:
            self.process_revision_directives(migration_context, rev, self.generated_revisions)
        hook = migration_context.opts.get("process_revision_directives")
        if hook is not None:
            hook(migration_context, rev, self.generated_revisions)

    # -- after the run ----------------------------------------------------------------------------

    def generate_scripts(self) -> Iterator[Script | None]:
        """Write each of ``generated_revisions`` (rendered with the options of the run that
        made it); yield each new ``Script``."""
        for script in self.generated_revisions:
            yield self._to_script(script)

    def _to_script(self, script: ops.MigrationScript) -> Script | None:
        from still.autogenerate.api import render_migration

        template_args = dict(self.template_args)
        runs = script.info.get(_RUNS) or []
        context = runs[-1][0] if runs else None
        pairs = [(u, d) for _, u, d in runs] or [(script.upgrade_ops, script.downgrade_ops)]
        imports: set[str] = set(script.imports)
        for upgrade, downgrade in pairs:
            rendered = render_migration(
                ops.MigrationScript(script.rev_id, upgrade, downgrade), context
            )
            template_args[upgrade.upgrade_token] = rendered.upgrades
            template_args[downgrade.downgrade_token] = rendered.downgrades
            imports |= set(rendered.imports)
        template_args["imports"] = "\n".join(sorted(line for line in imports if line))
        if context is not None:
            template_args.update(context.opts.get("template_args") or {})
        assert script.rev_id is not None
        return self.script_directory.generate_revision(
            script.rev_id,
            script.message,
            head=script.head,
            splice=script.splice,
            branch_labels=script.branch_label,
            version_path=script.version_path,
            depends_on=script.depends_on,
            **template_args,
        )
