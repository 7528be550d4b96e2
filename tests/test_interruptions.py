"""Runs killed half-way (SIGINT, SIGKILL at random moments): afterwards the version table agrees
with the tables, `still current` tells the truth, and the next run finishes the work."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import Project

REVISIONS = 6
KILLS = 2  # per signal and database


def _write_slow_chain(project: Project) -> None:
    down = None
    for i in range(1, REVISIONS + 1):
        rev = f"k{i}"
        project.write_revision(
            rev,
            down,
            "import time\n"
            f"op.create_table('t{i}a', sa.Column('id', sa.Integer, primary_key=True))\n"
            "time.sleep(0.15)\n"
            f"op.create_table('t{i}b', sa.Column('id', sa.Integer, primary_key=True))\n"
            "time.sleep(0.15)",
            f"op.drop_table('t{i}b')\nop.drop_table('t{i}a')",
        )
        down = rev


def _recorded(project: Project) -> int:
    versions = project.versions() or set()
    assert len(versions) <= 1, versions
    return int(next(iter(versions))[1:]) if versions else 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_a_killed_run_leaves_a_truthful_version_table(
    project: Project, sig: signal.Signals
) -> None:
    _write_slow_chain(project)
    rng = random.Random(f"{project.kind}-{sig}")
    environ = {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "ALEMBIC_CONFIG")}
    for attempt in range(KILLS):
        process = subprocess.Popen(
            [sys.executable, "-m", "still", "upgrade", "head"],
            cwd=project.root,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(rng.uniform(0.8, 2.2))
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
        if sig == signal.SIGINT and process.returncode not in (0, -signal.SIGINT):
            assert "Traceback" not in stderr, stderr

        level = _recorded(project)
        current = project.run_subprocess("current")
        assert current.exit_code == 0, str(current)
        assert current.stdout.split()[:1] == ([f"k{level}"] if level else [])
        tables = project.tables() - {"still_ledger"}
        complete = {f"t{i}{part}" for i in range(1, level + 1) for part in "ab"}
        assert complete <= tables, (attempt, level, tables)
        extra = tables - complete
        if project.kind == "mariadb":
            # DDL commits itself: what the interrupted migration made before the kill remains
            # (its version row comes last), and nothing beyond it
            leftovers = {f"t{level + 1}a", f"t{level + 1}b"}
            assert extra <= leftovers, (attempt, level, tables)
            for table in sorted(extra, reverse=True):
                project.execute(f"DROP TABLE {table}")  # what `still resolve --undo` would do
        else:
            assert not extra, (attempt, level, tables)  # the whole run was rolled back

    finished = project.run_subprocess("upgrade", "head")
    assert finished.exit_code == 0, str(finished)
    assert _recorded(project) == REVISIONS
    assert len(project.tables()) == 2 * REVISIONS
