"""still's pytest plugin (still.pytest_plugin), tested by running pytest (pytester) on pet-clinic
projects with good and with broken migrations, on SQLite, PostgreSQL and MariaDB.

The broken projects must fail the right test, and the failure must say why: which revision, and
what differs.
"""

from __future__ import annotations

from pathlib import Path

# Imported here, once: pytester's in-process runs forget the modules a run imported, and
# importing SQLAlchemy's dialects again warns. The drivers too: psycopg imported again beside its
# compiled part (psycopg_binary, which is not) raises errors of its old classes, which SQLAlchemy
# no longer recognises, and later tests in this process then see unwrapped driver errors.
import psycopg  # noqa: F401
import pymysql  # noqa: F401
import pytest
import sqlalchemy.dialects.mysql
import sqlalchemy.dialects.postgresql
import sqlalchemy.dialects.sqlite  # noqa: F401

import still.pytest_plugin
import still.testing
from still.command import autogenerate, migrate  # noqa: F401
from tests.conftest import PetClinic, Project, make_project

pytest_plugins = ["pytester"]

# The pet clinic's models, as env.py's target_metadata (after all three migrations).
MODELS = """
import sqlalchemy as sa

target_metadata = sa.MetaData()
sa.Table(
    "owners", target_metadata,
    sa.Column("owner_id", sa.Integer, primary_key=True),
    sa.Column("owner_name", sa.String(100), nullable=False),
    sa.Column("owner_email", sa.String(100)),
)
sa.Table(
    "species", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)
pets = sa.Table(
    "pets", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.owner_id")),
    sa.Column("species_id", sa.Integer, sa.ForeignKey("species.id")),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("age", sa.Integer),
    {extra}
)
sa.Index("ix_pet_owner_id", pets.c.owner_id)
sa.Table(
    "manipulations", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("price", sa.Numeric(10, 2)),
)
sa.Table(
    "manipulation_facts", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("pet_id", sa.Integer, sa.ForeignKey("pets.id"), nullable=False),
    sa.Column("manipulation_id", sa.Integer, sa.ForeignKey("manipulations.id"), nullable=False),
    sa.Column("done_at", sa.DateTime),
)
"""

USES_FIXTURE = """
import sqlalchemy as sa


def test_the_app_sees_the_schema(migrated_database):
    names = set(sa.inspect(migrated_database).get_table_names())
    assert {"owners", "pets", "species"} <= names
    with migrated_database.begin() as conn:
        conn.execute(sa.text("INSERT INTO owners (owner_id, owner_name) VALUES (1, 'Ann')"))


def test_config_points_at_the_test_database(still_config, still_url):
    assert still_config.get_main_option("sqlalchemy.url") == still_url
"""


def rewrite(project: Project, rev: str, down: str, upgrade: str, downgrade: str = "pass") -> None:
    """Replace revision ``rev`` of the pet clinic (same id, message and parent)."""
    for old in project.versions_dir.glob(f"{rev}_*.py"):
        message = old.read_text().splitlines()[0].strip('"')
        old.unlink()
    project.write_revision(rev, down, upgrade, downgrade, message)


def clinic(pytester: pytest.Pytester, url: str, extra_column: str = "") -> Project:
    """The pet clinic (aaa -> bbb -> ccc) with its models in env.py; the ini's own URL points
    nowhere, so only the URL the plugin is given is used."""
    project = make_project(pytester.path, url)
    project.set_url("sqlite:////nonexistent/directory/dev.db")
    PetClinic().write_chain(project)
    env = project.env_py.read_text()
    models = MODELS.replace("{extra}", extra_column)
    project.env_py.write_text(env.replace("target_metadata = None\n", models))
    return project


def run(pytester: pytest.Pytester, url: str | None, *args: str) -> pytest.RunResult:
    options = ["-p", "still.pytest_plugin", "-p", "no:cacheprovider", "-p", "no:xdist"]
    options += ["-p", "no:hypothesispytest"]  # it imports hypothesis anew on every run
    options += ["-p", "no:pytest_alembic"]  # tested in tests/test_pytest_alembic.py
    # The plugin is imported by this test module already: its docstring says PYTEST_DONT_REWRITE,
    # so pytest does not warn that it cannot rewrite it (suites run with -W error).
    options += ["-W", "error::pytest.PytestAssertRewriteWarning"]
    if url is not None:
        options.append(f"--still-url={url}")
    return pytester.runpytest(*options, *args)


