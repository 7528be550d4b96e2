"""The benchmark suite at its smallest size: it completes and its correctness checks pass.

No timing is asserted; `python -m bench` (full sizes) writes docs/benchmarks.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import required

REPO = Path(__file__).resolve().parent.parent

required("alembic")


@pytest.mark.slow
def test_quick_benchmark_runs_and_both_tools_agree(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(report),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "correctness checks passed" in done.stdout
    text = report.read_text(encoding="utf-8")
    assert "## Results" in text
    assert "`upgrade head --sql`" in text
    # the PostgreSQL rows, the test databases' among them (a missing server fails the run in CI)
    assert "a database at head for a test" in text
    assert "First build vs plain upgrade, postgresql" in text
