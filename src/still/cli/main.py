"""``still``: the command line.  Commands call :mod:`still.command`; nothing here knows SQL.

Kept light: ``still --help`` and ``still --version`` import neither SQLAlchemy, Mako nor rich.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from still import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Options:
    """The global options, shared by every subcommand."""

    def __init__(
        self, config: str | None, name: str, x: tuple[str, ...], traceback: bool, quiet: bool
    ) -> None:
        self.config = config
        self.name = name
        self.x = list(x)
        self.traceback = traceback
        self.quiet = quiet

    def make_config(self, **cmd_opts: Any) -> Any:
        from still.config import Config, cmd_options
        from still.runtime.reporting import SilentReporter

        ini = self.config or os.environ.get("ALEMBIC_CONFIG") or "alembic.ini"
        toml = Path("pyproject.toml")
        ini_file: str | None = ini
        if self.config is None and not Path(ini).exists() and _has_tool_alembic(toml):
            ini_file = None
        config = Config(
            ini_file,
            toml_file=str(toml) if toml.exists() else None,
            ini_section=self.name,
            cmd_opts=cmd_options(
                x=self.x,
                quiet=self.quiet,
                raiseerr=self.traceback,
                config=ini,
                name=self.name,
                **cmd_opts,
            ),
        )
        # Progress goes to stderr, the same lines with --sql (the script itself is on stdout)
        # as online; -q silences it.
        if self.quiet:
            config.hooks.reporter = SilentReporter()
        else:
            from still.cli.terminal import reporter

            config.hooks.reporter = reporter()
        from still.cli.questioner import TerminalQuestioner

        # asks on a terminal (renames; data loss, where upgrade/downgrade give it --yes)
        config.hooks.questioner = TerminalQuestioner()
        return config


def _has_tool_alembic(path: Path) -> bool:
    try:
        return path.is_file() and "[tool.alembic]" in path.read_text(encoding="utf-8")
    except OSError:
        return False


def run(
    ctx: click.Context,
    fn: Callable[..., Any],
    *args: Any,
    setup: Callable[[Any], None] | None = None,
    **kwargs: Any,
) -> None:
    """Call a command function with a fresh Config; report errors without a traceback."""
    options: Options = ctx.obj
    config = None
    try:
        config = options.make_config(**{k: v for k, v in kwargs.items() if k not in ("config",)})
        if setup is not None:
            setup(config)
        fn(config, *args, **kwargs)
    except (Exception, KeyboardInterrupt) as exc:
        from still.cli.errors import report

        url = None
        reporter = config.hooks.reporter if config is not None else None
        if reporter is not None:
            reporter.close_line()
        try:
            url = config.masked_url() if config is not None else None
        except Exception:
            url = None
        ctx.exit(report(exc, options.traceback, url))


# The state commands' --json (shapes in docs/json.md).
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md)."
)


shadow_option = click.option(
    "--shadow/--no-shadow",
    default=None,
    help="Compare the models with the schema the revisions build at the heads, replayed into a "
    "throw-away database, not with the database (default: the autogenerate_shadow setting; "
    "docs/shadow.md).",
)


def _complete_revision(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from still.cli.completion import revision_candidates

    return revision_candidates(ctx, param, incomplete)


def _command(name: str) -> Callable[..., Any]:
    from still import command

    fn: Callable[..., Any] = getattr(command, name)
    return fn


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="still", message="%(prog)s %(version)s")
@click.option(
    "-c",
    "--config",
    metavar="FILE",
    help="Configuration file (default: $ALEMBIC_CONFIG or ./alembic.ini).",
)
@click.option(
    "-n",
    "--name",
    default="alembic",
    show_default=True,
    help="Section of the ini file to use.",
)
@click.option(
    "-x",
    "x",
    multiple=True,
    metavar="KEY=VALUE",
    help="Argument for env.py (context.get_x_argument); -x sqlalchemy.url=... picks the database.",
)
@click.option("--traceback", "--raiseerr", "traceback", is_flag=True, help="Show full tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.pass_context
def cli(
    ctx: click.Context,
    config: str | None,
    name: str,
    x: tuple[str, ...],
    traceback: bool,
    quiet: bool,
) -> None:
    """still: database schema migrations for SQLAlchemy.

    Runs Alembic projects unchanged: alembic.ini, env.py and versions/ work as they are.
    """
    ctx.obj = Options(config, name, x, traceback, quiet)


@cli.command()
@click.argument("directory")
@click.option("-t", "--template", default="generic", show_default=True, help="Project template.")
@click.option("--package", is_flag=True, help="Write __init__.py files in the new directories.")
@click.pass_context
def init(ctx: click.Context, directory: str, template: str, package: bool) -> None:
    """Create a migration environment in DIRECTORY (and alembic.ini beside it)."""
    run(ctx, _command("init"), directory, template=template, package=package)


@cli.command("list_templates")
@click.pass_context
def list_templates(ctx: click.Context) -> None:
    """List the templates `init` can use."""
    run(ctx, _command("list_templates"))


@cli.command()
@click.option("-m", "--message", help="What the revision does (also its file name).")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
@click.option("--sql", is_flag=True, help="Write SQL instead of running env.py.")
@click.option("--head", default="head", show_default=True, help="Revision to build on.")
@click.option("--splice", is_flag=True, help="Allow a parent that is not a head (a new branch).")
@click.option("--branch-label", help="Label for the new branch.")
@click.option("--version-path", help="Directory to write the file to.")
@click.option("--rev-id", help="Use this revision id instead of a generated one.")
@click.option("--depends-on", multiple=True, help="Revisions this one depends on.")
@click.option(
    "--renames",
    type=click.Choice(["ask", "yes", "no"]),
    default="ask",
    show_default=True,
    help="With --autogenerate: a dropped and an added column (or table) of the same shape are "
    "a rename? ask (on a terminal; elsewhere no, with a warning), yes, or no.",
)
@shadow_option
@click.pass_context
def revision(ctx: click.Context, /, **options: Any) -> None:
    """Create a new revision file."""
    options["depends_on"] = list(options["depends_on"]) or None
    run(ctx, _command("revision"), **options)


@cli.command()
@click.argument("revisions", nargs=-1, required=True, shell_complete=_complete_revision)
@click.option("-m", "--message", help="What the merge is for.")
@click.option("--branch-label", help="Label for the merged branch.")
@click.option("--rev-id", help="Use this revision id instead of a generated one.")
@click.option("--splice", is_flag=True, help="Allow REVISIONS that are not heads.")
@click.pass_context
def merge(
    ctx: click.Context,
    revisions: tuple[str, ...],
    message: str | None,
    branch_label: str | None,
    rev_id: str | None,
    splice: bool,
) -> None:
    """Write a revision that joins REVISIONS (or `heads`) into one head."""
    run(
        ctx,
        _command("merge"),
        list(revisions),
        message=message,
        branch_label=branch_label,
        rev_id=rev_id,
        splice=splice,
    )


def _migrate_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options `upgrade` and `downgrade` share."""
    for option in reversed(
        (
            click.option("--sql", is_flag=True, help="Print the SQL instead of running it."),
            click.option("--tag", help="A tag for env.py (context.get_tag_argument)."),
            click.option("-v", "--verbose", is_flag=True, help="Print the plan before running it."),
            click.option(
                "--plan", is_flag=True, help="Show the operations and statements; run nothing."
            ),
            click.option(
                "-y", "--yes", is_flag=True, help="Confirm a run that loses data without asking."
            ),
            click.option(
                "--json", "as_json", is_flag=True, help="With --plan: print the plan as JSON."
            ),
            click.option(
                "--shadow/--no-shadow",
                default=None,
                help="With --sql: revisions that read the database (sa.inspect(op.get_bind()), "
                "op.schema(), batch mode) read a shadow database that follows the script "
                "(default: the sql_shadow setting; docs/shadow.md).",
            ),
        )
    ):
        fn = option(fn)
    return fn


