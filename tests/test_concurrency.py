"""Several processes migrating one database at once: each migration runs exactly once.

Real processes (``python -m still upgrade head``) on SQLite, PostgreSQL and MariaDB: twenty at
once, one killed while it holds the lock, and a database at its head that needs no lock at all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from still.runtime.locking import lock_name, mysql_name, postgresql_key
from tests.conftest import Project, make_project
from tests.databases import fresh_database

PROCESSES = 20

# Each revision records itself in `applied`: a migration run twice shows as a duplicate row (and
# its create_table would fail).
RECORD = "op.execute(\"INSERT INTO applied (rev) VALUES ('{rev}')\")"


def _write_chain(project: Project, hold: bool = False) -> None:
    project.write_revision(
        "c1",
        None,
        "op.create_table('applied', sa.Column('rev', sa.String(10), nullable=False))\n"
        "op.create_table('t1', sa.Column('id', sa.Integer, primary_key=True))\n"
        + RECORD.format(rev="c1"),
        "op.drop_table('t1')\nop.drop_table('applied')",
    )
    hold_body = (
        "import os, pathlib, time\n"
        "if os.environ.get('STILL_TEST_HOLD'):\n"
        "    pathlib.Path(os.environ['STILL_TEST_HOLD']).write_text('holding')\n"
        "    time.sleep(120)\n"
        if hold
        else ""
    )
    project.write_revision(
        "c2",
        "c1",
        hold_body
        + "op.create_table('t2', sa.Column('id', sa.Integer, primary_key=True))\n"
        + RECORD.format(rev="c2"),
        "op.drop_table('t2')",
    )
    project.write_revision(
        "c3",
        "c2",
        "import time\ntime.sleep(0.3)\n"
        "op.add_column('t2', sa.Column('name', sa.String(20)))\n" + RECORD.format(rev="c3"),
        "op.drop_column('t2', 'name')",
    )


def _set_timeout(project: Project, seconds: float) -> None:
    text = project.ini.read_text()
    project.ini.write_text(
        text.replace("[alembic]\n", f"[alembic]\nmigration_lock_timeout = {seconds}\n", 1)
    )


def _spawn(
    project: Project, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "ALEMBIC_CONFIG")}
    environ.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "still", *args],
        cwd=project.root,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_twenty_processes_apply_each_migration_once(project: Project) -> None:
    _write_chain(project)
    _set_timeout(project, 120)
    processes = [_spawn(project, "upgrade", "head") for _ in range(PROCESSES)]
    outcomes = [(p.wait(timeout=180), p.stdout.read(), p.stderr.read()) for p in processes]  # type: ignore[union-attr]
    failures = [o for o in outcomes if o[0] != 0]
    assert not failures, failures[0]
    assert sorted(r for (r,) in project.rows("SELECT rev FROM applied")) == ["c1", "c2", "c3"]
    assert project.versions() == {"c3"}
    assert project.tables() == {"applied", "t1", "t2"}
    # Exactly one process ran the migrations; the others found nothing left to do.
    ran = [o for o in outcomes if "Running upgrade" in o[2]]
    assert len(ran) >= 1
    assert sum(o[2].count("Running upgrade c2 -> c3") for o in outcomes) == 1


def test_a_killed_process_does_not_keep_the_lock(project: Project, tmp_path: Path) -> None:
    _write_chain(project, hold=True)
    _set_timeout(project, 60)
    marker = tmp_path / "holding"
    holder = _spawn(project, "upgrade", "head", env={"STILL_TEST_HOLD": str(marker)})
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert holder.poll() is None, holder.stderr.read()  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the first process never reached c2"
        time.sleep(0.05)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)

    # What the version table says is what the database holds: the whole run was one transaction
    # on PostgreSQL and SQLite; on MariaDB (DDL commits itself) c1 was committed with its row.
    current = project.run_subprocess("current")
    assert current.exit_code == 0, str(current)
    if project.kind == "mariadb":
        assert current.stdout.split() == ["c1"]
        assert project.tables() == {"applied", "t1"}
    else:
        assert current.stdout.strip() == ""
        assert project.tables() == set()

    started = time.monotonic()
    after = project.run_subprocess("upgrade", "head")
    assert after.exit_code == 0, str(after)
    assert time.monotonic() - started < 50
    assert project.versions() == {"c3"}
    expected = ["c1", "c2", "c3"]
    assert sorted(r for (r,) in project.rows("SELECT rev FROM applied")) == expected


@contextmanager
def _lock_held_elsewhere(project: Project) -> Iterator[None]:
    """Hold still's migration lock on the project's database from another connection."""
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    name = lock_name("alembic_version", None)
    try:
        with engine.connect() as conn:
            kind = conn.dialect.name
            if kind == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": postgresql_key(name)})
            elif kind in ("mysql", "mariadb"):
                held = conn.execute(
                    sa.text("SELECT GET_LOCK(:n, 5)"), {"n": mysql_name(conn, name)}
                ).scalar()
                assert held == 1
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield
            if kind == "sqlite":
                conn.exec_driver_sql("ROLLBACK")
    finally:
        engine.dispose()


def test_a_database_at_its_head_takes_no_lock(project: Project) -> None:
    _write_chain(project)
    project.ok("upgrade", "head")
    _set_timeout(project, 1)
    with _lock_held_elsewhere(project):
        started = time.monotonic()
        result = project.run_subprocess("upgrade", "head")
        assert result.exit_code == 0, str(result)
        assert time.monotonic() - started < 20
    assert project.versions() == {"c3"}


def test_waiting_for_the_lock_runs_out_with_a_clear_message(project: Project) -> None:
    _write_chain(project)
    project.ok("upgrade", "c2")
    _set_timeout(project, 1)
    with _lock_held_elsewhere(project):
        result = project.run_subprocess("upgrade", "head")
    assert result.exit_code == 6, str(result)
    assert "migration_lock_timeout" in result.stderr
    assert "Traceback" not in result.output
    assert project.versions() == {"c2"}
    assert sorted(r for (r,) in project.rows("SELECT rev FROM applied")) == ["c1", "c2"]


def test_the_sqlite_lock_leaves_the_connections_busy_timeout_alone(tmp_path: Path) -> None:
    from still.runtime.locking import migration_lock

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'busy.db'}", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout = 1234")  # (autobegins, as a version read does)
        with migration_lock(conn, "still:alembic_version", 30, True, True):
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
        conn.rollback()
    engine.dispose()


# -- any isolation level, whoever owns the transaction (issue 16) ---------------------------------

# How many processes race in each of the isolation tests: 3 in a normal run, STILL_RACERS=12 for
# the slow run whose figures docs/safety.md gives.
RACERS = int(os.environ.get("STILL_RACERS", "3"))
ISOLATION_LEVELS = ("READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")

# env.py with a start barrier: every process connects, then waits until all have, so all of them
# read the version table before the first one has moved the database.  ``{run}`` is where the
# migrations run: in still's transaction or in one env.py began itself.
RACING_ENV_PY = """\
import os, pathlib, time
from sqlalchemy import engine_from_config, pool
from alembic import context

