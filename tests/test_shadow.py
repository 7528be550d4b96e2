"""The shadow database (docs/shadow.md): `check --shadow` and `revision --autogenerate --shadow`
compare the models with the schema the revisions build, replayed into a throw-away database, on
SQLite, PostgreSQL and MariaDB, while the developer's database is behind head.

Every test checks, after every shadow command it runs, that the developer's database is unchanged
(its whole schema as the server's catalogue states it, every row of every table, the version
table: tests/schema_snapshot.py) and that no working shadow database is left on the server.  The
database holds more than the revisions' tables (FURNISHINGS: a view, a check constraint, a server
default, a trigger, sequences, an enum, comments, another schema), so a command that touched any
of it would be seen.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Project, engine_for, versions_of
from tests.databases import required
from tests.schema_snapshot import Fingerprint, fingerprint

LOAD_MODELS = """
import runpy as _runpy
from pathlib import Path as _Path

target_metadata = _runpy.run_path(
    str(_Path(config.config_file_name).resolve().parent / "models.py")
)["Base"].metadata
"""

MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False)
    email = Column(String(100), nullable=True)


class Pet(Base):
    __tablename__ = "pets"
    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("owners.id"), nullable=True)
    name = Column(String(60), nullable=False, index=True)
{extra}
"""

REVISIONS = [
    (
        "r1",
        None,
        """
        op.create_table(
            "owners",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        """,
    ),
    (
        "r2",
        "r1",
        """
        op.create_table(
            "pets",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.id"), nullable=True),
            sa.Column("name", sa.String(60), nullable=False),
        )
        """,
    ),
    (
        "r3",
        "r2",
        """
        op.add_column("owners", sa.Column("email", sa.String(100), nullable=True))
        op.create_index("ix_pets_name", "pets", ["name"])
        """,
    ),
]


def write_models(project: Project, extra: str = "") -> None:
    (project.root / "models.py").write_text(MODELS.format(extra=extra))


def with_models(project: Project) -> None:
    """The shadow tests' project: env.py loads models.py, the revisions r1..r3, and models
    matching r3."""
    env = project.env_py.read_text()
    assert env.count("\ntarget_metadata = None\n") == 1
    project.env_py.write_text(env.replace("\ntarget_metadata = None\n", LOAD_MODELS))
    for rev, down, body in REVISIONS:
        project.write_revision(rev, down, body)
    write_models(project)


@pytest.fixture
def shadowed(project: Project) -> Iterator[Project]:
    """The project with three revisions and models matching them; its database at r1 with a
    row in it (behind head).  Every shadow database and cache is dropped afterwards."""
    with_models(project)
    project.ok("upgrade", "r1")
    project.execute("INSERT INTO owners (id, name) VALUES (1, 'Ada')")
    furnish(project)
    yield project
    project.dispose()
    project.run("shadow", "clean")


# What the user's database holds besides the revisions' tables, so that a shadow command that
# touched any of it would change the snapshot: a view, a server default, a trigger; on PostgreSQL
# also a sequence that has been used, an enum type, comments, a function, and a table with a check
# constraint and a row in another schema; on MariaDB a sequence.  None of it is a table of the
# default schema, a comment on one or a check constraint on one: `still adopt` compares the same
# schema as without it.
FURNISHINGS = {
    "sqlite": [
        "CREATE VIEW owner_names AS SELECT name FROM owners",
        "CREATE TRIGGER owners_named BEFORE INSERT ON owners WHEN NEW.name = '' "
        "BEGIN SELECT RAISE(ABORT, 'a name please'); END",
    ],
    "postgresql": [
        "ALTER TABLE owners ALTER COLUMN name SET DEFAULT 'nobody'",
        "CREATE VIEW owner_names AS SELECT name FROM owners",
        "COMMENT ON VIEW owner_names IS 'the names only'",
        "CREATE SEQUENCE tickets START 10",
        "SELECT nextval('tickets')",
        "CREATE TYPE mood AS ENUM ('calm', 'busy')",
        "CREATE SCHEMA side",
        "CREATE TABLE side.notes (id serial PRIMARY KEY, body text NOT NULL DEFAULT 'x', "
        "feeling mood, CONSTRAINT ck_notes_body CHECK (body <> ''))",
        "COMMENT ON COLUMN side.notes.body IS 'what was noted'",
        "INSERT INTO side.notes (body, feeling) VALUES ('kept', 'calm')",
        "CREATE FUNCTION side.no_empty_name() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF NEW.name = '' THEN RAISE EXCEPTION 'a name please'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER owners_named BEFORE INSERT ON owners "
        "FOR EACH ROW EXECUTE FUNCTION side.no_empty_name()",
    ],
    "mariadb": [
        "ALTER TABLE owners ALTER COLUMN name SET DEFAULT 'nobody'",
        "CREATE VIEW owner_names AS SELECT name FROM owners",
        "CREATE SEQUENCE tickets START WITH 10 NOCACHE",  # its state in its row
        "SELECT NEXTVAL(tickets)",
        "CREATE TRIGGER owners_named BEFORE INSERT ON owners FOR EACH ROW "
        "SET NEW.name = COALESCE(NEW.name, 'nobody')",
    ],
}