def _migrate(ctx: click.Context, name: str, revision: str, yes: bool, **options: Any) -> None:
    run(
        ctx,
        _command(name),
        revision,
        setup=_confirming(yes, _asked(ctx, name, revision)),
        **options,
    )


def _asked(ctx: click.Context, name: str, revision: str) -> str:
    """The command line that was asked, as the user would type it again (global options kept)."""
    import shlex

    options: Options = ctx.obj
    words = ["still"]
    if options.config is not None:
        words += ["-c", options.config]
    if options.name != "alembic":
        words += ["-n", options.name]
    for argument in options.x:
        words += ["-x", argument]
    words += [name, revision]
    from still.config.urls import mask_password

    return mask_password(shlex.join(words))


def _confirming(yes: bool, command: str) -> Callable[[Any], None]:
    def setup(config: Any) -> None:
        from still.cli.questioner import TerminalQuestioner

        config.hooks.questioner = TerminalQuestioner(yes, command)

    return setup


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("revision", default="head", shell_complete=_complete_revision)
@_migrate_options
@click.pass_context
def upgrade(ctx: click.Context, /, revision: str, yes: bool, **options: Any) -> None:
    """Upgrade the database to REVISION (head, an id, +N, ...)."""
    _migrate(ctx, "upgrade", revision, yes, **options)


