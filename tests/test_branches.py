"""Branches and merges on three databases (seed step 13), broken graphs, env.py options."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import KINDS, fresh_database
from tests.projects import CliProject, configure_with


class Project(CliProject):
    """Each revision creates (and drops) a table named after itself."""

    def write(  # type: ignore[override]
        self, rev, down=None, labels=None, deps=None, table=True, name=None
    ) -> Path:
        return super().write(
            rev,
            down,
            upgrade=f'    op.create_table("t_{rev}", sa.Column("id", sa.Integer, primary_key=True))'
            if table
            else "    pass",
            downgrade=f'    op.drop_table("t_{rev}")' if table else "    pass",
            labels=labels,
            deps=deps,
            name=name,
        )

    def state(self) -> tuple[set[str], set[str]]:
        return self.versions(), {t[2:] for t in self.tables() if t.startswith("t_")}


@pytest.fixture(params=KINDS)
def project(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database(request.param, tmp_path) as url:
        yield Project(tmp_path, url)


def test_two_developers_branch_then_merge(project: Project) -> None:
    project.write("abc000")
    project.write("abc123", "abc000")  # developer one
    project.write("def456", "abc000")  # developer two, in parallel
    heads = project.ok("heads").split()
    assert "abc123" in heads and "def456" in heads
    refused = project.still("upgrade", "head")
    assert refused.exit_code == 4 and "2 heads" in refused.output
    project.ok("upgrade", "heads")
    assert project.state() == ({"abc123", "def456"}, {"abc000", "abc123", "def456"})

    output = project.ok("merge", "abc123", "def456", "-m", "merge branches")
    merge_id = re.search(r"versions/(\w+)_merge_branches\.py", output).group(1)
    assert project.ok("heads").strip() == f"{merge_id} (head)"
    project.ok("upgrade", "head")
    assert project.state()[0] == {merge_id}
    history = project.ok("history").splitlines()
    assert history[0] == f"abc123, def456 -> {merge_id} (head) (mergepoint), merge branches"

    project.ok("downgrade", "-1")  # from a merge point: back to both parents
    assert project.state()[0] == {"abc123", "def456"}
    project.ok("downgrade", "abc000")
    assert project.state() == ({"abc000"}, {"abc000"})
    project.ok("downgrade", "base")
    assert project.state() == (set(), set())


def test_labels_and_dependencies(project: Project) -> None:
    project.write("core1", labels=("core",))
    project.write("core2", "core1")
    project.write("net1", labels=("net",), deps="core1")
    project.write("net2", "net1")
    project.ok("upgrade", "net@head")  # pulls in core1, which net1 depends on
    assert project.state() == ({"net2"}, {"core1", "net1", "net2"})
    project.ok("upgrade", "core@head")
    assert project.state() == ({"core2", "net2"}, {"core1", "core2", "net1", "net2"})
    project.ok("downgrade", "net@base")
    assert project.state() == ({"core2"}, {"core1", "core2"})
    project.ok("stamp", "net2", "core2", "--purge")
    assert project.state()[0] == {"net2", "core2"}


def test_env_py_options(project: Project) -> None:
    configure_with(
        project.root / "migrations" / "env.py",
        'version_table=context.get_x_argument(as_dictionary=True).get("table", "alembic_version")',
    )
    project.write("r1")
    project.ok("-x", "table=my_versions", "upgrade", "head")
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert "my_versions" in tables and "alembic_version" not in tables
    assert project.ok("-x", "table=my_versions", "current").strip() == "r1 (head)"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([("a", None), ("a", None, "copy")], "declared twice"),
        ([("a", "zzz")], "down_revision = 'zzz', but no revision has that id"),
        ([("a", None, None, "nothing")], "depends_on = 'nothing'"),
        ([("a", "b"), ("b", "a")], "cycle"),
        ([("a", None, None, None, ("x",)), ("b", "a", None, None, ("x",))], "Branch label 'x'"),
    ],
)
def test_broken_graphs_name_the_files(tmp_path: Path, monkeypatch, files, expected) -> None:
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path)
    for spec in files:
        rev, down, name, deps, labels = (*spec, None, None, None)[:5]
        project.write(rev, down, labels=labels, deps=deps, table=False, name=name)
    result = project.still("heads")
    assert result.exit_code == 4
    assert expected in result.output
    assert "versions/" in result.output and "Traceback" not in result.output


def test_every_broken_file_is_reported_at_once(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path)
    versions = tmp_path / "migrations" / "versions"
    (versions / "helper.py").write_text("X = 1\n")
    (versions / "other.py").write_text("Y = 2\n")
    result = project.still("history")
    assert result.exit_code == 4
    assert "helper.py declares no `revision`" in result.output
    assert "other.py declares no `revision`" in result.output


def test_ambiguous_prefix_lists_candidates(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path)
    project.write("ab1", table=False)
    project.write("ab2", "ab1", table=False)
    result = project.still("show", "ab")
    assert result.exit_code == 4 and "ab1, ab2" in result.output
    assert "Rev: ab2 (head)" in project.ok("show", "ab2")
