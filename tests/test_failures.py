"""When things go wrong: a migration that raises, a statement the database rejects, a database
that cannot be reached, a revision that does not exist, a revision file that does not compile.

Each case must end with a non-zero exit, a message that names what failed (and no traceback),
and a database in the state the message describes.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import Project, fresh_database, make_project

TABLE = 'op.create_table("{name}", sa.Column("id", sa.Integer, primary_key=True))'


def table(name: str) -> str:
    return TABLE.format(name=name)


def write_failing_chain(project: Project) -> None:
    """t1 (table t1) -> t2 (table t2) -> t3 (table t3, then raises)."""
    project.write_revision("t1", None, table("t1"), 'op.drop_table("t1")', "first")
    project.write_revision("t2", "t1", table("t2"), 'op.drop_table("t2")', "second")
    project.write_revision(
        "t3",
        "t2",
        table("t3") + '\nraise RuntimeError("pets without owners: 3")',
        'op.drop_table("t3")',
        "third fails",
    )


def assert_reported(result, *fragments: str) -> None:
    assert result.exit_code in (3, 4, 5, 6), str(result)
    assert "Traceback" not in result.output, str(result)
    assert "Unexpected error" not in result.output, str(result)
    for fragment in fragments:
        assert fragment in result.output, f"{fragment!r} not in\n{result}"


# -- a migration that raises half-way ------------------------------------------------------------


def test_failing_migration_one_transaction_per_run(project: Project) -> None:
    write_failing_chain(project)
    project.ok("upgrade", "t1")

    result = project.run("upgrade", "head")

    assert_reported(
        result, "upgrade of t3", "t3_third_fails.py", "RuntimeError", "pets without owners: 3"
    )
    assert "Running upgrade t2 -> t3, third fails ... failed" in result.stderr
    if project.kind == "mariadb":
        # DDL commits itself: t2 is complete and recorded, t3 half-applied, and the message
        # says so, listing the statements of t3 that ran
        assert project.versions() == {"t2"}
        assert project.tables() == {"t1", "t2", "t3"}
        assert_reported(result, "stands at t2", "CREATE TABLE t3")
        assert re.search(
            r"before the failure and committed \(they stay\):\n\s+CREATE TABLE t3", result.output
        )
    else:
        # one transaction for the run: t2 and the half of t3 are gone, the version as before
        assert project.versions() == {"t1"}
        assert project.tables() == {"t1"}
        assert_reported(result, "rolled back")


def test_failing_migration_transaction_per_migration(project: Project) -> None:
    project.configure_with("transaction_per_migration=True")
    write_failing_chain(project)
    project.ok("upgrade", "t1")

    result = project.run("upgrade", "head")

    assert_reported(result, "upgrade of t3", "pets without owners: 3")
    # t2 was committed with its version row; t3 was rolled back where the database can
    assert project.versions() == {"t2"}
    assert_reported(result, "stands at t2")
    if project.kind == "mariadb":
        assert project.tables() == {"t1", "t2", "t3"}
        assert_reported(result, "CREATE TABLE t3")
    else:
        assert project.tables() == {"t1", "t2"}
        assert_reported(result, "This migration was rolled back")


def test_failure_in_the_first_run_leaves_no_version_table(project: Project) -> None:
    project.write_revision(
        "t1", None, table("t1") + '\nraise ValueError("no")', 'op.drop_table("t1")', "first"
    )
    result = project.run("upgrade", "head")
    assert_reported(result, "upgrade of t1", "ValueError: no")
    if project.kind == "mariadb":
        assert project.versions() == set() and project.tables() == {"t1"}
        assert_reported(result, "stands at base")
    else:
        assert project.versions() is None  # the version table was made in the same transaction
        assert project.tables() == set()


def test_failing_downgrade(project: Project) -> None:
    project.write_revision("t1", None, table("t1"), 'op.drop_table("t1")', "first")
    project.write_revision(
        "t2",
        "t1",
        table("t2"),
        'op.drop_table("t2")\nraise RuntimeError("cannot undo")',
        "second",
    )
    project.ok("upgrade", "head")
    result = project.run("downgrade", "base")
    assert_reported(result, "downgrade of t2", "cannot undo")
    assert project.versions() == {"t2"}
    if project.kind == "mariadb":
        assert project.tables() == {"t1"}  # DROP TABLE t2 committed itself
        assert_reported(result, "DROP TABLE t2")
    else:
        assert project.tables() == {"t1", "t2"}


def test_failure_in_a_real_process(project: Project) -> None:
    """End to end: exit status 1, the message on stderr, nothing on stdout, no traceback."""
    write_failing_chain(project)
    result = project.run_subprocess("upgrade", "head")
    assert result.exit_code == 5, str(result)
    assert "FAILED: Migration failed: upgrade of t3" in result.stderr
    assert "pets without owners: 3" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    if project.kind == "mariadb":
        project.execute("DROP TABLE t3")  # the half of t3 that MariaDB committed
    traced = project.run_subprocess("--traceback", "upgrade", "head")
    assert traced.exit_code == 5
    assert "Traceback" in traced.stderr and "RuntimeError: pets without owners: 3" in traced.stderr


# -- statements the database rejects -------------------------------------------------------------

MISSING_TABLE_ERROR = {
    "sqlite": "no such table: no_such_table",
    "postgresql": 'relation "no_such_table" does not exist',
    "mariadb": "no_such_table' doesn't exist",
}


def test_rejected_raw_statement_is_named(project: Project) -> None:
    project.write_revision("t1", None, table("t1"), 'op.drop_table("t1")', "first")
    project.write_revision(
        "t2",
        "t1",
        table("t2") + '\nop.execute("INSERT INTO no_such_table (id) VALUES (1)")',
        'op.drop_table("t2")',
        "second",
    )
    result = project.run("upgrade", "head")
    assert_reported(
        result,
        "upgrade of t2",
        "Statement: INSERT INTO no_such_table (id) VALUES (1)",
        MISSING_TABLE_ERROR[project.kind],
    )
    if project.kind == "mariadb":
        assert project.versions() == {"t1"} and project.tables() == {"t1", "t2"}
        # the failed statement is named once, as the statement; t2's CREATE TABLE as done
        assert re.search(
            r"before the failure and committed \(they stay\):\n\s+CREATE TABLE t2", result.output
        )
    else:
        assert project.versions() is None and project.tables() == set()


def test_rejected_operation_statement_is_named(project: Project) -> None:
    project.write_revision(
        "t1",
        None,
        'op.add_column("no_such_table", sa.Column("age", sa.Integer))',
        message="first",
    )
    result = project.run("upgrade", "head")
    assert_reported(result, "upgrade of t1", "Statement: ALTER TABLE no_such_table ADD")
    assert project.tables() == set()


def test_constraint_violation_in_a_data_migration(project: Project) -> None:
    project.write_revision(
        "t1",
        None,
        table("t1")
        + '\nop.execute("INSERT INTO t1 (id) VALUES (1)")'
        + '\nop.execute("INSERT INTO t1 (id) VALUES (1)")',
        'op.drop_table("t1")',
        "duplicate",
    )
    result = project.run("upgrade", "head")
    assert_reported(result, "upgrade of t1", "Statement: INSERT INTO t1 (id) VALUES (1)")
    assert re.search(r"(?i)unique|duplicate", result.output)


# -- unreachable databases: the password never shows ----------------------------------------------

SECRET = "secret123"
UNREACHABLE = {
    "postgresql-refused": f"postgresql+psycopg://admin:{SECRET}@127.0.0.1:1/clinic",
    "postgresql-no-such-database": (
        f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:5432/still_no_such_db"
    ),
    "mariadb-refused": f"mysql+pymysql://admin:{SECRET}@127.0.0.1:1/clinic",
    "mariadb-wrong-password": f"mysql+pymysql://root:{SECRET}@127.0.0.1:3306/test",
    "url-encoded-password": f"postgresql+psycopg://admin:{SECRET}%40%25x@127.0.0.1:1/clinic",
}


@pytest.fixture
def bare_project(tmp_path, monkeypatch) -> Project:
    """A project whose ini points nowhere useful (no database fixture needed)."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    p = Project(root, f"sqlite:///{root / 'bare.db'}")
    p.ok("init", "migrations")
    p.set_url(p.url)
    p.write_revision("t1", None, table("t1"), 'op.drop_table("t1")', "first")
    return p


