"""A run killed inside a migration (SIGKILL of the process, or its connection killed by the
server) is recovered with still's own commands, on every database.

On MySQL/MariaDB DDL commits itself, so a killed migration leaves part of itself behind; the
journal (rows of the ledger written before each statement that commits by itself) tells the next
run which statements committed.  `still upgrade head` then finishes the migration without running
them again; `still resolve` shows them, `--applied` and `--undo` settle them.  The end state must
be a clean run's: the same schema, version rows and data rows.

The number of kills per database is bounded for CI; ``STILL_KILLS=N`` runs N SIGKILLs and N/2
killed connections (a slow run), ``STILL_KILL_SEED`` repeats a run.  The seed is printed.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import Project

SIGKILLS = int(os.environ.get("STILL_KILLS", "6"))
CONNECTION_KILLS = max(1, SIGKILLS // 2)
PAUSE = 0.06  # between the statements of r02: kills land anywhere in it, statements included


def _write_project(project: Project) -> None:
    markers = project.root / "markers"
    markers.mkdir(exist_ok=True)
    started, finished = markers / "started", markers / "finished"
    project.write_revision(
        "r01",
        None,
        "op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('note', sa.String(40)))",
        "op.drop_table('notes')",
    )
    project.write_revision(
        "r02",
        "r01",
        f"""
        import time
        open({str(started)!r}, 'w').close()
        op.create_table('t02', sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('name', sa.String(40)))
        time.sleep({PAUSE})
        op.create_index('ix_t02_name', 't02', ['name'])
        time.sleep({PAUSE})
        op.execute("INSERT INTO notes (note) VALUES ('r02 first')")
        time.sleep({PAUSE})
        op.add_column('t02', sa.Column('extra', sa.Integer))
        time.sleep({PAUSE})
        op.create_table('t02b', sa.Column('id', sa.Integer, primary_key=True))
        time.sleep({PAUSE})
        op.execute("INSERT INTO notes (note) VALUES ('r02 last')")
        time.sleep({PAUSE})
        open({str(finished)!r}, 'w').close()
        """,
        """
        op.execute("DELETE FROM notes WHERE note LIKE 'r02%'")
        op.drop_table('t02b')
        op.drop_index('ix_t02_name', table_name='t02')
        op.drop_table('t02')
        """,
    )


def _state(project: Project) -> tuple[object, ...]:
    return (
        project.schema(),
        project.versions(),
        sorted(note for (note,) in project.rows("SELECT note FROM notes")),
    )


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "ALEMBIC_CONFIG")}


def _start(project: Project) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "still", "upgrade", "head"],
        cwd=project.root,
        env=_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the run ended before {path.name}:\n{err}")
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.003)


def _kill_connections(project: Project) -> int:
    """Kill, from the server's side, every other connection to the project's database."""
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if project.kind == "mariadb":
                ids = conn.execute(
                    sa.text(
                        "SELECT id FROM information_schema.processlist "
                        "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                    )
                ).scalars()
                killed = 0
                for connection_id in list(ids):
                    try:
                        conn.execute(sa.text(f"KILL CONNECTION {int(connection_id)}"))
                        killed += 1
                    except sa.exc.DBAPIError:  # it ended by itself meanwhile
                        pass
                return killed
            rows = conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            return sum(1 for ok in rows if ok)
    finally:
        engine.dispose()


def _journal_shown(project: Project) -> str:
    return project.ok("resolve").stdout


@pytest.mark.parametrize("how", ["SIGKILL", "connection"])
def test_random_kills_inside_a_migration_are_recovered(project: Project, how: str) -> None:
    if how == "connection" and project.kind == "sqlite":
        pytest.skip("SQLite has no server to end a connection")
    _write_project(project)
    markers = project.root / "markers"
    seed = int(os.environ.get("STILL_KILL_SEED", random.randrange(1 << 30)))
    print(f"seed {seed} ({project.kind}, {how}; STILL_KILL_SEED={seed} repeats it)")
    rng = random.Random(seed)

    # The reference: a clean run's end state, and r01's.
    project.ok("upgrade", "head")
    clean = _state(project)
    project.ok("downgrade", "r01")
    at_r01 = _state(project)
    kills = SIGKILLS if how == "SIGKILL" else CONNECTION_KILLS
    duration = 6 * PAUSE

    for attempt in range(kills):
        for marker in markers.iterdir():
            marker.unlink()
        process = _start(project)
        _wait_for(markers / "started", process)
        delay = rng.uniform(0.0, duration - PAUSE / 2)
        time.sleep(delay)
        if how == "SIGKILL":
            process.kill()
        else:
            assert _kill_connections(project) >= 1, (seed, attempt)
        _, stderr = process.communicate(timeout=60)
        context = f"seed {seed}, attempt {attempt}, {delay:.3f} s after r02 began\n{stderr}"
        # The kill landed inside r02: it began, and its version row never committed.
        assert process.returncode != 0, context
        assert project.versions() == {"r01"}, context
        assert "Traceback" not in stderr, context
        left = project.tables() & {"t02", "t02b"}
        if project.kind == "mariadb":
            shown = _journal_shown(project)
            # whatever r02 left behind, the journal knows of it
            assert bool(left) == ("r02 was interrupted" in shown), (context, left, shown)
        else:
            assert not left, context  # the whole migration was rolled back

        recovered = project.run("upgrade", "head")
        assert recovered.exit_code == 0, f"{context}\n{recovered}"
        assert _state(project) == clean, f"{context}\n{recovered}"
        assert "Nothing to resolve" in project.ok("resolve").stdout, context

        project.ok("downgrade", "r01")
        assert _state(project) == at_r01, context


# -- a kill at a known point: what `still resolve` and `upgrade head` make of the journal --------


def _write_pausing(project: Project) -> tuple[Path, Path]:
    """r02 creates t02, inserts a note, creates an index, then waits while ``pause`` exists
    (a kill lands there), then adds a column."""
    pause, ready = project.root / "pause", project.root / "ready"
    project.write_revision(
        "r01",
        None,
        "op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('note', sa.String(40)))",
        "op.drop_table('notes')",
    )
    project.write_revision(
        "r02",
        "r01",
        f"""
        import os, time
        op.create_table('t02', sa.Column('id', sa.Integer, primary_key=True),
                        sa.Column('name', sa.String(40)))
        op.execute("INSERT INTO notes (note) VALUES ('r02')")
        op.create_index('ix_t02_name', 't02', ['name'])
        open({str(ready)!r}, 'w').close()
        while os.path.exists({str(pause)!r}):
            time.sleep(0.01)
        op.add_column('t02', sa.Column('extra', sa.Integer))
        """,
        """
        op.drop_column('t02', 'extra')
        op.drop_index('ix_t02_name', table_name='t02')
        op.execute("DELETE FROM notes WHERE note = 'r02'")
        op.drop_table('t02')
        """,
    )
    return pause, ready


def _killed_while_paused(project: Project) -> None:
    """``upgrade head`` from r01, killed (SIGKILL) while r02 waits."""
    pause, ready = _write_pausing(project)
    project.ok("upgrade", "r01")
    pause.touch()
    process = _start(project)
    _wait_for(ready, process)
    process.kill()
    process.communicate(timeout=60)
    pause.unlink()
    assert project.versions() == {"r01"}


def _notes(project: Project) -> list[str]:
    return sorted(note for (note,) in project.rows("SELECT note FROM notes"))


def test_resolve_shows_the_journal_and_undo_says_first_what_it_cannot_reverse(
    project: Project,
) -> None:
    _killed_while_paused(project)
    shown = project.ok("resolve").stdout
    if project.kind != "mariadb":
        # one transaction for the migration: the kill rolled all of it back
        assert "Nothing to resolve" in shown
        assert project.tables() == {"notes"} and _notes(project) == []
        project.ok("upgrade", "head")
        assert _notes(project) == ["r02"]
        return
    # the INSERT committed with the CREATE INDEX that followed it; nothing after the pause ran
    assert "r02 was interrupted" in shown, shown
    assert "3 of its statements committed" in shown, shown
    assert re.search(
        r"committed, and stay.*:\n  CREATE TABLE t02 .*\n  INSERT INTO notes .*\n  CREATE INDEX "
        r"ix_t02_name ON t02 \(name\)\n",
        shown,
    ), shown
    assert "`still upgrade head` finishes it" in shown and "still resolve --undo" in shown

    undone = project.ok("resolve", "--undo").stdout
    assert "Running upgrade" not in undone and " ... done" not in undone  # a dry run, silent
    cannot = undone.index("cannot reverse 1 of these")
    assert cannot < undone.index("Reversing 2 operation(s)"), undone
    assert "op.execute: INSERT INTO notes (note) VALUES ('r02')" in undone
    assert "Undid 2 operation(s) of r02" in undone
    assert project.tables() == {"notes"} and project.versions() == {"r01"}
    assert _notes(project) == ["r02"]  # as said: the INSERT stays
    assert "Nothing to resolve" in project.ok("resolve").stdout
    directions = [d for (d,) in project.rows("SELECT direction FROM still_ledger ORDER BY id")]
    assert directions[-1] == "undone" and "journal" not in directions


@pytest.mark.parametrize("db_url", ["mariadb"], indirect=True)
def test_applied_settles_an_interrupted_migration_finished_by_hand(project: Project) -> None:
    _killed_while_paused(project)
    project.execute("ALTER TABLE t02 ADD COLUMN extra INTEGER")  # the rest, by hand
    out = project.ok("resolve", "--applied").stdout
    assert "r02 was interrupted" in out and "r02 is recorded as applied" in out
    assert project.versions() == {"r02"}
    directions = [d for (d,) in project.rows("SELECT direction FROM still_ledger ORDER BY id")]
    assert directions[-2:] == ["stamp", "resolved"] and "journal" not in directions
    assert "Nothing to resolve" in project.ok("resolve").stdout


def test_upgrade_finishes_an_interrupted_migration_unless_its_file_changed(
    project: Project,
) -> None:
    _killed_while_paused(project)
    path = next(project.versions_dir.glob("r02_*.py"))
    original = path.read_text()
    path.write_text(original.replace("'extra'", "'other'"))
    retry = project.run("upgrade", "head")
    if project.kind == "mariadb":
        # the file changed since: resuming could skip what it no longer does; nothing runs
        assert retry.exit_code == 5, str(retry)
        assert "r02 was interrupted" in retry.stderr and "changed since" in retry.stderr
        assert "CREATE TABLE t02" in retry.stderr and "Nothing was run" in retry.stderr
        assert "`still resolve --undo`" in retry.stderr and "--applied" in retry.stderr
        assert "Traceback" not in retry.output
        assert project.versions() == {"r01"}
        columns = {c["name"] for c in project.inspector().get_columns("t02")}
        assert "other" not in columns
        path.write_text(original)
        retry = project.run("upgrade", "head")
        assert retry.exit_code == 0, str(retry)
        assert "r02 was interrupted earlier; 3 of its statements committed" in retry.stderr
        columns = {c["name"] for c in project.inspector().get_columns("t02")}
        assert "extra" in columns
    else:
        assert retry.exit_code == 0, str(retry)
    assert project.versions() == {"r02"}
    assert _notes(project) == ["r02"]  # inserted once
    assert "Nothing to resolve" in project.ok("resolve").stdout


@pytest.mark.parametrize("db_url", ["mariadb"], indirect=True)
def test_the_schema_settles_a_statement_in_doubt(project: Project) -> None:
    from still.runtime.journal import took_effect

    project.execute(
        "CREATE TABLE `a b` (id INTEGER PRIMARY KEY, name VARCHAR(10))",
        "CREATE INDEX ix_name ON `a b` (name)",
    )
    cases = {
        "CREATE TABLE `a b` (id INTEGER)": True,
        "CREATE TABLE IF NOT EXISTS other (id INTEGER)": False,
        "DROP TABLE `a b`": False,
        "DROP TABLE other": True,
        "CREATE UNIQUE INDEX ix_name ON `a b` (name)": True,
        "CREATE INDEX ix_other ON `a b` (name)": False,
        "DROP INDEX ix_other ON `a b`": True,
        "ALTER TABLE `a b` ADD COLUMN name VARCHAR(10)": True,
        "ALTER TABLE `a b` ADD extra INTEGER": False,
        "ALTER TABLE `a b` DROP COLUMN extra": True,
        "ALTER TABLE `a b` DROP name": False,
        "ALTER TABLE `a b` ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES x (id)": None,
        "ALTER TABLE `a b` MODIFY name VARCHAR(20)": None,
    }
    with project.engine().connect() as conn:
        for sql, expected in cases.items():
            assert took_effect(conn, sql) is expected, sql