# A check constraint on owners (SQLite adds none to a table that exists): `still adopt` compares
# named check constraints, so the adopt tests' databases go without it.
CHECK = "ALTER TABLE owners ADD CONSTRAINT ck_owners_name CHECK (name <> '')"


def furnish(project: Project, check: bool = True) -> None:
    """Add FURNISHINGS (and CHECK, unless ``check`` is false) to the project's database, which
    has the owners table."""
    project.execute(*FURNISHINGS[project.kind])
    if check and project.kind != "sqlite":
        project.execute(CHECK)
    project.dispose()


# -- what must hold after every shadow command ---------------------------------------------------


def snapshot(project: Project) -> Fingerprint:
    """The developer's database as it stands: its whole schema as the catalogue states it and
    every row of every table, the version table and the ledger included (for SQLite the file's
    bytes too): tests/schema_snapshot.py."""
    project.dispose()
    return fingerprint(project.url)


def server_databases(project: Project) -> list[str]:
    """The names of the databases on the project's server (PostgreSQL, MariaDB)."""
    engine = engine_for(project.url)
    try:
        with engine.connect() as conn:
            if project.kind == "postgresql":
                return list(conn.execute(sa.text("SELECT datname FROM pg_database")).scalars())
            return list(conn.execute(sa.text("SHOW DATABASES")).scalars())
    finally:
        engine.dispose()


def working_databases(project: Project) -> list[str]:
    """This process's shadow databases (not the templates the cache keeps)."""
    from still.shadow.names import machine_tag

    mine = f"still_shadow_m{machine_tag()}_{os.getpid()}_"
    if project.kind == "sqlite":
        return [p.name for p in Path(tempfile.gettempdir()).glob(f"{mine}*")]
    return [n for n in server_databases(project) if n.startswith(mine)]


# Writes to the user's database (FURNISHINGS in it) and the part of the snapshot each must change.
# Most of them the snapshot before this one (reflected columns' names, types and nullability,
# indexes, foreign keys and rows of the default schema's tables) did not see.
CHANGES = {
    "sqlite": [
        ("UPDATE owners SET name = 'Ann'", "rows owners"),
        ("DROP TRIGGER owners_named", "sqlite_master"),
        ("CREATE VIEW pet_names AS SELECT 1 AS name", "sqlite_master"),
        ("PRAGMA user_version = 7", "user_version"),
    ],
    "postgresql": [
        ("ALTER TABLE owners ADD CONSTRAINT ck_owners_id CHECK (id > 0)", "constraints"),
        ("ALTER TABLE owners ADD CONSTRAINT uq_owners_name UNIQUE (name)", "constraints"),
        ("ALTER TABLE owners ALTER COLUMN name SET DEFAULT 'someone'", "columns"),
        ("COMMENT ON TABLE owners IS 'people'", "comments"),
        ("COMMENT ON COLUMN side.notes.body IS NULL", "comments"),
        ("SELECT nextval('tickets')", "rows public.tickets"),
        ("ALTER TYPE mood ADD VALUE 'sleepy'", "enum labels"),
        ("CREATE OR REPLACE VIEW owner_names AS SELECT name, id FROM owners", "views"),
        ("UPDATE side.notes SET body = 'changed'", "rows side.notes"),
        ("DROP TRIGGER owners_named ON owners", "triggers"),
        ("CREATE SCHEMA empty_one", "schemas"),
        ("ALTER DATABASE {database} SET synchronous_commit = off", "database settings"),
    ],
    "mariadb": [
        (
            "ALTER TABLE owners ADD CONSTRAINT ck_owners_long CHECK (name <> 'x')",
            "base table owners",
        ),
        ("ALTER TABLE owners ALTER COLUMN name SET DEFAULT 'someone'", "base table owners"),
        ("ALTER TABLE owners COMMENT = 'people'", "base table owners"),
        ("SELECT NEXTVAL(tickets)", "rows tickets"),
        ("CREATE OR REPLACE VIEW owner_names AS SELECT name, id FROM owners", "view owner_names"),
        ("DROP TRIGGER owners_named", "triggers"),
        ("ALTER DATABASE {database} CHARACTER SET latin1", "database"),
    ],
}