@pytest.mark.parametrize("url", list(UNREACHABLE.values()), ids=list(UNREACHABLE))
def test_unreachable_database_masks_the_password(bare_project: Project, url: str) -> None:
    masked = re.sub(r"(://[^:/]+:)[^@]+@", r"\1***@", url)
    # from the ini file (% doubled there), from -x and from SQLALCHEMY_URL
    bare_project.set_url(url)
    runs = [
        bare_project.run("upgrade", "head"),
        bare_project.run("current"),
        bare_project.run("-x", f"sqlalchemy.url={url}", "downgrade", "base"),
        bare_project.run("stamp", "head", env={"SQLALCHEMY_URL": url}),
        bare_project.run("--traceback", "upgrade", "head"),
    ]
    for result in runs:
        assert result.exit_code == 6, str(result)
        assert SECRET not in result.output, str(result)
    for result in runs[:-1]:
        assert_reported(result, "Could not connect to the database", masked)


def test_unreachable_database_in_a_real_process(bare_project: Project) -> None:
    url = UNREACHABLE["postgresql-refused"]
    bare_project.set_url(url)
    for args in (("upgrade", "head"), ("--traceback", "current")):
        result = bare_project.run_subprocess(*args)
        assert result.exit_code == 6, str(result)
        assert SECRET not in result.stdout + result.stderr
        assert "admin:***@127.0.0.1:1/clinic" in result.stderr


