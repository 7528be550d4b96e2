"""``revision --autogenerate`` on a project with two heads, under real Alembic and under still.

Alembic compares first (the database must be at every head), runs ``process_revision_directives``
(which may drop the revision, or set its ``head``), and only refuses when it is about to write a
file with no single head to build on.  pytest-alembic's ``test_model_definitions_match_ddl``
relies on that order: its hook raises once it has seen an empty comparison, so on a project with
two heads it passes under Alembic.  still used to refuse before comparing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Project
from tests.databases import required

required("alembic.command")

MODELS = """
import sqlalchemy as sa

target_metadata = sa.MetaData()
sa.Table("owners", target_metadata, sa.Column("id", sa.Integer, primary_key=True))
sa.Table("vets", target_metadata, sa.Column("id", sa.Integer, primary_key=True))


def process_revision_directives(context, revision, directives):
    import os

    with open("hook.log", "a") as log:
        log.write("ran\\n")
    mode = os.environ["HOOK_MODE"]
    if mode == "drop":
        directives[:] = []
    elif mode == "choose":
        directives[0].head = "b2"

"""

CONFIGURE = "connection=connection, target_metadata=target_metadata"


@pytest.fixture
def two_heads(project: Project) -> Project:
    env = project.env_py.read_text()
    assert "target_metadata = None\n" in env and CONFIGURE in env
    env = env.replace("target_metadata = None\n", MODELS)
    env = env.replace(
        CONFIGURE, CONFIGURE + ", process_revision_directives=process_revision_directives"
    )
    project.env_py.write_text(env)
    project.write_revision(
        "a1",
        None,
        "op.create_table('owners', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('owners')",
    )
    project.write_revision("b2", "a1", "pass", "pass")
    project.write_revision(
        "c3",
        "a1",
        "op.create_table('vets', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('vets')",
    )
    project.ok("upgrade", "heads")
    return project


def run(tool: str, root: Path, mode: str) -> tuple[bool, list[str], set[str]]:
    """``TOOL revision --autogenerate`` in a copy of the project: whether it failed (Alembic
    exits 255, still 1), what the hook logged, the revision files written."""
    copy = root.parent / f"{tool}-{mode}"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    versions = copy / "migrations" / "versions"
    before = {p.name for p in versions.glob("*.py")}
    env = {k: v for k, v in os.environ.items() if k != "STILL_AS_ALEMBIC"}
    env["HOOK_MODE"] = mode
    done = subprocess.run(
        [sys.executable, "-m", tool, "revision", "--autogenerate", "-m", "x", "--rev-id", "d4"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log = copy / "hook.log"
    hook = log.read_text().splitlines() if log.exists() else []
    return done.returncode != 0, hook, {p.name for p in versions.glob("*.py")} - before


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("record", (True, ["ran"], set())),  # compared, then no single head to write on
        ("drop", (False, ["ran"], set())),  # the hook dropped the revision: nothing to refuse
        ("choose", (False, ["ran"], {"d4_x.py"})),  # the hook named the head to build on
    ],
)
def test_the_comparison_and_the_hook_run_before_the_heads_are_checked(
    two_heads: Project, mode: str, expected: tuple[bool, list[str], set[str]]
) -> None:
    assert run("alembic", two_heads.root, mode) == expected
    assert run("still", two_heads.root, mode) == expected
