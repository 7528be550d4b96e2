"""Failures leave a known, reported state, and user mistakes get messages, not tracebacks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from still.cli.main import cli
from tests.databases import KINDS, fresh_database
from tests.projects import CliProject, configure_with


class Project(CliProject):
    def state(self) -> tuple[set[str], set[str]]:
        return self.tables(), self.versions()

    def per_migration(self) -> None:
        configure_with(self.root / "migrations" / "env.py", "transaction_per_migration=True")


@pytest.fixture(params=KINDS)
def project(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database(request.param, tmp_path) as url:
        p = Project(tmp_path, url)
        p.write(
            "a1", None, '    op.create_table("a", sa.Column("id", sa.Integer, primary_key=True))'
        )
        p.write(
            "b2", "a1", '    op.create_table("b", sa.Column("id", sa.Integer, primary_key=True))'
        )
        p.write(
            "c3",
            "b2",
            '    op.create_table("c", sa.Column("id", sa.Integer, primary_key=True))\n'
            '    raise RuntimeError("the data is not what we expected")',
            message="boom",
        )
        yield p


def transactional(project: Project) -> bool:
    return not project.url.startswith("mysql")


def test_a_failing_migration_is_reported_and_rolled_back(project: Project) -> None:
    result = project.still("upgrade", "head")
    assert result.exit_code == 5
    assert "Traceback" not in result.output
    assert "upgrade of c3" in result.output and "the data is not what we expected" in result.output
    tables, versions = project.state()
    if transactional(project):
        # one transaction for the whole run: nothing of it remains
        assert tables == set() and versions == set()
        assert "rolled back" in result.output
    else:
        # MariaDB commits DDL: the version table names the last completed migration, and the
        # message lists what of the failed one was committed
        assert versions == {"b2"} and tables == {"a", "b", "c"}
        assert "stands at b2" in result.output
        assert "CREATE TABLE c" in result.output


def test_transaction_per_migration_keeps_the_completed_ones(project: Project) -> None:
    project.per_migration()
    result = project.still("upgrade", "head")
    assert result.exit_code == 5
    tables, versions = project.state()
    assert versions == {"b2"}
    assert tables == ({"a", "b"} if transactional(project) else {"a", "b", "c"})


def test_a_statement_the_database_rejects_names_the_statement(project: Project) -> None:
    project.write("c3", "b2", '    op.execute("INSERT INTO no_such_table VALUES (1)")')
    result = project.still("upgrade", "head")
    assert result.exit_code == 5
    assert "Statement: INSERT INTO no_such_table VALUES (1)" in result.output
    assert "Traceback" not in result.output
    assert "--traceback" not in result.output or "Unexpected" not in result.output


def test_traceback_on_request(project: Project) -> None:
    result = project.still("--traceback", "upgrade", "head")
    assert result.exit_code == 5
    assert "Traceback" in result.output and "RuntimeError" in result.output


def test_unknown_revision(project: Project) -> None:
    result = project.still("upgrade", "zzz")
    assert result.exit_code == 4
    assert "No revision 'zzz'" in result.output and "Traceback" not in result.output


def test_syntax_error_names_file_and_line(project: Project) -> None:
    project.write("c3", "b2", "    op.create_table(\n")
    result = project.still("upgrade", "head")
    assert result.exit_code == 4
    assert re.search(r"c3\.py, line \d+: syntax error", result.output), result.output
    assert project.state() == (set(), set()) if transactional(project) else True


def test_unreachable_database_masks_the_password(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "migrations"]).exit_code == 0
    url = "postgresql+psycopg://admin:secret123@127.0.0.1:1/clinic"
    result = runner.invoke(cli, ["-x", f"sqlalchemy.url={url}", "upgrade", "head"])
    assert result.exit_code == 6
    assert "secret123" not in result.output
    assert "admin:***@127.0.0.1:1/clinic" in result.output
    assert "Could not connect" in result.output
    result = runner.invoke(cli, ["--traceback", "-x", f"sqlalchemy.url={url}", "current"])
    assert "secret123" not in result.output


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda root: None, "No config file 'alembic.ini' found"),
        (lambda root: (root / "alembic.ini").write_text("[alembic]\n"), "No script_location"),
        (lambda root: (root / "alembic.ini").write_text("[alembic\nx"), "cannot be read"),
        (
            lambda root: (root / "alembic.ini").write_text("[alembic]\nscript_location = nope\n"),
            "is not a directory",
        ),
    ],
)
def test_configuration_mistakes(tmp_path: Path, monkeypatch, setup, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    setup(tmp_path)
    result = CliRunner().invoke(cli, ["heads"])
    assert result.exit_code in (3, 4)
    assert expected in result.output
    assert "Traceback" not in result.output