def test_the_snapshot_sees_every_change(shadowed: Project) -> None:
    """The comparison the other tests make can fail: each write to the user's database changes
    the snapshot, in the part that holds what was written."""
    database = sa.engine.make_url(shadowed.url).database
    before = snapshot(shadowed)
    assert snapshot(shadowed) == before  # reading it changes nothing
    for statement, part in CHANGES[shadowed.kind]:
        shadowed.execute(statement.format(database=database))
        after = snapshot(shadowed)
        changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        assert part in changed, (statement, changed)
        before = after


# -- check --shadow ------------------------------------------------------------------------------


def test_check_shadow_passes_and_fails_on_a_database_behind_head(shadowed: Project) -> None:
    before = snapshot(shadowed)

    plain = shadowed.run("check")  # the developer's database is at r1: check refuses
    assert plain.exit_code == 1 and "not at the head" in plain.output

    first = shadowed.run("check", "--shadow")
    assert first.exit_code == 0, str(first)
    assert "No new upgrade operations detected." in first.output
    assert "by replaying the revisions" in first.output
    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []

    second = shadowed.run("check", "--shadow")  # same revision files: the cache
    assert second.exit_code == 0, str(second)
    assert "from the cache" in second.output
    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []

    write_models(shadowed, extra="    age = Column(Integer, nullable=True)")
    differs = shadowed.run("check", "--shadow")
    assert differs.exit_code == 1
    assert "from the cache" in differs.output
    assert "age" in differs.output and "pets" in differs.output

    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []


def test_the_setting_makes_shadow_the_default(shadowed: Project) -> None:
    before = snapshot(shadowed)
    text = shadowed.ini.read_text()
    shadowed.ini.write_text(text.replace("[alembic]\n", "[alembic]\nautogenerate_shadow = true\n"))
    assert "shadow database" in shadowed.ok("check").output
    assert snapshot(shadowed) == before
    assert shadowed.run("check", "--no-shadow").exit_code == 1  # at r1: not at the head
    assert snapshot(shadowed) == before


def test_a_failing_revision_is_named_and_nothing_is_left(shadowed: Project) -> None:
    before = snapshot(shadowed)
    shadowed.write_revision("r4", "r3", 'op.execute("UPDATE no_such_table SET x = 1")')
    failed = shadowed.run("check", "--shadow")
    assert failed.exit_code == 5
    assert "shadow database" in failed.output and "r4" in failed.output
    assert working_databases(shadowed) == []
    assert snapshot(shadowed) == before


def test_env_py_that_ignores_the_url_is_stopped_before_anything_runs(shadowed: Project) -> None:
    before = snapshot(shadowed)
    env = shadowed.env_py.read_text()
    # env.py that connects to a URL of its own (not the configuration's): the developer's database
    shadowed.env_py.write_text(
        env.replace(
            "config.get_section(config.config_ini_section, {})",
            f'{{"sqlalchemy.url": {shadowed.url!r}}}',
        )
    )
    assert shadowed.url in shadowed.env_py.read_text()
    stopped = shadowed.run("check", "--shadow")
    assert stopped.exit_code == 1
    assert "not to the shadow database" in stopped.output
    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []


def _leave(project: Project, name: str) -> None:
    """A working database (or SQLite file) named ``name``, as a run killed outright leaves it."""
    if project.kind == "sqlite":
        (Path(tempfile.gettempdir()) / f"{name}.sqlite").touch()
        return
    engine = engine_for(project.url).execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    engine.dispose()


