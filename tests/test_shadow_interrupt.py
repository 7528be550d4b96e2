"""A real Ctrl-C during a shadow build (docs/shadow.md, "Names, clean-up and failures"): the
working database is dropped "after Ctrl-C", on SQLite, PostgreSQL and MariaDB.

Each test starts a child process (``python -m still check --shadow``, ``revision --autogenerate
--shadow``, or a program cloning databases with :class:`still.testing.clones.Clones` as the
pytest fixture does) on a project whose last revision writes a marker file and then sleeps.  When
the marker appears the replay is inside that revision, in the working database; the test makes
sure that database exists, sends SIGINT to the child and asserts: the child ends promptly, with
exit code 130 and a short message (no traceback), no database named for the child's process
(``still_shadow_m<machine>_<pid>_...``) is left on the server, nothing was cached from the
half-built schema, and the developer's database is exactly as it was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import Project, engine_for
from tests.test_shadow import server_databases, snapshot, with_models

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child process: POSIX")

SLEEP = 120  # seconds the last revision sleeps: far longer than any prompt exit
PROMPTLY = 20  # seconds the child may take to end after SIGINT


class LeftBehind(AssertionError):
    """A working database outlived the run that made it."""


class NotPrompt(AssertionError):
    """The run went on long after SIGINT."""


# The last revision: makes a table (so the working database holds something of its own, and on
# PostgreSQL a transaction is open there), says so in the marker file, then sleeps.
SLOW_BODY = """
import time
from pathlib import Path

op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
Path({marker!r}).write_text("in r4")
time.sleep({sleep})
"""


def _default_sigint() -> None:
    # A worker of pytest -n may ignore SIGINT, and a child inherits that: the run would never
    # see the signal.  The child starts with the default, as from a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "ALEMBIC_CONFIG")}


@pytest.fixture
def sleeping(project: Project) -> Iterator[Project]:
    """The project of tests/test_shadow.py (r1..r3, models matching them) with a fourth revision
    that sleeps; its database at r1 with a row in it.  Afterwards a PostgreSQL template a failed
    test let this project cache is dropped (by its exact name)."""
    with_models(project)
    project.write_revision(
        "r4", "r3", SLOW_BODY.format(marker=str(marker_of(project)), sleep=SLEEP)
    )
    project.ok("upgrade", "r1")
    project.execute("INSERT INTO owners (id, name) VALUES (1, 'Ada')")
    project.dispose()
    yield project
    project.dispose()
    if project.kind == "postgresql":
        _drop_leftovers(project, cached(project))


def marker_of(project: Project) -> Path:
    return project.root / "r4-started"


# -- what is on the server ----------------------------------------------------------------------


def _names_on_server(project: Project) -> list[str]:
    """Every database on the project's server (SQLite: the files of the temporary directory)."""
    if project.kind == "sqlite":
        return [p.name for p in Path(tempfile.gettempdir()).iterdir()]
    return server_databases(project)


def _stop(project: Project, child: subprocess.Popen[str]) -> None:
    """After a test: the child killed if it still runs, and what it left dropped."""
    if child.poll() is None:
        child.kill()
        child.communicate()
    _drop_leftovers(project, databases_of(project, child.pid))


def databases_of(project: Project, pid: int) -> list[str]:
    """The working databases (SQLite: files, journals included) process ``pid`` made."""
    from still.shadow.names import machine_tag

    prefix = f"still_shadow_m{machine_tag()}_{pid}_"
    return sorted(name for name in _names_on_server(project) if name.startswith(prefix))


def cached(project: Project) -> list[str]:
    """What the shadow cache holds for this project: the PostgreSQL template, or the files of the
    project cache (SQLite's copy, MySQL's DDL)."""
    from still.config import Config
    from still.script import ScriptDirectory
    from still.shadow.names import TEMPLATE_PREFIX, project_key

    script = ScriptDirectory.from_config(Config(str(project.ini)))
    found = []
    if project.kind == "postgresql":
        mine = f"{TEMPLATE_PREFIX}{project_key(script)}_"
        found += [name for name in _names_on_server(project) if name.startswith(mine)]
    directory = Path(script.cache.directory) / "still-shadow"
    if directory.is_dir():
        found += [p.name for p in directory.iterdir()]
    return found


def _drop_leftovers(project: Project, names: list[str]) -> None:
    """Drop the databases (files) a failed test left: these exact names, made by its child."""
    if project.kind == "sqlite":
        for name in names:
            (Path(tempfile.gettempdir()) / name).unlink(missing_ok=True)
        return
    engine = engine_for(project.url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for name in names:
                if project.kind == "postgresql":
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                else:
                    conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))
    finally:
        engine.dispose()


