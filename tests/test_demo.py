"""The README's first command: scripts/demo.sh walks the seed's workflow on the pet clinic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_the_whole_workflow(tmp_path: Path) -> None:
    env = dict(os.environ, STILL_DEMO_VENV=sys.prefix, NO_COLOR="1")
    done = subprocess.run(
        ["bash", "scripts/demo.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for expected in (
        "$ still init alembic",
        "$ still upgrade head",
        "<base> -> ",
        ", add index on pet owner_id",
        "DROP TABLE owners;",
        "migrations applied",
        "tables left: ['alembic_version', 'still_ledger']",
        "verify: the applied revisions match their files.",
    ):
        assert expected in out, expected