def test_a_good_project_passes(pytester: pytest.Pytester, db_url: str) -> None:
    clinic(pytester, db_url)
    pytester.makepyfile(test_app=USES_FIXTURE)

    result = run(pytester, db_url, "--still-migrations", "-v")

    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "*collected 6 items",  # the user's 2 and still's 4
            "*alembic.ini::test_still_single_head PASSED*",
            "*alembic.ini::test_still_stairway PASSED*",
            "*alembic.ini::test_still_up_down_up PASSED*",
            "*alembic.ini::test_still_models_match_database PASSED*",
        ]
    )


def test_a_downgrade_that_does_not_undo_its_upgrade_fails(
    pytester: pytest.Pytester, db_url: str
) -> None:
    project = clinic(pytester, db_url)
    # ccc's downgrade forgets to drop the index its upgrade creates.
    rewrite(project, "ccc", "bbb", "op.create_index('ix_pet_owner_id', 'pets', ['owner_id'])")

    result = run(pytester, db_url, "--still-migrations", "-k", "stairway")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_still_stairway*",
            "Revision ccc ('add index on pets owner_id', *ccc_add_index_on_pets_owner_id.py), "
            "step 3 of 3: downgrade() does not undo upgrade(). The schema after the downgrade "
            "differs from the schema before the upgrade:",
            "    + index ix_pet_owner_id on pets: (owner_id)  (not there before the upgrade, "
            "present after the downgrade)",
        ]
    )


def test_a_downgrade_that_leaves_a_table_fails_up_down_up(pytester: pytest.Pytester) -> None:
    url = f"sqlite:///{pytester.path / 'test.db'}"
    project = clinic(pytester, url)
    rewrite(
        project,
        "bbb",
        "aaa",
        "op.add_column('pets', sa.Column('age', sa.Integer))\n"
        "op.create_table('vets', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_column('pets', 'age')",
    )

    result = run(pytester, url, "--still-migrations", "-k", "up_down_up")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "Revision bbb ('add age to pets', *): going down from the heads one revision at a "
            "time, downgrade() does not give back the schema from before its upgrade():",
            "    + column vets.id: INTEGER NOT NULL  (not there before its upgrade, present "
            "after it)",
            "    + primary key of vets: (id)*",
            "    + table vets: table*",
        ]
    )


def test_a_downgrade_that_raises_names_the_revision(pytester: pytest.Pytester) -> None:
    url = f"sqlite:///{pytester.path / 'test.db'}"
    project = clinic(pytester, url)
    rewrite(
        project,
        "bbb",
        "aaa",
        "op.add_column('pets', sa.Column('age', sa.Integer))",
        "op.drop_column('pets', 'no_such_column')",
    )

    result = run(pytester, url, "--still-migrations", "-k", "stairway")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "Revision bbb ('add age to pets', *), step 2 of 3: downgrade() failed right after "
            "its upgrade():"
        ]
    )
    result.stdout.fnmatch_lines(["*no_such_column*"])


def test_models_that_differ_from_the_migrations_fail(
    pytester: pytest.Pytester, db_url: str
) -> None:
    clinic(pytester, db_url, extra_column='sa.Column("weight", sa.Integer),')

    result = run(pytester, db_url, "--still-migrations", "-k", "models")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_still_models_match_database*",
            "The models and the database differ after upgrading to ccc ('add index on pets "
            "owner_id', *): the migrations do not build the schema the models declare.",
            "*weight*",
        ]
    )


def test_two_heads_fail_unless_declared(pytester: pytest.Pytester) -> None:
    url = f"sqlite:///{pytester.path / 'test.db'}"
    project = clinic(pytester, url)
    project.write_revision("ddd", "bbb", message="add vets")

    result = run(pytester, url, "--still-migrations", "-k", "head")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "The revision graph has 2 heads; the project declares 1.",
            "  head *",
            "  head *",
            "  They split after bbb ('add age to pets', *).",
            "Join them with `still merge heads -m MESSAGE`*",
        ]
    )
    declared = run(pytester, url, "--still-migrations", "--still-heads", "2", "-k", "head")
    declared.assert_outcomes(passed=1)