def test_password_is_masked_where_still_prints_the_url(tmp_path, monkeypatch) -> None:
    """PostgreSQL here trusts local connections, so a URL with a password connects."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database("postgresql", tmp_path) as url:
        with_password = url.replace("postgres@", f"postgres:{SECRET}@")
        project = make_project(tmp_path, with_password)
        project.write_revision("t1", None, table("t1"), 'op.drop_table("t1")', "first")
        result = project.ok("upgrade", "head")
        assert project.versions() == {"t1"}
        verbose = project.ok("current", "--verbose")
        assert "postgres:***@127.0.0.1:5432" in verbose.stdout
        failed = project.run("upgrade", "+5")
        assert failed.exit_code == 4
        for output in (result.output, verbose.output, failed.output):
            assert SECRET not in output
        project.dispose()


def test_unopenable_sqlite_file(bare_project: Project, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    result = bare_project.run("-x", f"sqlalchemy.url={url}", "upgrade", "head")
    assert_reported(result, "Could not connect to the database", "unable to open database file")


def test_unknown_dialect_in_url(bare_project: Project) -> None:
    result = bare_project.run("-x", "sqlalchemy.url=nosuchdb://u:secret123@h/d", "upgrade", "head")
    assert result.exit_code == 3 and SECRET not in result.output
    assert "Traceback" not in result.output
    assert "nosuchdb" in result.output


# -- revisions that do not exist -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("upgrade", "zzz"),
        ("downgrade", "zzz"),
        ("stamp", "zzz"),
        ("show", "zzz"),
        ("history", "-r", "zzz:"),
        ("upgrade", "--sql", "zzz"),
    ],
    ids=lambda a: "-".join(a),
)
def test_unknown_revision(bare_project: Project, args: tuple[str, ...]) -> None:
    result = bare_project.run(*args)
    assert_reported(result, "No revision 'zzz'")


def test_ambiguous_partial_revision(bare_project: Project) -> None:
    bare_project.write_revision("abc111", "t1", message="one")
    bare_project.write_revision("abc222", "abc111", message="two")
    result = bare_project.run("show", "abc")
    assert_reported(result, "abc")
    assert "abc111" in result.output and "abc222" in result.output


def test_database_at_a_revision_no_file_declares(project: Project) -> None:
    write_failing_chain(project)
    project.ok("upgrade", "t2")
    project.execute("UPDATE alembic_version SET version_num = 'gone'")

    current = project.ok("current")
    assert "gone" in current.stdout and "not found" in current.stdout
    result = project.run("upgrade", "head")
    assert_reported(result, "'gone'", "no revision file declares it")
    assert project.versions() == {"gone"}


def test_downgrade_relative_from_an_unknown_revision(project: Project) -> None:
    write_failing_chain(project)
    project.ok("upgrade", "t2")
    project.execute("UPDATE alembic_version SET version_num = 'gone'")
    result = project.run("downgrade", "-1")
    assert_reported(result, "'gone'")
    assert project.versions() == {"gone"}


def test_stamp_replaces_or_refuses_an_unknown_revision(project: Project) -> None:
    write_failing_chain(project)
    project.ok("upgrade", "t2")
    project.execute("UPDATE alembic_version SET version_num = 'gone'")
    result = project.run("stamp", "t2")
    if result.exit_code == 0:
        # the advice of the upgrade message, followed: the database is recorded at t2
        assert project.versions() == {"t2"}
    else:
        assert_reported(result, "--purge")
        assert project.versions() == {"gone"}


def test_stamp_purge_recovers_from_an_unknown_revision(project: Project) -> None:
    write_failing_chain(project)
    project.ok("upgrade", "t2")
    project.execute("UPDATE alembic_version SET version_num = 'gone'")
    project.ok("stamp", "--purge", "t2")
    assert project.versions() == {"t2"}
    assert project.ok("current").stdout.strip() == "t2"


# -- revision files that do not compile or import ------------------------------------------------


def test_syntax_error_names_the_file_and_line(project: Project) -> None:
    project.write_revision("t1", None, table("t1"), 'op.drop_table("t1")', "first")
    path = project.write_revision("t2", "t1", "op.create_table(\n    'x',", message="broken")
    lines = path.read_text().splitlines()
    broken_line = next(i for i, line in enumerate(lines, 1) if "op.create_table(" in line)

    for args in (("upgrade", "head"), ("upgrade", "head", "--sql")):
        result = project.run(*args)
        assert_reported(result, path.name, "syntax error")
        line = int(re.search(r"line (\d+)", result.output).group(1))
        assert broken_line <= line <= len(lines) + 1, (line, broken_line)
    # Every revision of the plan is loaded before the first runs: nothing ran, on any database
    # (MySQL/MariaDB included, where t1's DDL would have committed by itself).
    assert project.versions() is None and project.tables() == set()


def test_import_error_in_a_revision_file_names_the_file(project: Project) -> None:
    project.write_revision("t1", None, "pass", message="imports").write_text(
        "import no_such_module_for_still_tests\n"
        "revision = 't1'\ndown_revision = None\n"
        "def upgrade():\n    pass\ndef downgrade():\n    pass\n"
    )
    result = project.run("upgrade", "head")
    assert_reported(result, "t1_imports.py", "no_such_module_for_still_tests")
    assert not project.versions()


def test_syntax_error_in_env_py(project: Project) -> None:
    project.write_revision("t1", None, table("t1"), 'op.drop_table("t1")', "first")
    project.env_py.write_text(project.env_py.read_text() + "\ndef broken(:\n")
    result = project.run("upgrade", "head")
    assert_reported(result, "env.py", "syntax error")
    assert project.tables() == set()