def test_shadow_clean_drops_what_a_killed_run_left(shadowed: Project) -> None:
    from still.shadow.names import machine_tag

    before = snapshot(shadowed)
    assert shadowed.ok("check", "--shadow")
    assert snapshot(shadowed) == before
    # a run killed outright (no finally): a working database of a process that is gone, made
    # on this machine (and one named as before machines were named: read as this machine's)
    dead = f"still_shadow_m{machine_tag()}_999999999_abcdef"
    untagged = "still_shadow_999999998_abcdef"
    _leave(shadowed, dead)
    _leave(shadowed, untagged)
    cleaned = shadowed.ok("shadow", "clean").output
    assert dead in cleaned and untagged in cleaned
    assert "shadow database(s) and cache(s) dropped" in cleaned
    assert snapshot(shadowed) == before
    if shadowed.kind != "sqlite":
        assert dead not in server_databases(shadowed)
        assert sa.engine.make_url(shadowed.url).database in server_databases(shadowed)
    again = shadowed.ok("check", "--shadow").output
    assert "by replaying the revisions" in again  # the cache went too
    assert snapshot(shadowed) == before


# env.py, edited: after the migrations it makes a table of its own (in the database it migrates)
ENV_MAKES_A_TABLE = """\
            context.run_migrations()
            connection.exec_driver_sql(
                "CREATE TABLE IF NOT EXISTS made_by_env (id INTEGER PRIMARY KEY)"
            )
"""


def test_an_edited_revision_or_env_py_is_replayed_not_taken_from_the_cache(
    shadowed: Project,
) -> None:
    """The cache is keyed by the bytes of the revision files and of env.py: an edit to a
    revision already in the cache (not a new one), or to env.py, makes the next build replay,
    and the schema compared is the edited one."""
    before = snapshot(shadowed)
    assert "by replaying the revisions" in shadowed.ok("check", "--shadow").output
    assert "from the cache" in shadowed.ok("check", "--shadow").output
    assert snapshot(shadowed) == before

    # r1, the first revision, makes owners with one more column (the models do not have it)
    r1 = next(shadowed.versions_dir.glob("r1_*.py"))
    column = 'sa.Column("name", sa.String(50), nullable=False),\n'
    assert r1.read_text().count(column) == 1
    r1.write_text(
        r1.read_text().replace(
            column, column + '        sa.Column("nickname", sa.String(20), nullable=True),\n'
        )
    )
    for how in ("by replaying the revisions", "from the cache"):  # the edit's build is cached
        edited = shadowed.run("check", "--shadow")
        assert edited.exit_code == 1, str(edited)
        assert how in edited.output
        assert "owners" in edited.output and "nickname" in edited.output
        assert snapshot(shadowed) == before
        assert working_databases(shadowed) == []

    # env.py (no revision file changed) makes a table after the migrations
    env = shadowed.env_py.read_text()
    assert env.count("            context.run_migrations()\n") == 1  # the online one
    shadowed.env_py.write_text(
        env.replace("            context.run_migrations()\n", ENV_MAKES_A_TABLE)
    )
    for how in ("by replaying the revisions", "from the cache"):
        built = shadowed.run("check", "--shadow")
        assert built.exit_code == 1, str(built)
        assert how in built.output
        assert "made_by_env" in built.output and "nickname" in built.output
        assert snapshot(shadowed) == before
        assert working_databases(shadowed) == []


# -- revision --autogenerate --shadow: the operations Alembic writes at head ---------------------


VISITS = """

class Visit(Base):
    __tablename__ = "visits"
    id = Column(Integer, primary_key=True)
    pet_id = Column(Integer, ForeignKey("pets.id"), nullable=False)
"""


def _normalised(call: ast.Call) -> str:
    """A call's source; a create_table's columns and constraints in name order (still may list
    the primary key before the foreign keys where Alembic lists it after: the same table)."""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "create_table":
        call.args = call.args[:1] + sorted(call.args[1:], key=ast.unparse)
    return ast.unparse(call)


