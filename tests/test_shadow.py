"""The shadow database (docs/shadow.md): `check --shadow` and `revision --autogenerate --shadow`
compare the models with the schema the revisions build, replayed into a throw-away database, on
SQLite, PostgreSQL and MariaDB, while the developer's database is behind head.

Every test checks that the developer's database is unchanged (schema, rows, version table) and
that no working shadow database is left on the server.
"""

from __future__ import annotations

import ast
import hashlib
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


def _write_models(project: Project, extra: str = "") -> None:
    (project.root / "models.py").write_text(MODELS.format(extra=extra))


@pytest.fixture
def shadowed(project: Project) -> Iterator[Project]:
    """The project with three revisions and models matching them; its database at r1 with a
    row in it (behind head).  Every shadow database and cache is dropped afterwards."""
    env = project.env_py.read_text()
    project.env_py.write_text(env.replace("\ntarget_metadata = None\n", LOAD_MODELS))
    for rev, down, body in REVISIONS:
        project.write_revision(rev, down, body)
    _write_models(project)
    project.ok("upgrade", "r1")
    project.execute("INSERT INTO owners (id, name) VALUES (1, 'Ada')")
    yield project
    project.dispose()
    project.run("shadow", "clean")


# -- what must hold after every shadow command ---------------------------------------------------


def snapshot(project: Project) -> Any:
    """The developer's database as it stands: for SQLite its file's bytes; elsewhere every
    table's reflected definition and rows (the version table and the ledger included)."""
    project.dispose()
    if project.kind == "sqlite":
        path = Path(sa.engine.make_url(project.url).database or "")
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "no file"
    engine = engine_for(project.url)
    try:
        inspector = sa.inspect(engine)
        state: dict[str, Any] = {}
        with engine.connect() as conn:
            for table in sorted(inspector.get_table_names()):
                state[table] = (
                    [
                        (c["name"], str(c["type"]), c["nullable"])
                        for c in inspector.get_columns(table)
                    ],
                    inspector.get_indexes(table),
                    inspector.get_foreign_keys(table),
                    sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {table}")))),
                )
        return state
    finally:
        engine.dispose()


def working_databases(project: Project) -> list[str]:
    """This process's shadow databases (not the templates the cache keeps)."""
    from still.shadow.names import machine_tag

    mine = f"still_shadow_m{machine_tag()}_{os.getpid()}_"
    if project.kind == "sqlite":
        return [p.name for p in Path(tempfile.gettempdir()).glob(f"{mine}*")]
    engine = engine_for(project.url)
    try:
        with engine.connect() as conn:
            if project.kind == "postgresql":
                names = conn.execute(sa.text("SELECT datname FROM pg_database")).scalars()
            else:
                names = conn.execute(sa.text("SHOW DATABASES")).scalars()
            return [n for n in names if n.startswith(mine)]
    finally:
        engine.dispose()


# -- check --shadow ------------------------------------------------------------------------------


def test_check_shadow_passes_and_fails_on_a_database_behind_head(shadowed: Project) -> None:
    before = snapshot(shadowed)

    plain = shadowed.run("check")  # the developer's database is at r1: check refuses
    assert plain.exit_code == 1 and "not at the head" in plain.output

    first = shadowed.run("check", "--shadow")
    assert first.exit_code == 0, str(first)
    assert "No new upgrade operations detected." in first.output
    assert "by replaying the revisions" in first.output
    assert working_databases(shadowed) == []

    second = shadowed.run("check", "--shadow")  # same revision files: the cache
    assert second.exit_code == 0, str(second)
    assert "from the cache" in second.output
    assert working_databases(shadowed) == []

    _write_models(shadowed, extra="    age = Column(Integer, nullable=True)")
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

    assert shadowed.ok("check", "--shadow")
    # a run killed outright (no finally): a working database of a process that is gone, made
    # on this machine (and one named as before machines were named: read as this machine's)
    dead = f"still_shadow_m{machine_tag()}_999999999_abcdef"
    untagged = "still_shadow_999999998_abcdef"
    _leave(shadowed, dead)
    _leave(shadowed, untagged)
    cleaned = shadowed.ok("shadow", "clean").output
    assert dead in cleaned and untagged in cleaned
    assert "shadow database(s) and cache(s) dropped" in cleaned
    again = shadowed.ok("check", "--shadow").output
    assert "by replaying the revisions" in again  # the cache went too


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
    _write_models(shadowed, extra="    age = Column(Integer, nullable=True)\n" + VISITS)

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
    written = next(shadowed.versions_dir.glob("still1_*.py"))
    assert _operations(written) == expected
    assert expected["upgrade"], "the reference found nothing: the test would prove nothing"

    assert snapshot(shadowed) == before
    assert working_databases(shadowed) == []


def test_no_developer_database_is_needed(shadowed: Project, tmp_path: Path) -> None:
    """SQLite: no database file at all; PostgreSQL and MariaDB: the server, not the database."""
    url = sa.engine.make_url(shadowed.url)
    if shadowed.kind == "sqlite":
        missing = tmp_path / "nowhere" / "dev.db"  # its directory does not exist either
        shadowed.set_url(url.set(database=str(missing)).render_as_string(hide_password=False))
    else:
        shadowed.set_url(url.set(database="still_no_such_db").render_as_string(hide_password=False))
    checked = shadowed.run("check", "--shadow")
    assert checked.exit_code == 0, str(checked)
    if shadowed.kind == "sqlite":
        assert not missing.parent.exists()
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
    env = project.env_py.read_text()
    assert env.count("\ntarget_metadata = None\n") == 1
    project.env_py.write_text(env.replace("\ntarget_metadata = None\n", LOAD_MODELS))
    for rev, down, body in REVISIONS:
        project.write_revision(rev, down, body)
    _write_models(project)
    try:
        before = snapshot(project)
        first = project.run("check", "--shadow")
        assert first.exit_code == 0, str(first)
        second = project.run("check", "--shadow")
        assert second.exit_code == 0 and "from the cache" in second.output, str(second)
        _write_models(project, extra="    age = Column(Integer, nullable=True)")
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
    _write_models(shadowed, extra=notes)
    before = snapshot(shadowed)
    for _ in range(2):  # built, then from the template
        checked = shadowed.run("check", "--shadow")
        assert checked.exit_code == 0, str(checked)
    _write_models(shadowed, extra=notes + "    text = Column(String(10))\n")
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
    _write_models(shadowed, extra=toys)
    before = snapshot(shadowed)
    checked = shadowed.run("check", "--shadow")
    assert checked.exit_code == 0, str(checked)
    assert "b1" in checked.output and "r3" in checked.output
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
    try:
        first, second = clones.clone(), clones.clone()
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
    try:
        cleaned = shadowed.ok("shadow", "clean").output
        assert elsewhere not in cleaned
        if shadowed.kind == "sqlite":
            assert (Path(tempfile.gettempdir()) / f"{elsewhere}.sqlite").exists()
        else:
            engine = engine_for(shadowed.url)
            try:
                with engine.connect() as conn:
                    query = (
                        "SELECT datname FROM pg_database"
                        if shadowed.kind == "postgresql"
                        else "SHOW DATABASES"
                    )
                    assert elsewhere in conn.execute(sa.text(query)).scalars().all()
            finally:
                engine.dispose()
    finally:
        if shadowed.kind == "sqlite":
            (Path(tempfile.gettempdir()) / f"{elsewhere}.sqlite").unlink(missing_ok=True)
        else:
            engine = engine_for(shadowed.url).execution_options(isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {elsewhere}"))
            engine.dispose()
