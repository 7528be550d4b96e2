"""A migration that fails half-way on MariaDB, settled with `still resolve`; elsewhere nothing
is left to resolve."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Project


def _half_failing(project: Project) -> None:
    project.write_revision(
        "h1",
        None,
        "op.create_table('owners', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('owners')",
    )
    project.write_revision(
        "h2",
        "h1",
        "op.add_column('owners', sa.Column('email', sa.String(100)))\n"
        "op.create_table('pets', sa.Column('id', sa.Integer, primary_key=True))\n"
        "op.execute('SELECT * FROM no_such_table_for_resolve')\n"
        "op.create_index('ix_owners_email', 'owners', ['email'])",
        "op.drop_index('ix_owners_email', table_name='owners')\n"
        "op.drop_table('pets')\nop.drop_column('owners', 'email')",
    )


def _columns(project: Project) -> set[str]:
    return {c["name"] for c in project.inspector().get_columns("owners")}


def test_nothing_to_resolve_where_ddl_is_transactional(project: Project) -> None:
    if project.kind == "mariadb":
        pytest.skip("MariaDB commits DDL by itself: see the tests below")
    _half_failing(project)
    assert project.run("upgrade", "head").exit_code == 5
    assert project.versions() == {"h1"} or project.versions() is None
    assert "Nothing to resolve" in project.ok("resolve").stdout


@pytest.mark.parametrize("db_url", ["mariadb"], indirect=True)
def test_undo_reverses_what_ran_then_the_migration_runs_again(project: Project) -> None:
    _half_failing(project)
    failed = project.run("upgrade", "head")
    assert failed.exit_code == 5
    assert "half-applied" in failed.stderr and "still resolve --undo" in failed.stderr
    assert project.versions() == {"h1"}
    assert "email" in _columns(project) and "pets" in project.tables()

    shown = project.ok("resolve").stdout
    assert "h2 failed half-way" in shown and "2 of its operations ran" in shown
    assert "ADD COLUMN email" in shown

    undone = project.ok("resolve", "--undo").stdout
    assert "Undid 2 operation(s) of h2" in undone
    assert "email" not in _columns(project) and "pets" not in project.tables()
    assert project.versions() == {"h1"}
    assert "Nothing to resolve" in project.ok("resolve").stdout

    # the migration fixed, it runs from the start
    path = next(project.versions_dir.glob("h2_*.py"))
    path.write_text(
        path.read_text().replace("    op.execute('SELECT * FROM no_such_table_for_resolve')\n", "")
    )
    project.ok("upgrade", "head")
    assert project.versions() == {"h2"} and "email" in _columns(project)


@pytest.mark.parametrize("db_url", ["mariadb"], indirect=True)
def test_applied_records_a_migration_finished_by_hand(project: Project) -> None:
    _half_failing(project)
    assert project.run("upgrade", "head").exit_code == 5
    project.execute("CREATE INDEX ix_owners_email ON owners (email)")  # the rest, by hand
    out = project.ok("resolve", "--applied").stdout
    assert "h2 is recorded as applied" in out
    assert project.versions() == {"h2"}
    directions = [d for (d,) in project.rows("SELECT direction FROM still_ledger ORDER BY id")]
    assert directions[-3:] == ["failed", "stamp", "resolved"]
    assert "Nothing to resolve" in project.ok("resolve").stdout
    assert "verify: the applied revisions match" in project.ok("verify").stdout


def test_a_retry_that_meets_a_leftover_says_why(project: Project) -> None:
    _half_failing(project)
    project.ok("upgrade", "h1")
    assert project.run("upgrade", "head").exit_code == 5
    if project.kind != "mariadb":
        project.execute("ALTER TABLE owners ADD COLUMN email VARCHAR(100)")  # a leftover by hand
    path = next(project.versions_dir.glob("h2_*.py"))
    path.write_text(
        path.read_text().replace("    op.execute('SELECT * FROM no_such_table_for_resolve')\n", "")
    )
    retry = project.run("upgrade", "head")
    assert retry.exit_code == 5
    assert "already exists: an earlier run of this migration probably failed" in retry.stderr
    assert "Traceback" not in retry.output


# -- only what committed is reported as committed (issue 16, item 2) ---------------------------


def _with_notes(project: Project, upgrade: str) -> None:
    project.write_revision(
        "n1",
        None,
        "op.create_table('notes', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('note', sa.String(40)))",
        "op.drop_table('notes')",
    )
    project.write_revision("n2", "n1", upgrade, "op.drop_table('t02')")
    project.ok("upgrade", "n1")


def _notes(project: Project) -> list[str]:
    return [note for (note,) in project.rows("SELECT note FROM notes")]


def test_data_after_the_last_ddl_is_reported_rolled_back(project: Project) -> None:
    _with_notes(
        project,
        "op.create_table('t02', sa.Column('id', sa.Integer, primary_key=True))\n"
        "op.execute(\"INSERT INTO notes (note) VALUES ('n2')\")\n"
        "op.execute('SELECT * FROM no_such_table_for_resolve')",
    )
    failed = project.run("upgrade", "head")
    assert failed.exit_code == 5 and "Traceback" not in failed.output
    assert _notes(project) == []  # the INSERT was rolled back, on every database
    assert project.versions() == {"n1"}
    if project.kind != "mariadb":
        assert "rolled back" in failed.stderr and "t02" not in project.tables()
        assert "Nothing to resolve" in project.ok("resolve").stdout
        return
    message = " ".join(failed.stderr.split())
    assert re.search(
        r"committed \(they stay\): CREATE TABLE t02 \(.*\) Statements that ran", message
    )
    assert re.search(
        r"rolled back \(not run: nothing of them remains\): INSERT INTO notes \(note\) VALUES "
        r"\('n2'\)",
        message,
    ), failed.stderr
    committed_part = message.split("committed (they stay):")[1].split("Statements that ran")[0]
    assert "INSERT" not in committed_part

    shown = project.ok("resolve").stdout
    assert "1 of its operations ran and stayed" in shown and "INSERT" not in shown
    undone = project.ok("resolve", "--undo").stdout
    assert "Running upgrade" not in undone and "cannot reverse" not in undone
    assert "Undid 1 operation(s) of n2" in undone
    assert "t02" not in project.tables()


@pytest.mark.parametrize("db_url", ["mariadb"], indirect=True)
def test_data_before_a_later_ddl_committed_and_undo_says_it_cannot_reverse_it(
    project: Project,
) -> None:
    _with_notes(
        project,
        "op.create_table('t02', sa.Column('id', sa.Integer, primary_key=True))\n"
        "op.execute(\"INSERT INTO notes (note) VALUES ('n2')\")\n"
        "op.create_index('ix_t02_id', 't02', ['id'])\n"
        "op.execute('SELECT * FROM no_such_table_for_resolve')",
    )
    failed = project.run("upgrade", "head")
    assert failed.exit_code == 5
    assert _notes(project) == ["n2"]  # committed by CREATE INDEX's implicit commit
    message = " ".join(failed.stderr.split())
    assert re.search(
        r"committed \(they stay\): CREATE TABLE t02 \(.*\) INSERT INTO notes \(note\) VALUES "
        r"\('n2'\) CREATE INDEX ix_t02_id ON t02 \(id\)",
        message,
    ), failed.stderr
    assert "rolled back (not run" not in message
    assert "3 of its operations ran" in project.ok("resolve").stdout

    undone = project.ok("resolve", "--undo").stdout
    assert "Running upgrade" not in undone and "... done" not in undone
    assert undone.index("cannot reverse 1 of these") < undone.index("Reversing 2 operation(s)")
    assert "op.execute: INSERT INTO notes (note) VALUES ('n2')" in undone
    assert "t02" not in project.tables() and project.versions() == {"n1"}