def _operations(path: Path) -> dict[str, list[str]]:
    """The op.* calls of a revision file's upgrade() and downgrade(), as normalised source."""
    tree = ast.parse(path.read_text())
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade"):
            found[node.name] = [
                _normalised(call)
                for call in ast.walk(node)
                if isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and isinstance(call.func.value, ast.Name)
                and call.func.value.id in ("op", "batch_op")
            ]
    return found


def test_revision_shadow_writes_what_alembic_writes_at_head(
    shadowed: Project, another_database: Any, tmp_path: Path
) -> None:
    alembic_command = required("alembic.command")
    alembic_config = required("alembic.config")
    before = snapshot(shadowed)
    write_models(shadowed, extra="    age = Column(Integer, nullable=True)\n" + VISITS)

    # Alembic, on a copy of the project whose database is upgraded to head
    reference = tmp_path / "reference"
    shutil.copytree(
        shadowed.root, reference, ignore=shutil.ignore_patterns("__pycache__", "*.db", "*.sqlite")
    )
    at_head = another_database()
    text = (reference / "alembic.ini").read_text()
    (reference / "alembic.ini").write_text(text.replace(shadowed.url, at_head))
    cwd = Path.cwd()
    os.chdir(reference)
    try:
        config = alembic_config.Config(str(reference / "alembic.ini"))
        alembic_command.upgrade(config, "head")
        alembic_command.revision(config, message="more", autogenerate=True, rev_id="alembic1")
    finally:
        os.chdir(cwd)
    expected = _operations(next((reference / "migrations" / "versions").glob("alembic1_*.py")))

    made = shadowed.run(
        "revision", "--autogenerate", "--shadow", "-m", "more", "--rev-id", "still1"
    )
    assert made.exit_code == 0, str(made)
    assert snapshot(shadowed) == before
    written = next(shadowed.versions_dir.glob("still1_*.py"))
    assert _operations(written) == expected
    assert expected["upgrade"], "the reference found nothing: the test would prove nothing"

    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []


def test_no_developer_database_is_needed(shadowed: Project, tmp_path: Path) -> None:
    """SQLite: no database file at all; PostgreSQL and MariaDB: the server, not the database."""
    before = snapshot(shadowed)  # the database the project had, on the same server
    url = sa.engine.make_url(shadowed.url)
    if shadowed.kind == "sqlite":
        missing = tmp_path / "nowhere" / "dev.db"  # its directory does not exist either
        shadowed.set_url(url.set(database=str(missing)).render_as_string(hide_password=False))
    else:
        assert "still_no_such_db" not in server_databases(shadowed)
        shadowed.set_url(url.set(database="still_no_such_db").render_as_string(hide_password=False))
    checked = shadowed.run("check", "--shadow")
    assert checked.exit_code == 0, str(checked)
    if shadowed.kind == "sqlite":
        assert not missing.parent.exists()
    else:
        assert "still_no_such_db" not in server_databases(shadowed)  # not made either
    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []


# -- around it: interrupted runs, async env.py, privileges, include_schemas, shadow_url -----------


def test_ctrl_c_during_the_replay_drops_the_shadow_database(shadowed: Project) -> None:
    from still import command
    from still.config import Config

    before = snapshot(shadowed)
    shadowed.write_revision("r4", "r3", "raise KeyboardInterrupt")
    with pytest.raises(KeyboardInterrupt):
        command.check(Config(str(shadowed.ini)), shadow=True)
    assert working_databases(shadowed) == []
    assert snapshot(shadowed) == before


ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "mariadb": "mysql+aiomysql",
}


def make_async(project: Project) -> None:
    """``project`` again from the async template, on its database through an async driver."""
    required({"sqlite": "aiosqlite", "postgresql": "asyncpg", "mariadb": "aiomysql"}[project.kind])
    url = sa.engine.make_url(project.url).set(drivername=ASYNC_DRIVERS[project.kind])
    shutil.rmtree(project.root / "migrations")
    project.ini.unlink()
    project.ok("init", "-t", "async", "migrations")
    project.set_url(url.render_as_string(hide_password=False))


