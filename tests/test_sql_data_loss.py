"""Data loss done through SQL (issue 16, item 7), on SQLite, PostgreSQL and MariaDB.

Before: a migration running ``op.get_bind().execute(text("DROP TABLE t01"))`` got "The preview
stops here: Migration failed: upgrade of r03" with no reason, then "Nothing in this plan loses
data"; a plain run with ``confirm_data_loss = true`` dropped t01 without asking.  Now the SQL a
migration runs itself is read with sqlglot (still.script.destructive_sql), the preview says why it
stops and never calls the rest safe, and SQL built at run time is named as unchecked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from still.script.destructive_sql import sql_findings
from still.script.scan import Finding, destructive_calls
from tests.conftest import Project

# -- the SQL reader -------------------------------------------------------------------------------

LOSES = [
    ("DROP TABLE t01", "drops table t01"),
    ("drop table if exists app.t01", "drops table app.t01"),
    ("DROP TABLE `t01`", "drops table t01"),
    ('DROP TABLE "t01"', "drops table t01"),
    ("ALTER TABLE t01 DROP COLUMN c", "drops column t01.c"),
    ("ALTER TABLE t01 DROP c", "drops column t01.c"),
    ("ALTER TABLE t01 ADD COLUMN x INT, DROP COLUMN y", "drops column t01.y"),
    ("TRUNCATE t01", "empties table t01"),
    ("TRUNCATE TABLE t01", "empties table t01"),
    ("DELETE FROM t01", "deletes every row of t01"),
    ("delete from t01 where id > 3", "deletes rows of t01"),
    ("DELETE FROM t01 USING t02 WHERE t01.id = t02.id", "deletes rows of t01"),
    ("DELETE t01 FROM t01 JOIN t02 ON t01.id = t02.id", "deletes rows of t01"),
    ("DROP SCHEMA app CASCADE", "drops schema app"),
    ("DROP DATABASE app", "drops database app"),
]
SAFE = [
    "UPDATE t01 SET x = 0",  # not counted (documented): a backfill, most often
    "UPDATE t01 SET x = 0 WHERE x IS NULL",
    "DROP INDEX ix_t01_x",
    "DROP VIEW v",
    "DROP SEQUENCE s",
    "ALTER TABLE t01 DROP CONSTRAINT ck",
    "ALTER TABLE t01 RENAME TO t02",
    "INSERT INTO t01 VALUES (1)",
    "CREATE TABLE t03 (id INT)",
    "SELECT 1",
    "VACUUM",
    "",
]
UNCHECKED = ["DO $$ BEGIN EXECUTE 'DROP TABLE t01'; END $$", "CALL cleanup()", "((( not sql"]


@pytest.mark.parametrize(("sql", "loses"), LOSES)
@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite", None])
def test_destructive_statements(sql: str, loses: str, dialect: str | None) -> None:
    (found,) = sql_findings(sql, dialect)
    assert found.loses == loses and found.unchecked is None
    assert found.text.startswith(f"{loses} (SQL: ")


@pytest.mark.parametrize("sql", SAFE)
def test_statements_that_lose_nothing(sql: str) -> None:
    assert sql_findings(sql, "postgresql") == []


@pytest.mark.parametrize("sql", UNCHECKED)
def test_statements_that_cannot_be_checked_are_never_called_safe(sql: str) -> None:
    (found,) = sql_findings(sql, "postgresql")
    assert found.loses is None and found.unchecked
    assert found.text.startswith("runs SQL that cannot be checked (")


def test_every_statement_of_a_string_counts() -> None:
    found = sql_findings("SELECT 1; DELETE FROM a; UPDATE b SET x = 1; DROP TABLE c", "sqlite")
    assert [f.loses for f in found] == ["deletes every row of a", "drops table c"]


# -- the source scan ------------------------------------------------------------------------------


def scan_of(tmp_path: Path, body: str, header: str = "") -> list[Finding]:
    path = tmp_path / "r.py"
    path.write_text(
        "from alembic import op\nimport sqlalchemy as sa\nfrom sqlalchemy import text\n"
        + textwrap.dedent(header)
        + "\n\ndef upgrade():\n"
        + textwrap.indent(textwrap.dedent(body).strip(), "    ")
        + "\n"
    )
    return destructive_calls(path, "upgrade")


@pytest.mark.parametrize(
    "body",
    [
        'op.execute("DROP TABLE t01")',
        'op.execute(text("DROP TABLE t01"))',
        'op.execute(sa.text("DROP TABLE t01"))',
        'op.get_bind().execute(text("DROP TABLE t01"))',
        'op.get_bind().execute(sa.text(text="DROP TABLE t01"))',
        'bind = op.get_bind()\nbind.execute(text("DROP TABLE t01"))',
        'connection = op.get_bind()\nconnection.exec_driver_sql("DROP TABLE t01")',
        'sql = "DROP TABLE t01"\nop.execute(sql)',
        'op.execute(sqltext="DROP TABLE t01")',
        'with op.get_bind().begin() as conn:\n    conn.execute(text("DROP TABLE t01"))',
    ],
)
def test_every_way_to_run_sql_is_read(tmp_path: Path, body: str) -> None:
    (found,) = scan_of(tmp_path, body)
    assert found.loses_data and found.text == "drops table t01 (SQL: DROP TABLE t01)"


def test_a_module_constant_is_read_unless_the_function_rebinds_it(tmp_path: Path) -> None:
    (found,) = scan_of(tmp_path, "op.execute(SQL)", header='SQL = "TRUNCATE t01"')
    assert found.text.startswith("empties table t01")
    (found,) = scan_of(tmp_path, "SQL = make()\nop.execute(SQL)", header='SQL = "TRUNCATE t01"')
    assert not found.loses_data


@pytest.mark.parametrize(
    "body",
    [
        'op.execute(f"DROP TABLE {name}")',
        'op.execute("DROP TABLE " + name)',
        "op.execute(statement)",
        'op.execute(text(f"DELETE FROM {t}"))',
        "op.get_bind().execute(build())",
        'sql = "a"\nsql = "DROP TABLE t01"\nop.execute(sql)',  # bound twice: not a constant
    ],
)
def test_sql_built_at_run_time_is_named_unchecked(tmp_path: Path, body: str) -> None:
    (found,) = scan_of(tmp_path, body)
    assert found == Finding(found.line, "runs SQL built at run time: it cannot be checked before "
                            "it runs", False)  # fmt: skip


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("op.execute(sa.table('t01').delete())",
         [("deletes every row of a table (a SQLAlchemy delete())", True)]),
        ("op.execute(sa.delete(t).where(t.c.id == 1))",
         [("deletes rows (a SQLAlchemy delete() with where())", True)]),
        ("op.execute(t.update().values(x=1))", []),
        ("op.execute(sa.insert(t).values(x=1))", []),
        ('op.execute("UPDATE t01 SET x = 0")', []),
        ('op.execute("DROP INDEX ix")', []),
        ('op.drop_table("t01")', [("drops table t01", True)]),
        ('with op.batch_alter_table("t01") as b:\n    b.drop_column("c")',
         [("drops column c (in a batch)", True)]),
    ],
)  # fmt: skip
def test_sqlalchemy_constructs_and_operations(
    tmp_path: Path, body: str, expected: list[tuple[str, bool]]
) -> None:
    assert [(f.text, f.loses_data) for f in scan_of(tmp_path, body)] == expected


def test_sqlglot_is_not_imported_to_start_or_to_read_headers(tmp_path: Path) -> None:
    """sqlglot is imported only when a revision's SQL is read."""
    probe = (
        "import sys\nfrom still.cli.main import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('sqlglot' in sys.modules, file=sys.stderr)\n"
    )
    subprocess.run([sys.executable, "-m", "still", "init", "m"], cwd=tmp_path, check=True,
                   capture_output=True)  # fmt: skip
    (tmp_path / "m" / "versions" / "a.py").write_text(
        "revision = 'a'\ndown_revision = None\nfrom alembic import op\n"
        "def upgrade():\n    op.create_table('x')\n"
    )
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text().replace("driver://user:pass@localhost/dbname", "sqlite:///d.db"))
    for argv in (["--help"], ["heads"], ["history"], ["upgrade", "head"]):
        done = subprocess.run([sys.executable, "-c", probe, *argv], cwd=tmp_path,
                              capture_output=True, text=True)  # fmt: skip
        assert done.stderr.strip().splitlines()[-1] == "False", (argv, done.stderr)