def test_enabled_by_an_ini_line(pytester: pytest.Pytester) -> None:
    url = f"sqlite:///{pytester.path / 'test.db'}"
    clinic(pytester, url)
    pytester.makeini(
        f"""
        [pytest]
        still_migrations = true
        still_config = alembic.ini
        still_url = {url}
        """
    )

    collected = run(pytester, None, "--collect-only", "-q")
    collected.stdout.fnmatch_lines(
        [
            "alembic.ini::test_still_single_head",
            "alembic.ini::test_still_stairway",
            "alembic.ini::test_still_up_down_up",
            "alembic.ini::test_still_models_match_database",
        ]
    )
    run(pytester, None, "-k", "head or models").assert_outcomes(passed=2)


def test_inert_unless_enabled(pytester: pytest.Pytester) -> None:
    url = f"sqlite:///{pytester.path / 'test.db'}"
    clinic(pytester, url)
    pytester.makepyfile(test_app="def test_nothing():\n    pass\n")

    result = run(pytester, url)

    result.assert_outcomes(passed=1)
    # installed, the plugin is listed in the header ("plugins: still-..."), and adds no test
    assert "test_still_" not in result.stdout.str()


def test_no_test_database_is_a_failure_that_says_why(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    clinic(pytester, f"sqlite:///{pytester.path / 'dev.db'}")

    result = run(pytester, None, "--still-migrations", "-k", "stairway")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["No test database: give its URL with --still-url URL*"])
    assert not Path(pytester.path / "dev.db").exists()


def test_sqlalchemy_url_names_the_test_database(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{pytester.path / 'from_env.db'}"
    clinic(pytester, url)
    monkeypatch.setenv("SQLALCHEMY_URL", url)

    result = run(pytester, None, "--still-migrations", "-k", "up_down_up")

    result.assert_outcomes(passed=1)
    assert (pytester.path / "from_env.db").exists()


def test_the_checks_without_pytest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'test.db'}"
    project = make_project(tmp_path, url)
    PetClinic().write_chain(project)
    migrations = still.testing.Migrations(project.ini, url)

    migrations.check_stairway()
    migrations.check_up_down_up()
    migrations.check_heads(1)
    with pytest.raises(still.testing.MigrationTestFailure, match="declares 2"):
        migrations.check_heads(2)
    assert migrations.current() == ()
    migrations.upgrade()
    assert migrations.current() == ("ccc",)
    assert "column pets.age" in migrations.schema()
    migrations.to_base()
    assert set(migrations.schema()) == set()


USES_CLONES = """
import pytest
import sqlalchemy as sa

URLS = []


def owners(url, insert=None):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            if insert:
                conn.execute(
                    sa.text(f"INSERT INTO owners (owner_id, owner_name) VALUES ({insert}, 'x')")
                )
            return sorted(conn.execute(sa.text("SELECT owner_id FROM owners")).scalars())
    finally:
        engine.dispose()


def columns(url, table):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_first_builds_the_template(still_database):
    assert still_database.heads == ("ccc",)
    assert not still_database.from_cache  # nothing cached yet: replayed, then cached
    assert "age" in columns(still_database.url, "pets")
    assert owners(still_database.url, insert=1) == [1]
    URLS.append(still_database.url)


def test_second_is_a_copy_of_its_own(still_database):
    assert still_database.from_cache  # the template (PostgreSQL), file (SQLite), DDL (MySQL)
    assert still_database.url not in URLS
    assert owners(still_database.url) == []  # the first test's row is not here
    assert owners(still_database.url, insert=2) == [2]
    URLS.append(still_database.url)


@pytest.mark.still_revision("aaa")
def test_at_a_revision(still_database, still_database_at):
    assert still_database.heads == ("aaa",)
    assert "age" not in columns(still_database.url, "pets")
    again = still_database_at("aaa")
    assert again.from_cache and again.url != still_database.url
"""


def test_still_database_clones_a_migrated_database_per_test(
    pytester: pytest.Pytester, db_url: str
) -> None:
    from tests.test_shadow import working_databases

    project = clinic(pytester, db_url)
    pytester.makepyfile(test_app=USES_CLONES)
    try:
        result = run(pytester, db_url, "-v")
        result.assert_outcomes(passed=3)
        project.set_url(db_url)
        assert working_databases(project) == []  # each test's database was dropped after it
    finally:
        project.set_url(db_url)
        project.run("shadow", "clean")
        project.dispose()
