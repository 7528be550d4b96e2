"""``upgrade --sql --shadow`` (issue 19, parts 5 and 6 offline): revisions that read the database
(``sa.inspect(op.get_bind())``, ``op.schema()``, a batch rebuild) are written as a script whose
reads a shadow database answers, kept in step with the script, on SQLite, PostgreSQL and MariaDB.

The script, run on an empty database, must leave what an online ``upgrade head`` leaves; the
developer's database is never touched and no shadow database is left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from still.config import Config
from tests.conftest import Project, tables_of
from tests.test_shadow import snapshot, working_databases
from tests.test_workflow import apply_script

# r2 asks the database which tables and columns exist (as data-repair revisions do); the owners
# table r1 made must be seen, and so must the column r2 adds itself before its second question.
R2 = """
tables = sa.inspect(op.get_bind()).get_table_names()
if "owners" not in tables:
    op.create_table("owners", sa.Column("id", sa.Integer, primary_key=True))
if "pets" not in tables:
    op.create_table(
        "pets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.id")),
        sa.Column("name", sa.String(50)),
    )
op.add_column("owners", sa.Column("email", sa.String(100)))
columns = [c["name"] for c in sa.inspect(op.get_bind()).get_columns("owners")]
assert "email" in columns, columns
if "nickname" not in columns:
    op.add_column("owners", sa.Column("nickname", sa.String(30)))
"""

# r3: a data step on the tables as they are at r3 (op.schema()), not on today's models
R3 = """
tables = op.schema("owners", "pets").tables
owners, pets = tables["owners"], tables["pets"]
assert sorted(owners.c.keys()) == ["email", "id", "name", "nickname"], owners.c.keys()
op.bulk_insert(owners, [{"id": 1, "name": "Ada", "email": "ada@example.com", "nickname": "A"}])
op.bulk_insert(
    pets, [{"id": 1, "owner_id": 1, "name": "Rex"}, {"id": 2, "owner_id": None, "name": "Tom"}]
)
op.execute(pets.update().where(pets.c.name == "Rex").values(name="Rex II"))
# rows: online the database's; with --sql --shadow the shadow database's (what the script put)
assert op.get_bind().execute(sa.text("SELECT count(*) FROM owners")).scalar() == 1
"""

# r4: batch mode; SQLite rebuilds the table, reading its definition from the shadow database
R4 = """
with op.batch_alter_table("pets") as batch_op:
    batch_op.alter_column("name", existing_type=sa.String(50), nullable=False)
"""

# the downgrades ask too
D2 = """
if "nickname" in [c["name"] for c in sa.inspect(op.get_bind()).get_columns("owners")]:
    op.drop_column("owners", "nickname")
