"""Statements sent without waiting (PostgreSQL through psycopg, still.ddl.pipeline): a run gives
the same database and the same failure reports as one statement at a time, on every database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from still.ddl import pipeline
from tests.databases import KINDS, fresh_database
from tests.projects import CliProject, configure_with

TABLE = '    op.create_table("{0}", sa.Column("id", sa.Integer, primary_key=True))'


class Project(CliProject):
    def chain(self, *bodies: str) -> None:
        """Revisions r1, r2, ... each with the given upgrade body, in a line."""
        down = None
        for number, body in enumerate(bodies, start=1):
            self.write(f"r{number}", down, body)
            down = f"r{number}"

    def transactional(self) -> bool:
        return not self.url.startswith("mysql")


@pytest.fixture(params=KINDS)
def project(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database(request.param, tmp_path) as url:
        yield Project(tmp_path, url)


@pytest.fixture
def pipelines(monkeypatch: pytest.MonkeyPatch) -> list[pipeline.StatementPipeline]:
    """Every pipeline a run creates (none but on PostgreSQL)."""
    made: list[pipeline.StatementPipeline] = []
    original = pipeline.StatementPipeline.__init__

    def record(self: pipeline.StatementPipeline, connection: sa.Connection) -> None:
        original(self, connection)
        made.append(self)

    monkeypatch.setattr(pipeline.StatementPipeline, "__init__", record)
    return made


def test_a_statement_that_fails_is_named_with_its_revision(project: Project, pipelines) -> None:
    # r2's CREATE TABLE fails on the server; r3 and r4 are sent before anyone hears of it
    project.chain(TABLE.format("a"), TABLE.format("a"), TABLE.format("c"), TABLE.format("d"))
    result = project.still("upgrade", "head")
    assert result.exit_code == 5, result.output
    assert "Migration failed: upgrade of r2" in result.output
    assert "Statement: CREATE TABLE a" in result.output
    assert "Traceback" not in result.output
    assert bool(pipelines) == project.url.startswith("postgresql")
    if project.transactional():
        assert project.tables() == set() and project.versions() == set()
        assert "Everything this run did was rolled back" in result.output
    else:
        assert project.tables() == {"a"} and project.versions() == {"r1"}


def test_per_migration_transactions_keep_what_came_before(project: Project) -> None:
    configure_with(project.root / "migrations" / "env.py", "transaction_per_migration=True")
    project.chain(TABLE.format("a"), TABLE.format("b"), TABLE.format("a"), TABLE.format("d"))
    result = project.still("upgrade", "head")
    assert result.exit_code == 5 and "upgrade of r3" in result.output, result.output
    assert project.tables() == {"a", "b"} and project.versions() == {"r2"}


def test_a_python_error_after_an_unread_failure_reports_the_failure(project: Project) -> None:
    project.chain(
        TABLE.format("a"),
        TABLE.format("a"),  # fails on the server
        '    raise RuntimeError("never reached one statement at a time")',
    )
    result = project.still("upgrade", "head")
    assert result.exit_code == 5
    assert "upgrade of r2" in result.output and "never reached" not in result.output
    assert "already exists" in result.output


def test_a_migration_reads_what_the_run_wrote_before_it(project: Project, pipelines) -> None:
    project.chain(
        TABLE.format("a"),
        TABLE.format("b") + '\n    op.execute("INSERT INTO b (id) VALUES (1), (2), (3)")',
        TABLE.format("c")
        + '\n    n = op.get_bind().execute(sa.text("SELECT count(*) FROM b")).scalar()'
        + '\n    op.execute(f"INSERT INTO c (id) VALUES ({n})")',
        TABLE.format("d"),
    )
    project.ok = project.still("upgrade", "head")  # type: ignore[assignment,method-assign]
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT id FROM c")).scalars().all() == [3]
    finally:
        engine.dispose()
    assert project.tables() == {"a", "b", "c", "d"} and project.versions() == {"r4"}
    assert bool(pipelines) == project.url.startswith("postgresql")


def test_the_version_table_changed_under_the_run_is_reported(project: Project) -> None:
    project.chain(TABLE.format("a"), '    op.execute("DELETE FROM alembic_version")')
    result = project.still("upgrade", "head")
    assert result.exit_code == 1
    assert "no longer holds revision 'r1'" in result.output
    if project.transactional():
        assert project.tables() == set() and project.versions() == set()


def test_the_pipeline_can_be_switched_off(project: Project, pipelines) -> None:
    ini = project.root / "alembic.ini"
    ini.write_text(
        ini.read_text().replace("[alembic]\n", "[alembic]\npostgresql_pipeline = false\n")
    )
    project.chain(TABLE.format("a"), TABLE.format("b"))
    result = project.still("upgrade", "head")
    assert result.exit_code == 0, result.output
    assert pipelines == [] and project.tables() == {"a", "b"}


def test_downgrade_through_the_pipeline(project: Project) -> None:
    project.write("r1", None, TABLE.format("a"), '    op.drop_table("a")')
    project.write("r2", "r1", TABLE.format("b"), '    op.drop_table("b")')
    assert project.still("upgrade", "head").exit_code == 0
    result = project.still("downgrade", "base")
    assert result.exit_code == 0, result.output
    assert project.tables() == set() and project.versions() == set()


@pytest.mark.parametrize("position", [1, 3, 6])
def test_the_failing_revision_is_named_wherever_it_is(project: Project, position: int) -> None:
    bodies = [TABLE.format(f"t{n}") for n in range(1, 7)]
    bodies[position - 1] = '    op.execute("CREATE TABLE t0 (id INTEGER)")\n' + TABLE.format("t0")
    project.chain(*bodies)
    result = project.still("upgrade", "head")
    assert result.exit_code == 5
    assert f"Migration failed: upgrade of r{position} " in result.output, result.output
    assert "Statement: CREATE TABLE t0" in result.output


def test_sent_statements_are_read_back_in_order(tmp_path: Path) -> None:
    """On PostgreSQL: the failure found at the synchronisation is the statement that failed."""
    with fresh_database("postgresql", tmp_path) as url:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                assert pipeline.StatementPipeline.supported(connection)
                sent = pipeline.StatementPipeline(connection)
                counts: list[int] = []
                tables = [sa.Table(n, sa.MetaData(), sa.Column("id", sa.Integer)) for n in "xyx"]
                for label, table in zip(["first", "second", "third"], tables, strict=True):
                    sent.step = label
                    sent.execute(sa.schema.CreateTable(table), counts.append)
                with pytest.raises(pipeline.PipelineFailure) as failure:
                    sent.flush()
                assert failure.value.step == "third"
                assert "CREATE TABLE x" in str(failure.value.statement)
                assert "already exists" in str(failure.value.orig)
                sent.close()
                connection.rollback()
                assert connection.execute(sa.text("SELECT 1")).scalar() == 1
        finally:
            engine.dispose()
    with sa.create_engine("sqlite://").connect() as connection:
        assert not pipeline.StatementPipeline.supported(connection)
