"""Writing revision files from code with Alembic's ``RevisionContext``, as applications that
copied Alembic's ``revision`` command do (``run_autogenerate`` inside ``fn=``, then
``generate_scripts()``), and Alembic's autogenerate plugins (``Plugin``,
``autogenerate_plugins=``): under still and under the real Alembic, each in a process of its
own, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.addon_projects import statements
from tests.conftest import make_project
from tests.databases import required

required("alembic")

MODELS = """
import sqlalchemy as sa

target_metadata = sa.MetaData()
sa.Table(
    "pets", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Index("ix_pets_name", "name"),
)
"""

DRIVER = """
import json, sys
if sys.argv[1] == "still":
    from still import compat

    compat.enter()
from alembic.autogenerate import RevisionContext
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory

config = Config("alembic.ini")
script = ScriptDirectory.from_config(config)
seen = []


def flat(operations):
    for op in operations:
        yield from flat(op.ops) if hasattr(op, "ops") else [type(op).__name__]


def hook(context, revision, directives):
    # the operations, containers opened: Alembic files a new table's indexes in a
    # ModifyTableOps of their own, still beside the table
    seen.append(list(flat(directives[0].upgrade_ops.ops)))


command_args = dict(
    message="from code", autogenerate=True, sql=False, head="head", splice=False,
    branch_label=None, version_path=None, rev_id=sys.argv[2], depends_on=None,
)
revision_context = RevisionContext(config, script, command_args, process_revision_directives=hook)


def retrieve(rev, context):
    revision_context.run_autogenerate(rev, context)
    return []


with EnvironmentContext(
    config, script, fn=retrieve, as_sql=False, template_args=revision_context.template_args
):
    script.run_env()
written = [s.path for s in revision_context.generate_scripts()]
print(json.dumps({"written": written, "seen": seen}))
"""


@pytest.fixture
def project_root(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    project = make_project(root, db_url)
    env = project.root / "migrations" / "env.py"
    text = env.read_text()
    assert "target_metadata = None" in text
    env.write_text(
        text.replace(
            "target_metadata = None", "import models\ntarget_metadata = models.target_metadata"
        )
    )
    (root / "models.py").write_text(MODELS)
    (root / "driver.py").write_text(DRIVER)
    return root


def _drive(root: Path, tool: str, rev_id: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "driver.py", tool, rev_id],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, f"{tool}:\n{done.stderr}"
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_revision_context_writes_what_alembics_writes(project_root: Path) -> None:
    twin = project_root.parent / "alembic_project"
    shutil.copytree(project_root, twin)
    ours = _drive(project_root, "still", "aaa111")
    theirs = _drive(twin, "alembic", "bbb222")
    assert ours["seen"] == theirs["seen"] == [["CreateTableOp", "CreateIndexOp"]]
    (ours_path,) = ours["written"]  # type: ignore[misc]
    (theirs_path,) = theirs["written"]  # type: ignore[misc]
    assert Path(ours_path).name.startswith("aaa111")
    assert statements(Path(ours_path)) == statements(Path(theirs_path))