@cli.command(context_settings={"ignore_unknown_options": True})
@click.argument("revision", shell_complete=_complete_revision)
@_migrate_options
@click.pass_context
def downgrade(ctx: click.Context, /, revision: str, yes: bool, **options: Any) -> None:
    """Downgrade the database to REVISION (-1, an id, base, ...)."""
    _migrate(ctx, "downgrade", revision, yes, **options)


@cli.command("ensure_version")
@click.option("--sql", is_flag=True, help="Print the CREATE TABLE instead of running it.")
@click.pass_context
def ensure_version(ctx: click.Context, sql: bool) -> None:
    """Create the version table if it does not exist yet."""
    run(ctx, _command("ensure_version"), sql=sql)


@cli.command()
@click.argument("revisions", nargs=-1, required=True, shell_complete=_complete_revision)
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--tag", help="A tag for env.py (context.get_tag_argument).")
@click.option("--purge", is_flag=True, help="Empty the version table first.")
@click.pass_context
def stamp(
    ctx: click.Context, revisions: tuple[str, ...], sql: bool, tag: str | None, purge: bool
) -> None:
    """Record REVISION(s) in the version table without running migrations."""
    run(ctx, _command("stamp"), list(revisions), sql=sql, tag=tag, purge=purge)


@cli.command()
@click.option("-v", "--verbose", is_flag=True, help="Show details of each revision.")
@click.option(
    "-c",
    "--check-heads",
    is_flag=True,
    help="Exit 1 unless the database stands at every head (a CI or start-up gate).",
)
@json_option
@click.pass_context
def current(ctx: click.Context, verbose: bool, check_heads: bool, as_json: bool) -> None:
    """Show the revision(s) the database is at."""
    run(ctx, _command("current"), check_heads=check_heads, verbose=verbose, as_json=as_json)


@cli.command()
@json_option
@shadow_option
@click.pass_context
def check(ctx: click.Context, as_json: bool, shadow: bool | None) -> None:
    """Exit 1 if autogenerate would write operations (the models and the database differ)."""
    run(ctx, _command("check"), as_json=as_json, shadow=shadow)


def _adopt_command(name: str) -> Callable[..., Any]:
    from still.command import baseline as module

    fn: Callable[..., Any] = getattr(module, name)
    return fn


@cli.command()
@click.option("--stamp", is_flag=True, help="Record the revision found (only when one matches).")
@json_option
@click.pass_context
def adopt(ctx: click.Context, stamp: bool, as_json: bool) -> None:
    """Find the revision whose schema is the database's (made without migrations, or its
    version table lost), comparing with the schema at each revision in a shadow database."""
    run(ctx, _adopt_command("adopt"), stamp=stamp, as_json=as_json)


@cli.command()
@click.option("--stamp", is_flag=True, help="Run the stamp that fixes it (only when one matches).")
@json_option
@click.pass_context
def repair(ctx: click.Context, stamp: bool, as_json: bool) -> None:
    """Explain a version table's unknown revision (and the stamp that fixes it)."""
    run(ctx, _adopt_command("repair"), stamp=stamp, as_json=as_json)


@cli.group()
def shadow() -> None:
    """The shadow database: the schema of the revisions, in a throw-away database."""


@shadow.command("clean")
@click.pass_context
def shadow_clean(ctx: click.Context) -> None:
    """Drop leftover shadow databases (of runs that were killed), templates and caches."""
    run(ctx, _command("shadow_clean"))


@cli.command()
@click.option("-n", "--limit", type=int, help="Only the last N entries.")
@json_option
@click.pass_context
def log(ctx: click.Context, limit: int | None, as_json: bool) -> None:
    """Show the ledger: every migration applied, reverted or stamped (when it is on)."""
    run(ctx, _command("log"), limit=limit, as_json=as_json)