# -- the child ----------------------------------------------------------------------------------


def _start(project: Project, argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *argv],
        cwd=project.root,
        env=_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _wait_for_marker(project: Project, child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not marker_of(project).exists():
        if child.poll() is not None:
            out, err = child.communicate()
            pytest.fail(f"the child ended ({child.returncode}) before r4:\n{out}\n{err}")
        if time.monotonic() > deadline:
            child.kill()
            child.communicate()
            pytest.fail("the replay never reached r4")
        time.sleep(0.01)


def _interrupt(
    project: Project,
    child: subprocess.Popen[str],
    ready: Callable[[], bool] | None = None,
    unblock: Callable[[], None] | None = None,
) -> tuple[int, str, str]:
    """SIGINT to ``child`` once the replay is inside r4 (its working database there) and
    ``ready()`` says so too; its exit code, stdout and stderr.  A child still running
    PROMPTLY seconds after the signal fails the test (``unblock()`` first lets it end)."""
    _wait_for_marker(project, child)
    during = databases_of(project, child.pid)
    # the working database is there while r4 runs: what must go after the signal (and a proof
    # that databases_of finds the child's databases at all)
    assert during, f"no working database of process {child.pid} during the replay"
    if ready is not None:
        _wait_until(ready, child)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=PROMPTLY)
    except subprocess.TimeoutExpired:
        if unblock is not None:
            unblock()
        try:
            out, err = child.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            child.kill()
            out, err = child.communicate()
        raise NotPrompt(
            f"still running {PROMPTLY} s after SIGINT (ended after "
            f"{time.monotonic() - sent:.1f} s{', once unblocked' if unblock else ''}):\n"
            f"{out}\n{err}"
        )
    return child.returncode, out, err