config = context.config


def wait_for_the_others():
    directory = pathlib.Path(os.environ["STILL_TEST_BARRIER"])
    (directory / str(os.getpid())).touch()
    deadline = time.monotonic() + 90
    while len(list(directory.iterdir())) < int(os.environ["STILL_TEST_RACERS"]):
        if time.monotonic() > deadline:
            raise SystemExit("the other processes never came")
        time.sleep(0.01)


connectable = engine_from_config(
    config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    wait_for_the_others()
{run}
"""
STILL_OWNS = "    with context.begin_transaction():\n        context.run_migrations()\n"
ENV_PY_OWNS = "    with connection.begin():\n        context.run_migrations()\n"


def _write_racing_chain(project: Project) -> None:
    # c1 and c3 take a moment, so the other processes read the version table before the first
    # one commits: the fresh database (no alembic_version yet) and the mid revision (a row that
    # changes under them) are both met by every process but the first.
    pause = "import time\ntime.sleep(0.5)\n"
    project.write_revision(
        "c1",
        None,
        pause + "op.create_table('applied', sa.Column('rev', sa.String(10), nullable=False))\n"
        "op.create_table('t1', sa.Column('id', sa.Integer, primary_key=True))\n"
        + RECORD.format(rev="c1"),
    )
    project.write_revision(
        "c2",
        "c1",
        "op.create_table('t2', sa.Column('id', sa.Integer, primary_key=True))\n"
        + RECORD.format(rev="c2"),
    )
    project.write_revision(
        "c3",
        "c2",
        pause + "op.add_column('t2', sa.Column('name', sa.String(20)))\n" + RECORD.format(rev="c3"),
    )
    project.write_revision(
        "c4",
        "c3",
        "op.create_table('t4', sa.Column('id', sa.Integer, primary_key=True))\n"
        + RECORD.format(rev="c4"),
    )


def _race(project: Project, tmp_path: Path, name: str, *args: str) -> list[tuple[int, str, str]]:
    barrier = tmp_path / name
    barrier.mkdir()
    env = {"STILL_TEST_BARRIER": str(barrier), "STILL_TEST_RACERS": str(RACERS)}
    started = time.monotonic()
    processes = [_spawn(project, *args, env=env) for _ in range(RACERS)]
    outcomes = [(p.wait(timeout=180), p.stdout.read(), p.stderr.read()) for p in processes]  # type: ignore[union-attr]
    succeeded = sum(1 for code, _, _ in outcomes if code == 0)
    print(f"{name}: {succeeded}/{RACERS} succeeded in {time.monotonic() - started:.1f} s")
    return outcomes


@pytest.fixture(params=("postgresql", "mariadb"))
def server_project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Project]:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    with fresh_database(request.param, tmp_path) as url:
        p = make_project(root, url)
        yield p
        p.dispose()


@pytest.mark.parametrize("owner", ["still", "env.py"])
@pytest.mark.parametrize("isolation", ISOLATION_LEVELS)
def test_racing_processes_under_every_isolation_level(
    server_project: Project, tmp_path: Path, isolation: str, owner: str
) -> None:
    """Every process succeeds, from a fresh database and from a mid revision, and each
    migration runs once: the heads are read again after the lock, in a snapshot taken after it."""
    project = server_project
    _write_racing_chain(project)
    _set_timeout(project, 150)
    text = project.ini.read_text()
    project.ini.write_text(
        text.replace(
            "\nsqlalchemy.url", f"\nsqlalchemy.isolation_level = {isolation}\nsqlalchemy.url"
        )
    )
    project.env_py.write_text(
        RACING_ENV_PY.replace("{run}\n", STILL_OWNS if owner == "still" else ENV_PY_OWNS)
    )
    label = f"{project.kind} {isolation} {owner}"
    fresh = _race(project, tmp_path, f"{label}: fresh database", "upgrade", "c2")
    mid = _race(project, tmp_path, f"{label}: from c2", "upgrade", "head")
    for outcomes in (fresh, mid):
        failures = [o for o in outcomes if o[0] != 0]
        assert not failures, f"{len(failures)}/{RACERS} failed; the first:\n{failures[0][2]}"
    assert sorted(r for (r,) in project.rows("SELECT rev FROM applied")) == ["c1", "c2", "c3", "c4"]
    ledger = project.rows("SELECT revision FROM still_ledger WHERE direction = 'upgrade'")
    assert sorted(r for (r,) in ledger) == ["c1", "c2", "c3", "c4"]
    assert project.versions() == {"c4"}
    assert project.tables() == {"applied", "t1", "t2", "t4"}
    columns = [c["name"] for c in project.inspector().get_columns("t2")]
    assert columns == ["id", "name"]
    ran = [o[2].count("Running upgrade") for outcomes in (fresh, mid) for o in outcomes]
    assert sum(ran) == 4, ran


def test_several_commands_in_one_transaction_of_the_application(project: Project) -> None:
    """An application (pytest-alembic does this) running one command after another in its own
    transaction: the second does not wait for the lock the first one's transaction still holds."""
    from still import command
    from still.config import Config

    _write_chain(project)
    _set_timeout(project, 5)
    text = project.env_py.read_text()
    marker = "def run_migrations_online() -> None:\n"
    project.env_py.write_text(
        text.replace(
            marker,
            marker
            + "    connection = config.attributes.get('connection')\n"
            + "    if connection is not None:\n"
            + "        context.configure(connection=connection, target_metadata=target_metadata)\n"
            + "        context.run_migrations()\n"
            + "        return\n",
        )
    )
    started = time.monotonic()
    with project.engine().begin() as connection:
        config = Config(str(project.ini))
        config.attributes["connection"] = connection
        command.upgrade(config, "c1")
        command.upgrade(config, "head")
        command.downgrade(config, "c2")
    assert time.monotonic() - started < 4
    assert project.versions() == {"c2"}
    assert sorted(r for (r,) in project.rows("SELECT rev FROM applied")) == ["c1", "c2", "c3"]
