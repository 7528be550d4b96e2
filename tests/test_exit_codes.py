"""The command line's exit code tells the kind of failure (docs/commands.md, "Exit codes");
under Alembic's name (``alembic.config.main``) every failure exits 1, as Alembic's does."""

from __future__ import annotations

import pytest

from still.alembic_names.config import main as alembic_main
from still.errors import (
    EXIT_CONFIGURATION,
    EXIT_DATABASE,
    EXIT_FAILURE,
    EXIT_MIGRATION,
    EXIT_NOT_CONFIRMED,
    EXIT_REVISIONS,
    EXIT_USAGE,
)
from tests.conftest import Project, tables_of


def test_the_codes_are_distinct() -> None:
    codes = [
        EXIT_FAILURE,
        EXIT_USAGE,
        EXIT_CONFIGURATION,
        EXIT_REVISIONS,
        EXIT_MIGRATION,
        EXIT_DATABASE,
        EXIT_NOT_CONFIRMED,
    ]
    assert len(set(codes)) == len(codes) and 0 not in codes


def _failing_step(project: Project) -> None:
    project.write_revision("e1", None, 'op.create_table("t1", sa.Column("id", sa.Integer))')
    project.write_revision("e2", "e1", 'op.execute("SELECT * FROM no_such_table_here")')


def test_each_kind_of_failure_has_its_code(project: Project) -> None:
    _failing_step(project)
    assert project.run("show", "nope").exit_code == EXIT_REVISIONS
    assert project.run("upgrade", "e1").exit_code == 0
    assert project.run("upgrade", "head").exit_code == EXIT_MIGRATION
    # a finding: the database is behind the heads
    assert project.run("current", "--check-heads").exit_code == EXIT_FAILURE
    assert project.run("--no-such-option", "heads").exit_code == EXIT_USAGE
    # a run that drops a table, refused without confirmation: nothing runs
    project.ini.write_text(
        project.ini.read_text().replace("[alembic]", "[alembic]\nconfirm_data_loss = true", 1)
    )
    project.write_revision("e3", "e1", 'op.drop_table("t1")')
    (project.versions_dir / "e2_step_e2.py").unlink()
    refused = project.run("upgrade", "head")
    assert refused.exit_code == EXIT_NOT_CONFIRMED, str(refused)
    assert "t1" in tables_of(project.url)
    project.ini.write_text(project.ini.read_text().replace("[alembic]", "[alembic]\nnope", 1))
    assert project.run("heads").exit_code == EXIT_CONFIGURATION


def test_an_unreachable_database_is_the_database_kind(project: Project) -> None:
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = project.run("-x", f"sqlalchemy.url={unreachable}", "current")
    assert result.exit_code == EXIT_DATABASE, str(result)
    assert "Could not connect" in result.stderr


@pytest.mark.parametrize("args", [["show", "nope"], ["upgrade", "head"], ["current", "--bad"]])
def test_under_alembics_name_every_failure_is_1_or_usage_2(project: Project, args) -> None:
    _failing_step(project)
    with pytest.raises(SystemExit) as exited:
        alembic_main(args)
    assert exited.value.code == (EXIT_USAGE if args[-1] == "--bad" else EXIT_FAILURE)
    # and the still command line, in the same process afterwards, keeps its own codes
    assert project.run("show", "nope").exit_code == EXIT_REVISIONS