def _wait_until(ready: Callable[[], bool], child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not ready():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the child never got there"
        time.sleep(0.05)


def assert_none_left(project: Project, pid: int, names: set[str] | None = None) -> None:
    """No working database of process ``pid`` on the server (but ``names``, there before)."""
    left = sorted(set(databases_of(project, pid)) - (names or set()))
    if left:
        raise LeftBehind(f"left on the server by process {pid}: {left}")


def _assert_short_message(code: int, stderr: str) -> None:
    assert code == 130, (code, stderr)  # docs/commands.md: interrupted (Ctrl-C)
    assert "Traceback" not in stderr, stderr
    assert "Interrupted." in stderr, stderr
    assert len(stderr.strip().splitlines()) <= 5, stderr


# -- still check --shadow, still revision --autogenerate --shadow --------------------------------


@pytest.mark.parametrize(
    "command",
    [["check", "--shadow"], ["revision", "--autogenerate", "--shadow", "-m", "more"]],
    ids=["check", "revision"],
)
def test_ctrl_c_during_the_replay_drops_the_working_database(
    sleeping: Project, command: list[str]
) -> None:
    before = snapshot(sleeping)
    files = sorted(p.name for p in sleeping.versions_dir.glob("*.py"))
    child = _start(sleeping, ["-m", "still", *command])
    try:
        code, _, err = _interrupt(sleeping, child)
        _assert_short_message(code, err)
        assert_none_left(sleeping, child.pid)
        # the half-built schema is never cached (the next build would start from it)
        assert cached(sleeping) == []
        assert sorted(p.name for p in sleeping.versions_dir.glob("*.py")) == files  # no file
        assert snapshot(sleeping) == before
    finally:
        _stop(sleeping, child)


# r4 again, now waiting in a statement on the server when the signal comes: PostgreSQL in
# pg_sleep; MariaDB in a row lock the test holds (in the developer's database: a statement that
# runs long on the server, as a slow ALTER or UPDATE does, without burning the server's CPU).
# Its transaction has written to the working database first, as a migration's does.
IN_A_STATEMENT = """
from pathlib import Path

op.create_table("slow", sa.Column("id", sa.Integer, primary_key=True))
op.execute("INSERT INTO slow (id) VALUES (1)")
{prepare}
Path({marker!r}).write_text("in r4")
op.execute({statement!r})
"""

WAITING = {
    "postgresql": (
        "",
        "SELECT pg_sleep({sleep})",
        "SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND state = 'active' "
        "AND query LIKE 'SELECT pg_sleep%'",
    ),
    "mariadb": (
        'op.execute("SET SESSION innodb_lock_wait_timeout = {sleep}")',
        "SELECT id FROM `{database}`.owners WHERE id = 1 FOR UPDATE",
        "SELECT count(*) FROM information_schema.PROCESSLIST WHERE DB = :name "
        "AND INFO LIKE 'SELECT id FROM%'",
    ),
}


# SQLite is left out: its statements run in the process, and none waits on a server.
@pytest.mark.parametrize(
    "db_url",
    [
        "postgresql",
        "mariadb",
    ],
    indirect=True,
)
def test_ctrl_c_while_a_statement_runs_on_the_server(sleeping: Project) -> None:
    prepare, statement, waiting = WAITING[sleeping.kind]
    database = sa.engine.make_url(sleeping.url).database
    next(sleeping.versions_dir.glob("r4_*.py")).unlink()
    sleeping.write_revision(
        "r4",
        "r3",
        IN_A_STATEMENT.format(
            prepare=prepare.format(sleep=SLEEP),
            marker=str(marker_of(sleeping)),
            statement=statement.format(sleep=SLEEP, database=database),
        ),
    )
    before = snapshot(sleeping)
    holder = engine_for(sleeping.url).connect()
    transaction = holder.begin()
    if sleeping.kind == "mariadb":  # the row r4's statement waits for
        holder.execute(sa.text("SELECT id FROM owners WHERE id = 1 FOR UPDATE"))
    child = _start(sleeping, ["-m", "still", "check", "--shadow"])

    def in_the_statement() -> bool:
        names = databases_of(sleeping, child.pid)
        if not names:
            return False
        engine = engine_for(sleeping.url)
        try:
            with engine.connect() as conn:
                return bool(conn.execute(sa.text(waiting), {"name": names[0]}).scalar())
        finally:
            engine.dispose()

    try:
        code, _, err = _interrupt(
            sleeping, child, ready=in_the_statement, unblock=transaction.rollback
        )
        _assert_short_message(code, err)
        assert_none_left(sleeping, child.pid)
        assert cached(sleeping) == []
    finally:
        if transaction.is_active:
            transaction.rollback()
        holder.close()
        _stop(sleeping, child)
    assert snapshot(sleeping) == before


# -- the pytest fixture's clone ------------------------------------------------------------------

# As the still_clones fixture uses Clones (src/still/pytest_plugin.py): clone in the test,
# drop_all() in a finally.  Exit 130 on Ctrl-C, as still's command line.
CLONING = """
import sys

from still.config import Config
from still.testing.clones import Clones

config = Config(sys.argv[1])
clones = Clones(config)
try:
    try:
        database = clones.clone()
        print("cloned", database.url)
    finally:
        clones.drop_all()
except KeyboardInterrupt:
    print("Interrupted.", file=sys.stderr)
    sys.exit(130)
"""


def test_ctrl_c_during_a_clone_leaves_no_working_database(sleeping: Project) -> None:
    before = snapshot(sleeping)
    program = sleeping.root / "cloning.py"
    program.write_text(textwrap.dedent(CLONING))
    child = _start(sleeping, [str(program), str(sleeping.ini)])
    try:
        code, out, err = _interrupt(sleeping, child)
        assert code == 130, (code, out, err)
        assert "cloned" not in out
        assert_none_left(sleeping, child.pid)
        assert cached(sleeping) == []
        assert snapshot(sleeping) == before
    finally:
        _stop(sleeping, child)


def test_a_clone_whose_replay_fails_leaves_no_working_database(sleeping: Project) -> None:
    """The same clean-up after a failing revision (as after a failing revision of check --shadow,
    tests/test_shadow.py), in this process."""
    from still.config import Config
    from still.errors import StillError
    from still.testing.clones import Clones

    next(sleeping.versions_dir.glob("r4_*.py")).unlink()
    sleeping.write_revision("r4", "r3", 'op.execute("UPDATE no_such_table SET x = 1")')
    there = set(databases_of(sleeping, os.getpid()))  # an earlier test's, in this process
    clones = Clones(Config(str(sleeping.ini)))
    try:
        with pytest.raises(StillError, match="r4"):
            clones.clone()
    finally:
        clones.drop_all()
        made = sorted(set(databases_of(sleeping, os.getpid())) - there)
        _drop_leftovers(sleeping, made)
        if made:
            raise LeftBehind(f"left on the server by this process: {made}")
    assert cached(sleeping) == []
