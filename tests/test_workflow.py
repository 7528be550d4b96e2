"""The seed's workflow (shared/seed/workflow.md) on SQLite, PostgreSQL and MariaDB.

Steps 5 (stamp), 6 (revision -m), 8 (upgrade head / <rev> / +1), 11 (downgrade -1 / base),
12 (current, history, heads), 14 (raw SQL and data migrations), 16 (-x sqlalchemy.url) and
17 (SQLALCHEMY_URL), plus --sql.  Each step runs still's command line and checks the outcome by
reflecting the database.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import UNREACHABLE_URL, PetClinic, Project, tables_of, versions_of

CHAIN_HISTORY = [
    "bbb -> ccc (head), add index on pets owner_id",
    "aaa -> bbb, add age to pets",
    "<base> -> aaa, initial schema",
]


def fill_clinic(project: Project) -> None:
    project.execute(
        "INSERT INTO owners (owner_id, owner_name, owner_email) VALUES (1, 'Ann', 'ann@x.org')",
        "INSERT INTO owners (owner_id, owner_name) VALUES (2, 'Bob')",
        "INSERT INTO species (id, name) VALUES (1, 'cat')",
        "INSERT INTO pets (id, owner_id, species_id, name) VALUES (1, 1, 1, 'Tom')",
        "INSERT INTO pets (id, owner_id, species_id, name) VALUES (2, 1, 1, 'Kit')",
        "INSERT INTO pets (id, owner_id, species_id, name) VALUES (3, 2, NULL, 'Rex')",
    )


# -- step 5: stamp head on a database whose tables exist ---------------------------------------


def test_stamp_head_on_existing_tables_only_writes_the_version(
    project: Project, petclinic_models: PetClinic
) -> None:
    petclinic_models.metadata(age=True, index=True).create_all(project.engine())
    project.execute(
        "INSERT INTO owners (owner_id, owner_name) VALUES (1, 'Ann')",
        "INSERT INTO pets (id, owner_id, name, age) VALUES (1, 1, 'Tom', 7)",
    )
    before = project.schema()
    petclinic_models.write_chain(project)

    result = project.ok("stamp", "head")

    assert project.versions() == {"ccc"}
    assert project.schema() == before  # nothing but alembic_version changed
    assert project.tables() == set(PetClinic.TABLES)
    assert project.rows("SELECT id, owner_id, name, age FROM pets") == [(1, 1, "Tom", 7)]
    assert "Running upgrade" not in result.output
    assert "Stamping <base> -> ccc" in result.stderr
    # the database is now at head: upgrade has nothing to do
    result = project.ok("upgrade", "head")
    assert "Running upgrade" not in result.output
    assert project.ok("current").stdout.strip() == "ccc (head)"
    assert project.schema() == before


def test_stamp_moves_the_version_both_ways_without_running_migrations(
    project: Project, petclinic_models: PetClinic
) -> None:
    petclinic_models.write_chain(project)
    project.ok("stamp", "bbb")
    assert project.versions() == {"bbb"}
    assert project.tables() == set()
    project.ok("stamp", "aaa")
    assert project.versions() == {"aaa"}
    project.ok("stamp", "base")
    assert project.versions() == set()
    assert project.tables() == set()


# -- step 6: revision -m ------------------------------------------------------------------------


def test_revision_m_writes_an_empty_migration(project: Project) -> None:
    result = project.ok("revision", "-m", "add age column to pets")
    path = Path(re.search(r"Generating (\S+\.py)", result.output).group(1))
    assert path.parent.resolve() == project.versions_dir.resolve()
    assert path.name.endswith("_add_age_column_to_pets.py")
    text = path.read_text()
    first = re.search(r"^revision: str = '([0-9a-f]{12})'$", text, re.M).group(1)
    assert path.name == f"{first}_add_age_column_to_pets.py"
    assert re.search(r"^down_revision: .* = None$", text, re.M)
    assert "from alembic import op" in text and "import sqlalchemy as sa" in text
    assert re.search(r"^def upgrade\(\) -> None:\n    pass$", text, re.M)
    assert re.search(r"^def downgrade\(\) -> None:\n    pass$", text, re.M)
    assert text.splitlines()[0] == '"""add age column to pets'
    compile(text, str(path), "exec")

    # the next revision builds on it
    second_out = project.ok("revision", "-m", "second").output
    second = Path(re.search(r"Generating (\S+\.py)", second_out).group(1)).read_text()
    assert re.search(rf"^down_revision: .* = '{first}'$", second, re.M)
    second_id = re.search(r"^revision: str = '(\w+)'$", second, re.M).group(1)
    assert project.ok("heads").stdout.strip() == f"{second_id} (head)"

    # the empty migrations run, and only touch alembic_version
    project.ok("upgrade", "head")
    assert project.versions() == {second_id}
    assert project.tables() == set()


