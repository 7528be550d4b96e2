"""Runs killed half-way (SIGINT, SIGKILL at random moments): afterwards the version table agrees
with the tables, `still current` tells the truth, and the next run finishes the work."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Project

REVISIONS = 6
KILLS = 2  # per signal and database


def _write_slow_chain(project: Project) -> None:
    """Six migrations of 0.3 s each; each leaves a file when it starts and when it ends (files
    are not rolled back), so a test knows where a kill landed."""
    down = None
    for i in range(1, REVISIONS + 1):
        rev = f"k{i}"
        project.write_revision(
            rev,
            down,
            "import time\n"
            f"open({str(_marker(project, 'started', i))!r}, 'w').close()\n"
            f"op.create_table('t{i}a', sa.Column('id', sa.Integer, primary_key=True))\n"
            "time.sleep(0.15)\n"
            f"op.create_table('t{i}b', sa.Column('id', sa.Integer, primary_key=True))\n"
            "time.sleep(0.15)\n"
            f"open({str(_marker(project, 'finished', i))!r}, 'w').close()",
            f"op.drop_table('t{i}b')\nop.drop_table('t{i}a')",
        )
        down = rev


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _marker(project: Project, what: str, i: int) -> Path:
    return project.root / "markers" / f"{what}_k{i}"


def _interrupted(project: Project) -> list[int]:
    """The migrations that started and did not finish."""
    return [
        i
        for i in range(1, REVISIONS + 1)
        if _marker(project, "started", i).exists() and not _marker(project, "finished", i).exists()
    ]


def _wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"the run ended before {path.name}"
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.005)


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
    markers = project.root / "markers"
    for attempt in range(KILLS):
        shutil.rmtree(markers, ignore_errors=True)
        markers.mkdir()
        process = subprocess.Popen(
            [sys.executable, "-m", "still", "upgrade", "head"],
            cwd=project.root,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A worker of pytest -n may ignore SIGINT, and a child inherits that: the run would
            # never see the signal.  The child starts with the default, as from a terminal.
            preexec_fn=_default_sigint,
        )
        # Inside a migration still to run, at a random moment of its 0.3 s (seeded).
        target = rng.randint(_recorded(project) + 1, REVISIONS)
        _wait_for(_marker(project, "started", target), process)
        time.sleep(rng.uniform(0.0, 0.2))
        process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
        # The kill landed inside that migration: it started and never finished.
        assert _interrupted(project) == [target], (attempt, target, stderr)
        assert process.returncode != 0
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
            # (its version row comes last), and nothing beyond it; the journal knows it, and the
            # next run finishes that migration without creating its tables again
            leftovers = {f"t{level + 1}a", f"t{level + 1}b"}
            assert extra <= leftovers, (attempt, level, tables)
        else:
            assert not extra, (attempt, level, tables)  # the whole run was rolled back

    finished = project.run_subprocess("upgrade", "head")
    assert finished.exit_code == 0, str(finished)
    assert _recorded(project) == REVISIONS
    assert len(project.tables()) == 2 * REVISIONS