# -- the case, on every database ---------------------------------------------------------


def _three(project: Project, r03: str) -> None:
    project.write_revision(
        "r01", None, "op.create_table('t01', sa.Column('id', sa.Integer))", "op.drop_table('t01')"
    )
    project.write_revision(
        "r02", "r01", "op.create_table('t02', sa.Column('id', sa.Integer))", "op.drop_table('t02')"
    )
    project.write_revision("r03", "r02", r03)


GET_BIND_DROP = "from sqlalchemy import text\nop.get_bind().execute(text('DROP TABLE t01'))"


def test_the_preview_says_why_it_stops_and_never_calls_the_rest_safe(project: Project) -> None:
    _three(project, GET_BIND_DROP)
    project.ok("upgrade", "r01")
    before = project.schema()
    out = project.ok("upgrade", "head", "--plan").stdout
    assert "The preview stops here: Migration failed: upgrade of r03" in out
    assert "Error: AttributeError: 'NoneType' object has no attribute 'execute'" in out
    assert "A preview has no database connection" in out
    assert "Nothing in this plan loses data" not in out
    assert "Not previewed (read from their source, not run):" in out
    assert "Running upgrade r02 -> r03, step r03 (r03_step_r03.py)" in out
    assert "LOSES DATA: drops table t01 (SQL: DROP TABLE t01)" in out
    assert "The preview is incomplete: 0 operation(s) above lose data, and the source of the 1 " \
        "migration(s) not previewed shows 1 more" in out  # fmt: skip
    assert "Everything this run did was rolled back" not in out  # a real run's words
    document = json.loads(project.ok("upgrade", "head", "--plan", "--json").stdout)
    assert document["complete"] is False and document["data_loss"] == 0
    assert document["not_previewed"] == [
        {
            "description": "Running upgrade r02 -> r03, step r03",
            "revision": "r03",
            "file": "r03_step_r03.py",
            "from_source": [
                {"line": 18, "text": "drops table t01 (SQL: DROP TABLE t01)", "loses_data": True}
            ],
        }
    ]
    assert project.versions() == {"r01"} and project.schema() == before


