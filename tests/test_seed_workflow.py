"""The seed's workflow (shared/seed/workflow.md), step by step, on SQLite, PostgreSQL, MariaDB.

Each step runs the real command line in this process (click's runner) in a project made by
`still init alembic`, and checks the outcome by reflecting the database.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from still.cli.main import cli
from tests import conftest
from tests.conftest import SEED_ENV_PY
from tests.databases import WITH_PSYCOPG2, fresh_database
from tests.projects import set_url

# The seed's revision bodies (tests/conftest.py), indented for a revision file's functions.
INITIAL_UPGRADE, INITIAL_DOWNGRADE, AGE_UPGRADE, AGE_DOWNGRADE, INDEX_UPGRADE, INDEX_DOWNGRADE = (
    textwrap.indent(body, "    ")
    for body in (
        conftest.INITIAL_UPGRADE,
        conftest.INITIAL_DOWNGRADE,
        conftest.AGE_UPGRADE,
        conftest.AGE_DOWNGRADE,
        conftest.INDEX_UPGRADE,
        conftest.INDEX_DOWNGRADE,
    )
)
SEED_TABLES = {"owners", "species", "pets", "manipulations", "manipulation_facts"}


class Project:
    """A seed-style project in a temporary directory, driven through the CLI."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url
        self.runner = CliRunner()

    def still(self, *args: str, env: dict[str, str] | None = None, ok: bool = True) -> Result:
        result = self.runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def revision(self, message: str, upgrade: str, downgrade: str) -> str:
        """`still revision -m MESSAGE`, then fill in the bodies; returns the new revision id."""
        output = self.still("revision", "-m", message).output
        path = Path(re.search(r"Generating (\S+\.py)", output).group(1))
        text = path.read_text()
        text = text.replace("def upgrade() -> None:\n    pass", "def upgrade() -> None:" + upgrade)
        text = text.replace(
            "def downgrade() -> None:\n    pass", "def downgrade() -> None:" + downgrade
        )
        path.write_text(text)
        return re.search(r"^revision: str = '(\w+)'", text, re.M).group(1)

    def engine(self, url: str | None = None) -> sa.Engine:
        return sa.create_engine(url or self.url, poolclass=sa.pool.NullPool)

    def tables(self, url: str | None = None) -> set[str]:
        return set(sa.inspect(self.engine(url)).get_table_names()) - {"still_ledger"}

    def versions(self, url: str | None = None) -> set[str]:
        with self.engine(url).connect() as conn:
            return set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


