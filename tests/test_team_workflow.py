"""Two developers branch: `still heads --check` catches it, `still rebase` puts one line on the
other when no database applied it (and refuses when one has)."""

from __future__ import annotations

from tests.conftest import Project


def _parallel(project: Project) -> None:
    project.write_revision(
        "base1",
        None,
        "op.create_table('pets', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('pets')",
    )
    project.write_revision(
        "ann1",
        "base1",
        "op.add_column('pets', sa.Column('age', sa.Integer))",
        "op.drop_column('pets', 'age')",
    )
    project.write_revision(
        "bob1",
        "base1",
        "op.add_column('pets', sa.Column('name', sa.String(20)))",
        "op.drop_column('pets', 'name')",
    )
    project.write_revision(
        "bob2",
        "bob1",
        "op.create_index('ix_pets_name', 'pets', ['name'])",
        "op.drop_index('ix_pets_name', table_name='pets')",
    )


def test_heads_check(project: Project) -> None:
    _parallel(project)
    failed = project.run("heads", "--check")
    assert failed.exit_code == 1
    assert "2 heads" in failed.stderr and "still merge heads" in failed.stderr
    assert "still rebase" in failed.stderr and "Traceback" not in failed.output
    assert project.ok("heads", "--check", "--expected", "2").exit_code == 0
    project.ini.write_text(
        project.ini.read_text().replace("[alembic]\n", "[alembic]\nexpected_heads = 2\n", 1)
    )
    assert "2 head(s), as expected (2)" in project.ok("heads", "--check").stdout


def test_rebase_puts_one_branch_on_the_other(project: Project) -> None:
    _parallel(project)
    project.ok("upgrade", "ann1")  # the database has Ann's line only
    out = project.ok("rebase", "bob2", "--onto", "ann1").stdout
    assert "Moved 2 revision(s) onto ann1: bob1 now builds on ann1" in out
    assert project.ok("heads").stdout.split() == ["bob2", "(head)"]
    text = next(project.versions_dir.glob("bob1_*.py")).read_text()
    assert "down_revision = 'ann1'" in text and "Revises: ann1" in text
    project.ok("upgrade", "head")
    assert project.versions() == {"bob2"}
    assert {c["name"] for c in project.inspector().get_columns("pets")} == {"id", "age", "name"}
    assert project.ok("heads", "--check").exit_code == 0


def test_rebase_refuses_what_a_database_applied(project: Project) -> None:
    _parallel(project)
    project.ok("upgrade", "bob1")
    refused = project.run("rebase", "bob2", "--onto", "ann1")
    assert refused.exit_code == 1
    assert "The database has applied bob1" in refused.stderr and "Merge instead" in refused.stderr
    assert "down_revision = 'base1'" in next(project.versions_dir.glob("bob1_*.py")).read_text()
    # the other way round is fine: ann1 is not applied
    project.ok("rebase", "ann1", "--onto", "bob2")
    project.ok("upgrade", "head")
    assert project.versions() == {"ann1"}


def test_depends_on_a_branch_head_is_written_as_its_revision(project: Project) -> None:
    _parallel(project)
    project.ok(
        "revision",
        "-m",
        "audit",
        "--head",
        "base1",
        "--splice",
        "--branch-label",
        "audit",
        "--rev-id",
        "aud1",
    )
    project.ok(
        "revision",
        "-m",
        "needs audit",
        "--head",
        "bob2",
        "--depends-on",
        "audit@head",
        "--rev-id",
        "dep1",
    )
    text = next(project.versions_dir.glob("dep1_*.py")).read_text()
    assert "depends_on: Union[str, Sequence[str], None] = 'aud1'" in text
    project.ok(
        "revision",
        "-m",
        "needs label",
        "--head",
        "ann1",
        "--depends-on",
        "audit",
        "--rev-id",
        "dep2",
    )
    assert "= 'audit'" in next(project.versions_dir.glob("dep2_*.py")).read_text()
    assert project.ok("heads").exit_code == 0