def test_an_async_env_py(project: Project) -> None:
    make_async(project)
    with_models(project)
    try:
        project.ok("upgrade", "r1")
        project.execute("INSERT INTO owners (id, name) VALUES (1, 'Ada')")
        furnish(project)
        before = snapshot(project)
        first = project.run("check", "--shadow")
        assert first.exit_code == 0, str(first)
        assert snapshot(project) == before
        second = project.run("check", "--shadow")
        assert second.exit_code == 0 and "from the cache" in second.output, str(second)
        assert snapshot(project) == before
        write_models(project, extra="    age = Column(Integer, nullable=True)")
        differs = project.run("check", "--shadow")
        assert differs.exit_code == 1 and "age" in differs.output, str(differs)
        assert snapshot(project) == before
        assert working_databases(project) == []
    finally:
        project.run("shadow", "clean")


@pytest.fixture
def unprivileged(shadowed: Project) -> Iterator[str]:
    """A user of the project's server that may use the project's database but create none."""
    user = f"still_np_{os.getpid()}"
    admin = engine_for(shadowed.url).execution_options(isolation_level="AUTOCOMMIT")
    database = sa.engine.make_url(shadowed.url).database
    with admin.connect() as conn:
        if shadowed.kind == "postgresql":
            conn.execute(sa.text(f"CREATE ROLE {user} LOGIN NOCREATEDB"))
        else:
            conn.execute(sa.text(f"CREATE USER '{user}'@'%'"))
            conn.execute(sa.text(f"GRANT ALL PRIVILEGES ON `{database}`.* TO '{user}'@'%'"))
    try:
        yield user
    finally:
        with admin.connect() as conn:
            if shadowed.kind == "postgresql":
                conn.execute(sa.text(f"DROP ROLE IF EXISTS {user}"))
            else:
                conn.execute(sa.text(f"DROP USER IF EXISTS '{user}'@'%'"))
        admin.dispose()


# SQLite has no privileges: its shadow database is a temporary file
@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
def test_a_user_who_may_not_create_databases_is_told_which_privilege(
    shadowed: Project, unprivileged: str
) -> None:
    user = unprivileged
    before = snapshot(shadowed)
    url = sa.engine.make_url(shadowed.url).set(username=user)
    shadowed.set_url(url.render_as_string(hide_password=False))
    refused = shadowed.run("check", "--shadow")
    assert refused.exit_code == 1
    assert "could not create the shadow database" in refused.output
    assert (
        "CREATEDB" if shadowed.kind == "postgresql" else "GRANT ALL PRIVILEGES"
    ) in refused.output
    assert "shadow_url" in refused.output
    assert "Traceback" not in refused.output
    shadowed.set_url(shadowed.url)
    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []


def test_shadow_url_names_the_server(shadowed: Project) -> None:
    """The project's URL answers nothing; shadow_url's server makes the shadow database."""
    before = snapshot(shadowed)
    text = shadowed.ini.read_text().replace(
        shadowed.url, "postgresql+psycopg://nobody@127.0.0.1:1/x"
    )
    shadowed.ini.write_text(
        text.replace("[alembic]\n", f"[alembic]\nshadow_url = {shadowed.url}\n")
    )
    checked = shadowed.run("check", "--shadow")
    assert checked.exit_code == 0, str(checked)
    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # schemas in one database
def test_include_schemas_on_postgresql(shadowed: Project) -> None:
    shadowed.configure_with("include_schemas=True")
    shadowed.write_revision(
        "r4",
        "r3",
        """
        op.execute("CREATE SCHEMA extra")
        op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True), schema="extra")
        """,
    )
    notes = (
        '\n\nclass Note(Base):\n    __tablename__ = "notes"\n'
        '    __table_args__ = {"schema": "extra"}\n    id = Column(Integer, primary_key=True)\n'
    )
    write_models(shadowed, extra=notes)
    before = snapshot(shadowed)
    for _ in range(2):  # built, then from the template
        checked = shadowed.run("check", "--shadow")
        assert checked.exit_code == 0, str(checked)
        assert snapshot(shadowed) == before
    write_models(shadowed, extra=notes + "    text = Column(String(10))\n")
    differs = shadowed.run("check", "--shadow")
    assert differs.exit_code == 1 and "extra.notes" in differs.output, str(differs)
    assert snapshot(shadowed) == before


