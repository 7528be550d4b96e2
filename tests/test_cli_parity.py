"""Every command and option of Alembic's command line is one of still's: measured against the
parser of the installed Alembic, so a form Alembic adds fails here instead of in a user's CI."""

from __future__ import annotations

import argparse

from still.cli.main import cli
from tests.conftest import Project, tables_of
from tests.databases import required

HELP = {"-h", "--help"}


def _alembic_parser() -> argparse.ArgumentParser:
    config = required("alembic.config")
    parser: argparse.ArgumentParser = config.CommandLine(prog="alembic").parser
    return parser


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for action in parser._actions for o in action.option_strings} - HELP


def test_every_alembic_command_and_option_is_accepted() -> None:
    parser = _alembic_parser()
    missing = sorted(_options(parser) - {o for p in cli.params for o in p.opts + p.secondary_opts})
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert len(commands.choices) >= 15  # the parser was read, not an empty stand-in
    for name, subparser in commands.choices.items():
        command = cli.commands.get(name)
        if command is None:
            missing.append(name)
            continue
        ours = {o for p in command.params for o in p.opts + p.secondary_opts}
        missing += [f"{name} {o}" for o in sorted(_options(subparser) - ours)]
    assert not missing, f"Alembic's command line has forms still's lacks: {missing}"


def test_ensure_version_and_current_check_heads(project: Project) -> None:
    project.write_revision("p1", None, 'op.create_table("t1", sa.Column("id", sa.Integer))')
    sql = project.ok("ensure_version", "--sql").stdout
    assert "CREATE TABLE alembic_version" in sql
    assert "alembic_version" not in tables_of(project.url)
    project.ok("ensure_version")
    assert "alembic_version" in tables_of(project.url)
    behind = project.run("current", "-c")
    assert behind.exit_code == 1 and "p1" in behind.stderr, str(behind)
    project.ok("upgrade", "head")
    project.ok("current", "--check-heads")


def test_merge_splice_joins_a_revision_that_is_not_a_head(project: Project) -> None:
    project.write_revision("m1", None)
    project.write_revision("m2", "m1")
    project.write_revision("m3", "m1")
    project.write_revision("m4", "m3")
    refused = project.run("merge", "m2", "m3", "-m", "join")
    assert refused.exit_code != 0 and "splice" in refused.stderr, str(refused)
    project.ok("merge", "m2", "m3", "--splice", "-m", "join", "--rev-id", "m5")
    assert "m5" in project.ok("heads").stdout