@pytest.fixture(params=WITH_PSYCOPG2)
def project(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database(request.param, tmp_path) as url:
        p = Project(tmp_path, url)
        p.still("init", "alembic")
        set_url(tmp_path / "alembic.ini", url)
        (tmp_path / "alembic" / "env.py").write_text(SEED_ENV_PY)
        yield p


def test_init_lays_out_the_environment(project: Project) -> None:
    root = project.root
    for path in ("alembic.ini", "alembic/env.py", "alembic/script.py.mako", "alembic/versions"):
        assert (root / path).exists(), path


def test_stamp_head_on_existing_tables_only_writes_the_version(project: Project) -> None:
    initial = project.revision("initial schema", INITIAL_UPGRADE, INITIAL_DOWNGRADE)
    with project.engine().begin() as conn:  # the tables exist already, made by hand
        conn.execute(sa.text("CREATE TABLE owners (owner_id INTEGER PRIMARY KEY)"))
    project.still("stamp", "head")
    assert project.versions() == {initial}
    assert project.tables() == {"owners", "alembic_version"}


def test_revision_writes_an_empty_migration(project: Project) -> None:
    output = project.still("revision", "-m", "add age column to pets").output
    path = Path(re.search(r"Generating (\S+\.py)", output).group(1))
    assert path.name.endswith("_add_age_column_to_pets.py")
    text = path.read_text()
    assert "revision: str = " in text and "down_revision" in text
    assert "def upgrade() -> None:\n    pass" in text and "def downgrade() -> None:" in text


def test_the_seed_workflow_up_and_down(project: Project) -> None:
    initial = project.revision("initial schema", INITIAL_UPGRADE, INITIAL_DOWNGRADE)
    project.still("upgrade", "head")
    assert project.tables() == SEED_TABLES | {"alembic_version"}
    assert project.versions() == {initial}
    inspector = sa.inspect(project.engine())
    fks = {
        (tuple(f["constrained_columns"]), f["referred_table"])
        for f in inspector.get_foreign_keys("pets")
    }
    assert fks == {(("owner_id",), "owners"), (("species_id",), "species")}

    with project.engine().begin() as conn:
        conn.execute(sa.text("INSERT INTO owners (owner_id, owner_name) VALUES (1, 'Ann')"))
        conn.execute(sa.text("INSERT INTO pets (id, owner_id, name) VALUES (1, 1, 'Rex')"))
        conn.execute(sa.text("INSERT INTO pets (id, owner_id, name) VALUES (2, 1, 'Tom')"))

    age = project.revision("add age to pets", AGE_UPGRADE, AGE_DOWNGRADE)
    index = project.revision("add index on pet owner_id", INDEX_UPGRADE, INDEX_DOWNGRADE)
    project.still("upgrade", age)
    assert project.versions() == {age}
    columns = {c["name"] for c in sa.inspect(project.engine()).get_columns("pets")}
    assert "age" in columns
    with project.engine().connect() as conn:
        ages = conn.execute(sa.text("SELECT age FROM pets ORDER BY id")).scalars().all()
    assert ages == [0, 0]  # op.execute's data migration ran

    project.still("upgrade", "+1")
    assert project.versions() == {index}
    indexes = {
        i["name"]: i["column_names"] for i in sa.inspect(project.engine()).get_indexes("pets")
    }
    assert indexes["ix_pet_owner_id"] == ["owner_id"]

    # current, history, heads
    assert project.still("current").output.strip() == f"{index} (head)"
    history = project.still("history").output.strip().splitlines()
    assert history == [
        f"{age} -> {index} (head), add index on pet owner_id",
        f"{initial} -> {age}, add age to pets",
        f"<base> -> {initial}, initial schema",
    ]
    assert project.still("heads").output.strip() == f"{index} (head)"

    # downgrade -1 undoes the index, on every database (MariaDB's FK index included)
    project.still("downgrade", "-1")
    assert project.versions() == {age}
    assert "ix_pet_owner_id" not in {
        i["name"] for i in sa.inspect(project.engine()).get_indexes("pets")
    }
    project.still("downgrade", "-1")
    assert "age" not in {c["name"] for c in sa.inspect(project.engine()).get_columns("pets")}
    with project.engine().connect() as conn:  # the rows survived both steps
        assert conn.execute(sa.text("SELECT count(*) FROM pets")).scalar() == 2

    project.still("downgrade", "base")
    assert project.tables() == {"alembic_version"}
    assert project.versions() == set()
    assert project.still("current").output.strip() == ""


def test_raw_sql_runs_inside_the_migration(project: Project) -> None:
    initial = project.revision("initial schema", INITIAL_UPGRADE, INITIAL_DOWNGRADE)
    project.still("upgrade", "head")
    dialect = project.engine().dialect.name
    statement = {
        "postgresql": "CREATE INDEX custom_idx ON pets USING btree (name)",
        "sqlite": "CREATE INDEX custom_idx ON pets (name)",
    }.get(dialect, "CREATE INDEX custom_idx ON pets (name) USING BTREE")
    custom = project.revision(
        "custom index",
        f'\n    op.execute("{statement}")\n    op.execute(sa.text("DELETE FROM species"))\n',
        '\n    op.execute("DROP INDEX custom_idx'
        + (" ON pets" if dialect != "sqlite" and dialect != "postgresql" else "")
        + '")\n',
    )
    project.still("upgrade", "head")
    assert "custom_idx" in {i["name"] for i in sa.inspect(project.engine()).get_indexes("pets")}
    assert project.versions() == {custom}
    project.still("downgrade", initial)
    assert "custom_idx" not in {i["name"] for i in sa.inspect(project.engine()).get_indexes("pets")}


def test_url_from_x_argument_and_environment(project: Project, tmp_path: Path) -> None:
    project.revision("initial schema", INITIAL_UPGRADE, INITIAL_DOWNGRADE)
    kind = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mariadb"}[
        project.engine().dialect.name
    ]
    if "psycopg2" in project.url:
        kind = "postgresql+psycopg2"
    ini = project.root / "alembic.ini"
    # The ini now names a database that cannot be reached.
    ini.write_text(
        re.sub(
            r"^sqlalchemy.url = .*$",
            "sqlalchemy.url = postgresql+psycopg://nobody:pw@127.0.0.1:1/nowhere",
            ini.read_text(),
            flags=re.M,
        )
    )
    with fresh_database(kind, tmp_path) as by_x, fresh_database(kind, tmp_path) as by_env:
        project.still("-x", f"sqlalchemy.url={by_x}", "upgrade", "head")
        assert project.tables(by_x) >= SEED_TABLES

        project.still("upgrade", "head", env={"SQLALCHEMY_URL": by_env})
        assert project.tables(by_env) >= SEED_TABLES

        # -x wins over the environment variable
        project.still(
            "-x", f"sqlalchemy.url={by_x}", "downgrade", "base", env={"SQLALCHEMY_URL": by_env}
        )
        assert not SEED_TABLES & project.tables(by_x)
        assert project.tables(by_env) >= SEED_TABLES

        # the environment variable wins over the ini
        failed = project.still("current", ok=False)
        assert failed.exit_code == 6 and "pw" not in failed.output and "***" in failed.output


def test_sql_mode_prints_the_script(project: Project) -> None:
    initial = project.revision("initial schema", INITIAL_UPGRADE, INITIAL_DOWNGRADE)
    output = project.still("upgrade", "head", "--sql").output
    assert "CREATE TABLE owners" in output
    assert f"INSERT INTO alembic_version (version_num) VALUES ('{initial}')" in output
    transactional = project.engine().dialect.name != "mysql"
    assert ("BEGIN;" in output) is transactional
    assert project.tables() == set()  # nothing ran
    output = project.still("downgrade", "--sql", f"{initial}:base").output
    assert "DROP TABLE owners" in output and "DELETE FROM alembic_version" in output


def test_programmatic_api_at_start_up(project: Project) -> None:
    from still import command
    from still.config import Config

    project.revision("initial schema", INITIAL_UPGRADE, INITIAL_DOWNGRADE)
    command.upgrade(Config("alembic.ini"), "head")
    assert project.tables() >= SEED_TABLES
    command.upgrade(Config("alembic.ini"), "head")  # already there: nothing to do
    assert project.tables() >= SEED_TABLES
    command.downgrade(Config("alembic.ini"), "base")
    assert project.tables() == {"alembic_version"}