# -- step 8: upgrade ----------------------------------------------------------------------------


def test_upgrade_head_creates_the_five_tables(
    project: Project, petclinic_models: PetClinic
) -> None:
    petclinic_models.write_chain(project)
    assert project.versions() is None

    result = project.ok("upgrade", "head")

    petclinic_models.assert_schema(project, age=True, index=True)
    assert project.versions() == {"ccc"}
    # progress, in order, one line per migration
    progress = re.findall(r"Running upgrade (\S+ -> \S+), ([^.]+?) \.\.\.", result.stderr)
    assert progress == [
        ("<base> -> aaa", "initial schema"),
        ("aaa -> bbb", "add age to pets"),
        ("bbb -> ccc", "add index on pets owner_id"),
    ]
    inspector = project.inspector()
    pets = {c["name"]: c for c in inspector.get_columns("pets")}
    assert pets["name"]["nullable"] is False and pets["age"]["nullable"] is True
    assert isinstance(pets["name"]["type"], sa.String) and pets["name"]["type"].length == 100
    facts = {c["name"]: c for c in inspector.get_columns("manipulation_facts")}
    assert facts["pet_id"]["nullable"] is False
    assert inspector.get_pk_constraint("owners")["constrained_columns"] == ["owner_id"]

    # a second run has nothing to do
    again = project.ok("upgrade", "head")
    assert "Running upgrade" not in again.output
    assert project.versions() == {"ccc"}


def test_upgrade_to_a_revision_then_plus_one_with_a_data_migration(
    project: Project, petclinic_models: PetClinic
) -> None:
    petclinic_models.write_chain(project)

    project.ok("upgrade", "aaa")
    petclinic_models.assert_schema(project, age=False, index=False)
    assert project.versions() == {"aaa"}
    fill_clinic(project)

    # +1: add_column age and op.execute("UPDATE pets SET age = 0 WHERE age IS NULL")
    project.ok("upgrade", "+1")
    assert project.versions() == {"bbb"}
    petclinic_models.assert_schema(project, age=True, index=False)
    assert project.rows("SELECT id, name, age FROM pets ORDER BY id") == [
        (1, "Tom", 0),
        (2, "Kit", 0),
        (3, "Rex", 0),
    ]

    project.ok("upgrade", "+1")
    assert project.versions() == {"ccc"}
    petclinic_models.assert_schema(project, age=True, index=True)
    assert project.rows("SELECT count(*) FROM owners") == [(2,)]

    # nothing above head
    result = project.run("upgrade", "+1")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert project.versions() == {"ccc"}


def test_upgrade_by_partial_revision_id(project: Project) -> None:
    project.write_revision(
        "a1b2c3d4e5f6",
        None,
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))',
        'op.drop_table("t")',
    )
    project.ok("upgrade", "a1b2")
    assert project.versions() == {"a1b2c3d4e5f6"}
    assert project.tables() == {"t"}


# -- step 11: downgrade -------------------------------------------------------------------------


def test_downgrade_minus_one_then_base(project: Project, petclinic_models: PetClinic) -> None:
    petclinic_models.write_chain(project)
    project.ok("upgrade", "head")
    fill_clinic(project)
    project.execute("UPDATE pets SET age = 4 WHERE id = 3")

    result = project.ok("downgrade", "-1")
    assert "Running downgrade ccc -> bbb" in result.stderr
    assert project.versions() == {"bbb"}
    petclinic_models.assert_schema(project, age=True, index=False)
    assert project.rows("SELECT id, age FROM pets ORDER BY id") == [(1, None), (2, None), (3, 4)]

    project.ok("downgrade", "-1")
    assert project.versions() == {"aaa"}
    petclinic_models.assert_schema(project, age=False, index=False)
    assert project.rows("SELECT id, owner_id, name FROM pets ORDER BY id") == [
        (1, 1, "Tom"),
        (2, 1, "Kit"),
        (3, 2, "Rex"),
    ]

    project.execute("DELETE FROM pets", "DELETE FROM owners", "DELETE FROM species")
    project.ok("downgrade", "base")
    assert project.tables() == set()
    assert project.versions() == set()  # the table stays, empty
    assert project.ok("current").stdout.strip() == ""

    # below base there is nothing
    result = project.run("downgrade", "-1")
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert project.versions() == set()