def test_two_heads_are_built_together(shadowed: Project) -> None:
    """A branch: the shadow database stands at both heads, as a database upgraded to `heads`."""
    shadowed.write_revision(
        "b1",
        "r2",
        'op.create_table("toys", sa.Column("id", sa.Integer, primary_key=True))',
    )
    toys = (
        '\n\nclass Toy(Base):\n    __tablename__ = "toys"\n'
        "    id = Column(Integer, primary_key=True)\n"
    )
    write_models(shadowed, extra=toys)
    before = snapshot(shadowed)
    checked = shadowed.run("check", "--shadow")
    assert checked.exit_code == 0, str(checked)
    assert "b1" in checked.output and "r3" in checked.output
    assert snapshot(shadowed) == before
    made = shadowed.run(
        "revision", "--autogenerate", "--shadow", "--head", "b1", "-m", "on b1", "--rev-id", "b2"
    )
    assert made.exit_code == 0, str(made)
    ops = _operations(next(shadowed.versions_dir.glob("b2_*.py")))
    # at b1 the owners have no email and the pets no index: r3's changes, written again
    assert any("add_column('owners'" in op for op in ops["upgrade"]), ops
    assert any("create_index" in op for op in ops["upgrade"]), ops
    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []


# -- adopt: the user's database compared with the schema at each revision ----------------------


# r4 changes no schema (a data step): a database at r3 or r4 has the schema of both
DATA_STEP = ("r4", "r3", "op.execute('DELETE FROM owners WHERE 1 = 0')")


@pytest.fixture
def adoptable(project: Project) -> Iterator[Project]:
    """The project with four revisions (r4 a data step) and no models; its database empty."""
    for rev, down, body in [*REVISIONS, DATA_STEP]:
        project.write_revision(rev, down, body)
    yield project
    project.dispose()
    project.run("shadow", "clean")


def _lose_the_version_table(project: Project, revision: str) -> None:
    """The database upgraded to ``revision``, with rows and FURNISHINGS, then its version table
    dropped (the ledger stays)."""
    project.ok("upgrade", revision)
    project.execute("INSERT INTO owners (id, name) VALUES (1, 'Ada')")
    if revision != "r1":
        project.execute("INSERT INTO pets (id, owner_id, name) VALUES (1, 1, 'Rex')")
    furnish(project, check=False)
    project.execute("DROP TABLE alembic_version")
    project.dispose()


def test_adopt_after_the_version_table_was_lost_leaves_the_database_alone(
    adoptable: Project,
) -> None:
    _lose_the_version_table(adoptable, "r1")
    before = snapshot(adoptable)
    found = adoptable.ok("adopt")
    assert "The database's schema is the schema at r1." in found.output
    assert snapshot(adoptable) == before
    document = json.loads(adoptable.ok("adopt", "--json").stdout)
    assert document["outcome"] == "match"
    assert document["matches"] == [{"heads": ["r1"], "differences": []}]
    assert snapshot(adoptable) == before
    assert working_databases(adoptable) == []

    # a column added by hand: no revision's schema; --stamp refuses and writes nothing
    adoptable.execute("ALTER TABLE owners ADD COLUMN nickname VARCHAR(20)")
    before = snapshot(adoptable)
    closest = adoptable.ok("adopt")
    assert "No revision's schema is the database's. Closest: r1, 1 difference:" in closest.output
    assert snapshot(adoptable) == before
    refused = adoptable.run("adopt", "--stamp")
    assert refused.exit_code == 1 and "nothing was written" in refused.output
    assert snapshot(adoptable) == before
    assert working_databases(adoptable) == []


def test_adopt_between_two_revisions_with_one_schema_leaves_the_database_alone(
    adoptable: Project,
) -> None:
    _lose_the_version_table(adoptable, "r4")
    before = snapshot(adoptable)
    report = adoptable.ok("adopt")
    assert "schema at each of r3, r4" in report.output and "does not guess" in report.output
    assert snapshot(adoptable) == before
    refused = adoptable.run("adopt", "--stamp")
    assert refused.exit_code == 1, str(refused)
    assert snapshot(adoptable) == before
    document = json.loads(adoptable.ok("adopt", "--json").stdout)
    assert document["outcome"] == "ambiguous"
    assert [m["heads"] for m in document["matches"]] == [["r3"], ["r4"]]
    assert snapshot(adoptable) == before
    assert working_databases(adoptable) == []


# -- what a build skips (a throw-away database is nobody else's) ----------------------------------


