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
import signal
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