def test_downgrade_from_head_to_base_in_one_run(
    project: Project, petclinic_models: PetClinic
) -> None:
    petclinic_models.write_chain(project)
    project.ok("upgrade", "head")
    result = project.ok("downgrade", "base")
    progress = re.findall(r"Running downgrade (\w+) -> ([\w<>]+)", result.stderr)
    assert progress == [("ccc", "bbb"), ("bbb", "aaa"), ("aaa", "<base>")]
    assert project.tables() == set()
    assert project.versions() == set()
    # and up again
    project.ok("upgrade", "head")
    petclinic_models.assert_schema(project, age=True, index=True)


# -- step 12: current, history, heads -----------------------------------------------------------


def test_current_history_heads(project: Project, petclinic_models: PetClinic) -> None:
    petclinic_models.write_chain(project)

    assert project.ok("history").stdout.splitlines() == CHAIN_HISTORY
    assert project.ok("heads").stdout.splitlines() == ["ccc (head)"]
    assert project.ok("current").stdout.strip() == ""

    project.ok("upgrade", "bbb")
    assert project.ok("current").stdout.splitlines() == ["bbb"]
    assert project.ok("history", "--indicate-current").stdout.splitlines() == [
        "bbb -> ccc (head), add index on pets owner_id",
        "aaa -> bbb (current), add age to pets",
        "<base> -> aaa, initial schema",
    ]
    assert project.ok("history", "-r", "aaa:bbb").stdout.splitlines() == CHAIN_HISTORY[1:]

    project.ok("upgrade", "head")
    assert project.ok("current").stdout.splitlines() == ["ccc (head)"]
    verbose = project.ok("current", "--verbose").stdout
    assert "Rev: ccc (head)" in verbose and "Parent: bbb" in verbose
    assert project.ok("heads").stdout.splitlines() == ["ccc (head)"]

    # a new revision becomes the head and the top of the history
    project.write_revision("ddd", "ccc", message="later")
    assert project.ok("heads").stdout.splitlines() == ["ddd (head)"]
    assert project.ok("history").stdout.splitlines()[0] == "ccc -> ddd (head), later"
    assert project.ok("current").stdout.splitlines() == ["ccc"]


# -- step 14: raw SQL and data migrations -------------------------------------------------------

CUSTOM_INDEX = {
    "postgresql": "CREATE INDEX custom_idx ON pets USING GIN (to_tsvector('simple', name))",
    "sqlite": "CREATE INDEX custom_idx ON pets (name)",
    "mariadb": "CREATE INDEX custom_idx ON pets (name) USING BTREE",
}
DROP_CUSTOM_INDEX = {
    "postgresql": "DROP INDEX custom_idx",
    "sqlite": "DROP INDEX custom_idx",
    "mariadb": "DROP INDEX custom_idx ON pets",
}


def test_raw_sql_and_data_migration(project: Project, petclinic_models: PetClinic) -> None:
    petclinic_models.write_chain(project)
    project.ok("upgrade", "aaa")
    fill_clinic(project)
    project.write_revision(
        "ddd",
        "ccc",
        f"""
        op.execute({CUSTOM_INDEX[project.kind]!r})
        op.execute("UPDATE pets SET age = 1 WHERE name = 'Rex'")
        op.execute(sa.text("INSERT INTO species (id, name) VALUES (2, 'dog')"))
        """,
        f"""
        op.execute({DROP_CUSTOM_INDEX[project.kind]!r})
        op.execute("DELETE FROM species WHERE id = 2")
        """,
        "custom index and data",
    )

    project.ok("upgrade", "head")

    assert project.versions() == {"ddd"}
    assert "custom_idx" in {i["name"] for i in project.inspector().get_indexes("pets")}
    assert project.rows("SELECT name, age FROM pets ORDER BY id") == [
        ("Tom", 0),
        ("Kit", 0),
        ("Rex", 1),
    ]
    assert project.rows("SELECT id, name FROM species ORDER BY id") == [(1, "cat"), (2, "dog")]

    project.ok("downgrade", "ccc")
    assert "custom_idx" not in {i["name"] for i in project.inspector().get_indexes("pets")}
    assert project.rows("SELECT id FROM species") == [(1,)]
    assert project.versions() == {"ccc"}