def test_confirm_data_loss_stops_a_drop_through_get_bind(project: Project) -> None:
    _three(project, GET_BIND_DROP)
    project.ini.write_text(
        project.ini.read_text().replace("[alembic]\n", "[alembic]\nconfirm_data_loss = true\n", 1)
    )
    project.ok("upgrade", "r01")
    refused = project.run("upgrade", "head")
    assert refused.exit_code == 7
    assert "r03 (r03_step_r03.py, line 18): drops table t01 (SQL: DROP TABLE t01)" in (
        refused.stderr
    )
    assert "confirm_data_loss = true" in refused.stderr
    assert project.versions() == {"r01"} and "t01" in project.tables()
    project.ok("upgrade", "head", "--yes")
    assert project.versions() == {"r03"} and "t01" not in project.tables()


@pytest.mark.parametrize(
    ("r03", "loss"),
    [
        ("op.execute('TRUNCATE TABLE t01')", "raw SQL that empties table t01"),
        ("op.execute('DELETE FROM t01')", "raw SQL that deletes every row of t01"),
        ("op.execute('ALTER TABLE t01 ADD COLUMN x INTEGER')\n"
         "op.execute('ALTER TABLE t01 DROP COLUMN x')", "raw SQL that drops column t01.x"),
    ],
)  # fmt: skip
def test_the_plan_reads_the_sql_of_op_execute(project: Project, r03: str, loss: str) -> None:
    if project.kind == "sqlite" and "TRUNCATE" in r03:
        r03 = "op.execute('DELETE FROM t01')"
        loss = "raw SQL that deletes every row of t01"
    _three(project, r03)
    project.ok("upgrade", "r01")
    project.execute("INSERT INTO t01 (id) VALUES (1)")
    out = project.ok("upgrade", "head", "--plan").stdout
    assert f"execute SQL  [LOSES DATA: {loss}]" in out
    assert "operation(s) lose data." in out and "Nothing in this plan" not in out
    assert project.rows("SELECT id FROM t01") == [(1,)]
    # and the plain run names it first, and runs
    result = project.ok("upgrade", "head")
    assert "This run loses data:" in result.stderr
    assert project.versions() == {"r03"}


def test_sql_built_at_run_time_is_named_before_a_plain_run(project: Project) -> None:
    _three(project, "name = 't01'\nop.execute(f'DELETE FROM {name}')")
    project.ini.write_text(
        project.ini.read_text().replace("[alembic]\n", "[alembic]\nconfirm_data_loss = true\n", 1)
    )
    result = project.ok("upgrade", "head")  # not known to lose data: no --yes needed
    assert "This run executes SQL still cannot check before it runs" in result.stderr
    source = (project.versions_dir / "r03_step_r03.py").read_text().splitlines()
    line = 1 + next(i for i, text in enumerate(source) if "op.execute(f" in text)
    assert f"r03 (r03_step_r03.py, line {line}): runs SQL built at run time" in result.stderr
    assert "This run loses data" not in result.stderr
    # the plan, which runs op.execute() for real (as a dry run), reads the statement it built
    project.ok("downgrade", "r02")
    out = project.ok("upgrade", "head", "--plan").stdout
    assert "execute SQL  [LOSES DATA: raw SQL that deletes every row of t01]" in out