def test_a_build_takes_no_lock_and_hands_out_no_setting_of_its_own(project: Project) -> None:
    from still import command
    from still.config import Config
    from still.shadow.names import TEMPLATE_PREFIX, project_key
    from still.testing.clones import Clones

    for rev, down, body in REVISIONS:
        project.write_revision(rev, down, body)
    config = Config(str(project.ini))
    config.set_main_option("sqlalchemy.url", project.url.replace("%", "%%"))
    locking: list[bool] = []
    config.hooks.listeners.append(
        lambda context: locking.append(context._option("migration_lock", True))
    )
    clones = Clones(config)
    before = snapshot(project)  # SQLite: no file (and none is made)
    try:
        first = clones.clone()
        assert not first.from_cache and locking == [False]  # the replay took no lock
        assert config.get_alembic_option("migration_lock") is None  # the setting is put back
        second = clones.clone()
        assert second.from_cache
        for database in (first, second):
            assert versions_of(database.url) == {"r3"}
        if project.kind == "postgresql":  # the build's synchronous_commit = off stays its own
            names = [sa.engine.make_url(d.url).database for d in (first, second)]
            template = f"{TEMPLATE_PREFIX}{project_key(clones.script)}_"
            engine = engine_for(project.url)
            try:
                with engine.connect() as conn:
                    settings = conn.execute(
                        sa.text(
                            "SELECT d.datname, s.setconfig FROM pg_db_role_setting s "
                            "JOIN pg_database d ON d.oid = s.setdatabase "
                            "WHERE d.datname IN (:a, :b) OR starts_with(d.datname, :t)"
                        ),
                        {"a": names[0], "b": names[1], "t": template},
                    ).all()
            finally:
                engine.dispose()
            assert settings == []
    finally:
        clones.drop_all()
        project.dispose()
        project.run("shadow", "clean")
    assert snapshot(project) == before
    command.upgrade(config, "head")  # the project's own upgrade takes the lock as before
    assert locking[-1] is True


def test_a_view_made_by_a_revision_is_in_every_clone(project: Project) -> None:
    """MySQL/MariaDB's cache is the tables' DDL: a schema with a view is not cached (each build
    replays), so no clone lacks what the revisions made. PostgreSQL and SQLite copy it whole."""
    from still.config import Config
    from still.testing.clones import Clones

    project.write_revision("v1", None, 'op.create_table("pets", sa.Column("id", sa.Integer))')
    project.write_revision("v2", "v1", 'op.execute("CREATE VIEW pet_ids AS SELECT id FROM pets")')
    config = Config(str(project.ini))
    config.set_main_option("sqlalchemy.url", project.url.replace("%", "%%"))
    clones = Clones(config)
    before = snapshot(project)
    try:
        first, second = clones.clone(), clones.clone()
        assert snapshot(project) == before
        assert second.from_cache is (project.kind != "mariadb")
        for database in (first, second):
            engine = engine_for(database.url)
            try:
                assert sa.inspect(engine).get_view_names() == ["pet_ids"], database
            finally:
                engine.dispose()
    finally:
        clones.drop_all()
        project.dispose()
        project.run("shadow", "clean")


def test_shadow_clean_leaves_another_machines_database_alone(shadowed: Project) -> None:
    """A process id means something only where it was given: on a shared server, a database
    another machine's run made is never dropped as left behind (its run may be going on)."""
    from still.shadow.names import machine_tag

    other = "00000000" if machine_tag() != "00000000" else "11111111"
    elsewhere = f"still_shadow_m{other}_999999999_abcdef"
    _leave(shadowed, elsewhere)
    before = snapshot(shadowed)
    try:
        cleaned = shadowed.ok("shadow", "clean").output
        assert elsewhere not in cleaned
        assert snapshot(shadowed) == before
        if shadowed.kind == "sqlite":
            assert (Path(tempfile.gettempdir()) / f"{elsewhere}.sqlite").exists()
        else:
            assert elsewhere in server_databases(shadowed)
    finally:
        if shadowed.kind == "sqlite":
            (Path(tempfile.gettempdir()) / f"{elsewhere}.sqlite").unlink(missing_ok=True)
        else:
            engine = engine_for(shadowed.url).execution_options(isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {elsewhere}"))
            engine.dispose()