def test_data_migration_is_undone_with_its_migration_when_it_fails(
    project: Project, petclinic_models: PetClinic
) -> None:
    """op.execute runs inside the migration's transaction: a later failure takes it back."""
    petclinic_models.write_chain(project)
    project.ok("upgrade", "head")
    fill_clinic(project)
    project.execute("UPDATE pets SET age = 3")
    project.write_revision(
        "ddd",
        "ccc",
        """
        op.execute("UPDATE pets SET age = 9")
        op.execute("INSERT INTO species (id, name) VALUES (5, 'parrot')")
        raise ValueError("stop here")
        """,
        message="bad data migration",
    )
    result = project.run("upgrade", "head")
    assert result.exit_code == 5
    assert "stop here" in result.output
    assert project.versions() == {"ccc"}
    # on MariaDB too: InnoDB rolls back DML, as long as no DDL committed it on the way
    assert project.rows("SELECT age FROM pets ORDER BY id") == [(3,), (3,), (3,)]
    assert project.rows("SELECT count(*) FROM species") == [(1,)]


# -- --sql --------------------------------------------------------------------------------------


def apply_script(url: str, kind: str, script: str) -> None:
    """Run an offline script with the database's own client library, as a DBA would."""
    if kind == "sqlite":
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            connection.executescript(script)
        finally:
            connection.close()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            # the statements end with ';' each on its own; run them one by one
            for statement in re.split(r";\s*\n", script):
                lines = [ln for ln in statement.splitlines() if not ln.startswith("--")]
                sql = "\n".join(lines).strip()
                if sql:
                    cursor.execute(sql)
            raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()


def test_sql_mode_prints_the_upgrade_and_downgrade_scripts(
    project: Project, petclinic_models: PetClinic
) -> None:
    petclinic_models.write_chain(project)

    up = project.ok("upgrade", "head", "--sql")
    script = up.stdout
    assert project.tables() == set() and project.versions() is None  # nothing ran

    assert re.search(r"CREATE TABLE alembic_version \(", script)
    for table in PetClinic.TABLES:
        assert re.search(rf"CREATE TABLE {table} \(", script), table
    assert re.search(r"FOREIGN KEY\s*\(owner_id\) REFERENCES owners \(owner_id\)", script)
    assert re.search(r"ALTER TABLE pets ADD (COLUMN )?age INTEGER", script)
    assert "UPDATE pets SET age = 0 WHERE age IS NULL;" in script
    assert "CREATE INDEX ix_pet_owner_id ON pets (owner_id);" in script
    assert "INSERT INTO alembic_version (version_num) VALUES ('aaa');" in script
    assert re.search(r"UPDATE alembic_version SET version_num='ccc' WHERE .*'bbb';", script)
    assert not re.search(r"^(INFO|Running)", script, re.M)  # progress is not in the script
    transactional = project.kind != "mariadb"
    assert (re.search(r"^BEGIN;$", script, re.M) is not None) is transactional
    assert (re.search(r"^COMMIT;$", script, re.M) is not None) is transactional
    if transactional:
        assert script.strip().startswith("BEGIN;") and script.strip().endswith("COMMIT;")
    # create the tables in dependency order
    assert script.index("CREATE TABLE owners") < script.index("CREATE TABLE pets")
    assert script.index("CREATE TABLE pets") < script.index("CREATE TABLE manipulation_facts")

    # the script does on the database what `upgrade head` does
    apply_script(project.url, project.kind, script)
    petclinic_models.assert_schema(project, age=True, index=True)
    assert project.versions() == {"ccc"}

    down = project.ok("downgrade", "head:base", "--sql").stdout
    assert "CREATE TABLE" not in down
    for table in PetClinic.TABLES:
        assert re.search(rf"DROP TABLE {table};", down), table
    assert re.search(r"DROP INDEX ix_pet_owner_id", down)
    assert re.search(r"ALTER TABLE pets DROP (COLUMN )?age;", down)
    assert re.search(r"DELETE FROM alembic_version WHERE .*'aaa';", down)
    assert (re.search(r"^BEGIN;$", down, re.M) is not None) is transactional
    assert (re.search(r"^COMMIT;$", down, re.M) is not None) is transactional
    assert down.index("DROP TABLE manipulation_facts") < down.index("DROP TABLE pets")
    assert down.index("DROP TABLE pets") < down.index("DROP TABLE owners")
    assert project.versions() == {"ccc"}  # --sql never touches the database

    if project.kind == "mariadb":
        # Offline, still cannot see that InnoDB dropped its own index for pets.owner_id when
        # ix_pet_owner_id was made, so DROP INDEX ix_pet_owner_id fails with error 1553 (online,
        # still puts the foreign key's index back in the same statement).  Alembic does the same.
        return
    apply_script(project.url, project.kind, down)
    assert project.tables() == set()
    assert project.versions() == set()