@cli.command()
@click.option("--applied", is_flag=True, help="You finished the failed migration by hand.")
@click.option("--undo", is_flag=True, help="Reverse the operations of it that ran.")
@click.pass_context
def resolve(ctx: click.Context, applied: bool, undo: bool) -> None:
    """Show or settle a migration that failed half-way (MySQL/MariaDB commit DDL by itself)."""
    run(ctx, _command("resolve"), applied=applied, undo=undo)


@cli.command()
@json_option
@click.pass_context
def verify(ctx: click.Context, as_json: bool) -> None:
    """Check applied revisions against their files: missing, edited or skipped ones (exit 1)."""
    run(ctx, _command("verify"), as_json=as_json)


@cli.command()
@click.option("-r", "--rev-range", help="Range START:END to show.")
@click.option("-v", "--verbose", is_flag=True, help="Show details of each revision.")
@click.option("-i", "--indicate-current", is_flag=True, help="Mark the database's revision.")
@json_option
@click.pass_context
def history(
    ctx: click.Context, rev_range: str | None, verbose: bool, indicate_current: bool, as_json: bool
) -> None:
    """List the revisions, newest first."""
    run(
        ctx,
        _command("history"),
        rev_range=rev_range,
        verbose=verbose,
        indicate_current=indicate_current,
        as_json=as_json,
    )


@cli.command()
@click.option("-v", "--verbose", is_flag=True, help="Show details of each head.")
@click.option("--resolve-dependencies", is_flag=True, help="Treat dependencies as down revisions.")
@json_option
@click.option(
    "--check",
    "check_count",
    is_flag=True,
    help="Exit 1 if there are more heads than expected_heads (default 1): for CI and pre-commit.",
)
@click.option("--expected", type=int, help="With --check: how many heads are fine.")
@click.pass_context
def heads(
    ctx: click.Context,
    verbose: bool,
    resolve_dependencies: bool,
    as_json: bool,
    check_count: bool,
    expected: int | None,
) -> None:
    """Show the newest revision of every branch."""
    if check_count:
        run(ctx, _command("check_heads"), expected=expected)
        return
    run(
        ctx,
        _command("heads"),
        verbose=verbose,
        resolve_dependencies=resolve_dependencies,
        as_json=as_json,
    )


@cli.command()
@click.option("-v", "--verbose", is_flag=True, help="Show details of each branch point.")
@json_option
@click.pass_context
def branches(ctx: click.Context, verbose: bool, as_json: bool) -> None:
    """Show the branch points."""
    run(ctx, _command("branches"), verbose=verbose, as_json=as_json)


@cli.command()
@click.argument("revision", shell_complete=_complete_revision)
@json_option
@click.pass_context
def show(ctx: click.Context, revision: str, as_json: bool) -> None:
    """Show one revision in full."""
    run(ctx, _command("show"), revision, as_json=as_json)


@cli.command()
@click.argument("revision", shell_complete=_complete_revision)
@click.pass_context
def edit(ctx: click.Context, revision: str) -> None:
    """Open a revision file in $EDITOR."""
    run(ctx, _command("edit"), revision)


@cli.command()
@click.argument("revision", shell_complete=_complete_revision)
@click.option(
    "--onto", required=True, shell_complete=_complete_revision, help="The head to build on."
)
@click.pass_context
def rebase(ctx: click.Context, revision: str, onto: str) -> None:
    """Move the branch ending at REVISION on top of --onto (when no database applied it)."""
    run(ctx, _command("rebase"), revision, onto)


@cli.command()
@click.option(
    "--format",
    "format_",
    type=click.Choice(["mermaid", "dot", "svg", "png", "pdf"]),
    default="mermaid",
    show_default=True,
    help="mermaid, dot and svg are written by still; png and pdf are drawn by Graphviz's dot.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE, not stdout.")
@click.option(
    "--no-collapse", is_flag=True, help="Draw every revision, even in long straight runs."
)
@click.option("--no-current", is_flag=True, help="Do not ask the database where it stands.")
@click.pass_context
def graph(
    ctx: click.Context, format_: str, output: str | None, no_collapse: bool, no_current: bool
) -> None:
    """Draw the revision graph: branches, merges, labels, where the database is."""
    run(
        ctx,
        _command("graph"),
        format=format_,
        output=output,
        collapse=not no_collapse,
        show_current=not no_current,
    )


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print a shell completion script: eval "$(still completion bash)"."""
    from still.cli.completion import completion_script

    click.echo(completion_script(shell))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``still`` script."""
    cli.main(args=argv, prog_name="still")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