op.drop_column("owners", "email")
op.drop_table("pets")
"""


def _revisions(project: Project) -> None:
    project.write_revision(
        "r1",
        None,
        'op.create_table("owners", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("name", sa.String(50)))',
        'op.drop_table("owners")',
    )
    project.write_revision("r2", "r1", R2, D2)
    project.write_revision("r3", "r2", R3, "op.execute('DELETE FROM pets')")
    project.write_revision(
        "r4",
        "r3",
        R4,
        'with op.batch_alter_table("pets") as batch_op:\n'
        '    batch_op.alter_column("name", existing_type=sa.String(50), nullable=True)',
    )


def _state(url: str, root: Path) -> tuple[object, object, object]:
    other = Project(root, url)
    try:
        return (
            other.schema(),
            other.rows("SELECT id, name, email, nickname FROM owners ORDER BY id"),
            other.rows("SELECT id, owner_id, name FROM pets ORDER BY id"),
        )
    finally:
        other.dispose()


def test_the_script_reads_the_shadow_and_gives_the_online_schema(
    project: Project, another_database: Callable[[], str]
) -> None:
    _revisions(project)
    project.ok("upgrade", "r1")
    project.execute("INSERT INTO owners (id, name) VALUES (7, 'Mine')")
    before = snapshot(project)

    made = project.run("upgrade", "--sql", "--shadow", "head")
    assert made.exit_code == 0, str(made)
    script = made.stdout
    assert "read an empty shadow database" in made.stderr
    assert script.count("CREATE TABLE owners") == 1  # r2 saw r1's table
    assert script.count("CREATE TABLE pets") == 1
    assert "nickname" in script  # r2 saw the column it had just added, and added the next
    assert "Rex II" in script
    assert snapshot(project) == before
    assert working_databases(project) == []

    # the differential: the script on an empty database, and an online upgrade on another
    offline, online = another_database(), another_database()
    apply_script(offline, project.kind, script)
    upgraded = project.run("upgrade", "head", env={"SQLALCHEMY_URL": online})
    assert upgraded.exit_code == 0, str(upgraded)
    assert _state(offline, project.root) == _state(online, project.root)
    assert _state(online, project.root)[2] == [(1, 1, "Rex II"), (2, None, "Tom")]

    # from a revision (a range): the shadow database is built at r1, then from the cache
    for _ in range(2):
        ranged = project.run("upgrade", "--sql", "--shadow", "r1:head")
        assert ranged.exit_code == 0, str(ranged)
        assert "CREATE TABLE owners" not in ranged.stdout
        assert ranged.stdout.count("CREATE TABLE pets") == 1
    assert "at r1, built from the cache" in ranged.stderr

    # and down again: the downgrades read the shadow database too
    down = project.run("downgrade", "--sql", "--shadow", "head:base")
    assert down.exit_code == 0, str(down)
    assert "DROP COLUMN nickname" in down.stdout.replace('"', "").replace("`", "")
    apply_script(offline, project.kind, down.stdout)
    assert tables_of(offline) - {"alembic_version"} == set()

    assert snapshot(project) == before
    assert working_databases(project) == []
    project.run("shadow", "clean")


def test_without_shadow_the_revision_is_named_and_shadow_suggested(project: Project) -> None:
    _revisions(project)
    before = snapshot(project)
    failed = project.run("upgrade", "--sql", "head")
    assert failed.exit_code == 5
    assert "r2_step_r2.py" in failed.output and "sa.inspect(op.get_bind())" in failed.output
    assert "--shadow" in failed.output
    assert "rolled back" not in failed.output  # nothing ran anywhere
    assert "Traceback" not in failed.output
    assert snapshot(project) == before


def test_shadow_without_sql_is_refused(project: Project) -> None:
    _revisions(project)
    for args in (("upgrade", "head", "--shadow"), ("upgrade", "head", "--plan", "--shadow")):
        refused = project.run(*args)
        assert refused.exit_code == 1
        assert "--shadow goes with --sql" in refused.output
    assert project.tables() == set()


def test_the_setting_makes_shadow_the_default_for_sql(project: Project) -> None:
    _revisions(project)
    text = project.ini.read_text()
    project.ini.write_text(text.replace("[alembic]\n", "[alembic]\nsql_shadow = true\n"))
    assert project.ok("upgrade", "--sql", "head").stdout.count("CREATE TABLE pets") == 1
    assert project.run("upgrade", "--sql", "--no-shadow", "head").exit_code == 5
    project.ok("upgrade", "head")  # online runs ignore it
    assert project.tables() == {"owners", "pets"}
    assert working_databases(project) == []
    project.run("shadow", "clean")


def test_a_write_through_the_bind_is_refused(project: Project) -> None:
    """What a migration writes through op.get_bind() would be missing from the script."""
    _revisions(project)
    project.write_revision(
        "r5", "r4", "op.get_bind().execute(sa.text(\"UPDATE owners SET name = 'x'\"))"
    )
    before = snapshot(project)
    refused = project.run("upgrade", "--sql", "--shadow", "head")
    assert refused.exit_code == 5
    assert "r5_step_r5.py" in refused.output
    assert "op.execute(" in refused.output and "missing from the script" in refused.output
    assert snapshot(project) == before
    assert working_databases(project) == []
    project.run("shadow", "clean")


def test_a_statement_the_shadow_refuses_stops_the_script(project: Project) -> None:
    _revisions(project)
    project.write_revision("r5", "r4", 'op.drop_table("no_such_table")')
    refused = project.run("upgrade", "--sql", "--shadow", "head")
    assert refused.exit_code == 5
    assert "r5_step_r5.py" in refused.output and "no_such_table" in refused.output
    assert "would fail here on a database at that revision too" in refused.output
    assert working_databases(project) == []
    project.run("shadow", "clean")


def test_ctrl_c_drops_the_shadow_database(project: Project) -> None:
    from still import command

    _revisions(project)
    project.write_revision("r5", "r4", "raise KeyboardInterrupt")
    before = snapshot(project)
    with pytest.raises(KeyboardInterrupt):
        command.upgrade(Config(str(project.ini)), "head", sql=True, shadow=True)
    assert working_databases(project) == []
    assert snapshot(project) == before
    project.run("shadow", "clean")


def test_a_data_statement_the_shadow_refuses_is_a_note(project: Project) -> None:
    """A row that refers to a row only the real database has: the shadow database cannot take
    it (a foreign key, where enforced), the script keeps it and goes on."""
    _revisions(project)
    project.write_revision(
        "r5", "r4", "op.execute(\"INSERT INTO pets (id, owner_id, name) VALUES (9, 99, 'Lost')\")"
    )
    made = project.run("upgrade", "--sql", "--shadow", "head")
    assert made.exit_code == 0, str(made)
    assert "VALUES (9, 99, 'Lost')" in made.stdout
    assert "r4" in made.stdout.split("VALUES (9, 99, 'Lost')")[1]  # and the script went on
    if project.kind != "sqlite":  # SQLite does not enforce foreign keys unless asked
        assert "could not run a data statement" in made.stderr, str(made)
    assert working_databases(project) == []
    project.run("shadow", "clean")


def test_an_async_env_py(project: Project) -> None:
    from tests.test_shadow import make_async

    make_async(project)
    _revisions(project)
    try:
        before = snapshot(project)
        made = project.run("upgrade", "--sql", "--shadow", "head")
        assert made.exit_code == 0, str(made)
        assert made.stdout.count("CREATE TABLE pets") == 1 and "nickname" in made.stdout
        assert snapshot(project) == before
        assert working_databases(project) == []
    finally:
        project.run("shadow", "clean")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # env.py's shape, not a database's
def test_an_env_py_writing_several_scripts_is_refused(project: Project) -> None:
    _revisions(project)
    env = project.env_py.read_text()
    assert env.count("\n    run_migrations_offline()\n") == 1
    # as the multidb template does: one context.configure() and run per database
    project.env_py.write_text(
        env.replace(
            "\n    run_migrations_offline()\n",
            "\n    run_migrations_offline()\n    run_migrations_offline()\n",
        )
    )
    refused = project.run("upgrade", "--sql", "--shadow", "head")
    assert refused.exit_code == 1
    assert "several databases" in refused.output and "Traceback" not in refused.output
    assert working_databases(project) == []
    assert project.run("upgrade", "--sql", "head").exit_code == 5  # r2 reads: needs --shadow


@pytest.mark.parametrize(
    ("sql", "dialect", "kind"),
    [
        ("SELECT id FROM pets WHERE name = 'x'", "postgresql", "read"),
        ("WITH t AS (SELECT 1) SELECT * FROM t", "postgresql", "read"),
        ("WITH moved AS (DELETE FROM pets RETURNING id) SELECT * FROM moved", "postgresql", "data"),
        ("SHOW CREATE TABLE `pets`", "mysql", "read"),
        ("PRAGMA table_info('pets')", "sqlite", "read"),
        ("UPDATE pets SET age = 0", "sqlite", "data"),
        ("INSERT INTO species (id, name) VALUES (1, 'cat')", "mysql", "data"),
        ("CREATE TABLE t (id INTEGER)", "postgresql", "schema"),
        ("ALTER TABLE pets ADD COLUMN age INTEGER", "mysql", "schema"),
        ("DROP TABLE pets", "sqlite", "schema"),
        ("this is not sql at all ((", "postgresql", "schema"),
    ],
)
def test_statements_are_read_with_sqlglot(sql: str, dialect: str, kind: str) -> None:
    """What a migration sends through op.get_bind() in a --sql --shadow run: reads pass, the
    rest is stopped; what cannot be read counts as a schema change (the cautious answer)."""
    from still.script.destructive_sql import statement_kind

    assert statement_kind(sql, dialect) == kind