def test_sql_mode_downgrade_needs_a_starting_revision(
    project: Project, petclinic_models: PetClinic
) -> None:
    petclinic_models.write_chain(project)
    result = project.run("downgrade", "base", "--sql")
    assert result.exit_code != 0
    assert "head:base" in result.output and "Traceback" not in result.output


def test_sql_mode_end_to_end_keeps_stdout_for_sql(
    project: Project, petclinic_models: PetClinic
) -> None:
    """In a real process: stdout is the script, progress and logging go to stderr."""
    petclinic_models.write_initial(project)
    result = project.run_subprocess("upgrade", "head", "--sql")
    assert result.exit_code == 0, str(result)
    assert "CREATE TABLE owners" in result.stdout
    assert not re.search(r"^(INFO|Running)", result.stdout, re.M)  # only as a -- comment
    assert "Running upgrade <base> -> aaa" in result.stderr
    assert project.versions() is None


# -- steps 16, 17: -x sqlalchemy.url and SQLALCHEMY_URL ------------------------------------------


def test_url_from_x_argument_and_environment_variable(
    project: Project, petclinic_models: PetClinic, another_database
) -> None:
    petclinic_models.write_chain(project)
    by_x = project.url
    by_env = another_database()
    project.set_url(UNREACHABLE_URL)  # the ini names a database nothing answers at

    # the ini alone: the command fails, naming the (masked) unreachable database
    failed = project.run("current")
    assert failed.exit_code != 0
    assert "nobody:***@127.0.0.1:1/nowhere" in failed.output and ":pw@" not in failed.output
    # --sql needs no connection: only the ini URL's dialect (PostgreSQL) is used
    offline = project.ok("upgrade", "head", "--sql").stdout
    assert "CREATE TABLE owners" in offline and re.search(r"^BEGIN;$", offline, re.M)

    # -x sqlalchemy.url=... migrates that database
    project.ok("-x", f"sqlalchemy.url={by_x}", "upgrade", "head")
    petclinic_models.assert_schema(project, age=True, index=True)
    assert versions_of(by_x) == {"ccc"}
    assert tables_of(by_env) == set()

    # SQLALCHEMY_URL migrates the database it names, ahead of the ini
    project.ok("upgrade", "aaa", env={"SQLALCHEMY_URL": by_env})
    assert versions_of(by_env) == {"aaa"}
    assert tables_of(by_env) == set(PetClinic.TABLES) | {"alembic_version"}
    assert project.ok("current", env={"SQLALCHEMY_URL": by_env}).stdout.strip() == "aaa"

    # -x wins over SQLALCHEMY_URL
    project.ok("-x", f"sqlalchemy.url={by_x}", "downgrade", "bbb", env={"SQLALCHEMY_URL": by_env})
    assert versions_of(by_x) == {"bbb"}
    assert versions_of(by_env) == {"aaa"}
    out = project.ok("-x", f"sqlalchemy.url={by_x}", "current", env={"SQLALCHEMY_URL": by_env})
    assert out.stdout.strip() == "bbb"

    # and --sql takes the dialect from the overriding URL
    script = project.ok("-x", f"sqlalchemy.url={by_x}", "upgrade", "bbb:ccc", "--sql").stdout
    assert "CREATE INDEX ix_pet_owner_id ON pets (owner_id);" in script
    assert versions_of(by_x) == {"bbb"}


def test_environment_variable_in_a_real_process(
    project: Project, petclinic_models: PetClinic
) -> None:
    """CI: ``SQLALCHEMY_URL=... still upgrade head`` with the ini pointing elsewhere."""
    petclinic_models.write_chain(project)
    project.set_url(UNREACHABLE_URL)
    result = project.run_subprocess("upgrade", "head", env={"SQLALCHEMY_URL": project.url})
    assert result.exit_code == 0, str(result)
    petclinic_models.assert_schema(project, age=True, index=True)
    assert project.versions() == {"ccc"}


def test_seed_env_py_runs_the_workflow(project: Project, petclinic_models: PetClinic) -> None:
    """The tutorial's env.py (fileConfig, engine_from_config, literal_binds offline) as is."""
    project.use_seed_env()
    petclinic_models.write_chain(project)
    project.ok("upgrade", "bbb")
    assert project.versions() == {"bbb"}
    project.ok("upgrade", "head")
    petclinic_models.assert_schema(project, age=True, index=True)
    sql = project.ok("downgrade", "ccc:aaa", "--sql").stdout
    assert "ALTER TABLE pets DROP" in sql and "DROP INDEX ix_pet_owner_id" in sql
    project.ok("downgrade", "base")
    assert project.tables() == set() and project.versions() == set()
