"""The ledger (still_ledger), `still log` and `still verify`, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Project, tables_of


def _chain(project: Project) -> None:
    for rev, down in (("l1", None), ("l2", "l1"), ("l3", "l2")):
        project.write_revision(
            rev,
            down,
            f"op.create_table('t_{rev}', sa.Column('id', sa.Integer, primary_key=True))",
            f"op.drop_table('t_{rev}')",
        )


def _ledger(project: Project) -> list[tuple[str, str, str | None]]:
    return [
        (r, d, c)
        for r, d, c in project.rows(
            "SELECT revision, direction, checksum FROM still_ledger ORDER BY id"
        )
    ]


def test_every_step_is_recorded_and_logged(project: Project) -> None:
    assert "ledger = true" in project.ini.read_text()  # projects that still init makes have it
    _chain(project)
    project.ok("upgrade", "head")
    project.ok("downgrade", "-1")
    project.ok("stamp", "l3")
    rows = _ledger(project)
    assert [(r, d) for r, d, _ in rows] == [
        ("l1", "upgrade"),
        ("l2", "upgrade"),
        ("l3", "upgrade"),
        ("l3", "downgrade"),
        ("l3", "stamp"),
    ]
    assert all(c and len(c) == 64 for _, d, c in rows if d != "stamp")
    who = project.rows("SELECT run_by, host, still_version, duration_ms FROM still_ledger")
    assert all(user and host and version and ms is not None for user, host, version, ms in who)

    out = project.ok("log").stdout.splitlines()
    assert len(out) == 5
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  upgrade\s+l1 ", out[0]), out[0]
    assert "downgrade" in out[3] and "stamp" in out[4]
    assert project.ok("log", "-n", "2").stdout.count("\n") == 2


def test_a_failed_migration_leaves_no_ledger_row_where_ddl_is_transactional(
    project: Project,
) -> None:
    _chain(project)
    project.write_revision("l4", "l3", "op.execute('SELECT * FROM no_such_table_here')")
    assert project.run("upgrade", "head").exit_code == 5
    if project.kind == "mariadb":
        # each migration commits with its rows
        assert [r for r, d, _ in _ledger(project)] == ["l1", "l2", "l3"]
    else:
        # the whole run is one transaction: not even the ledger table remains
        assert project.versions() is None and "still_ledger" not in tables_of(
            project.url, ledger=True
        )


def test_an_alembic_project_gets_no_ledger_unless_asked(project: Project) -> None:
    project.ini.write_text(project.ini.read_text().replace("ledger = true", ""))
    _chain(project)
    project.ok("upgrade", "head")
    assert "still_ledger" not in tables_of(project.url, ledger=True)
    assert "it is off" in project.ok("log").stdout
    verified = project.ok("verify").stdout
    assert "only missing revisions can be checked" in verified
    # Switched on later: a baseline row says where the ledger starts; nothing is "skipped".
    project.ini.write_text(
        project.ini.read_text().replace("[alembic]\n", "[alembic]\nledger = true\n", 1)
    )
    project.ok("downgrade", "-1")
    assert [(r, d) for r, d, _ in _ledger(project)] == [("l3", "baseline"), ("l3", "downgrade")]
    project.ok("upgrade", "head")
    assert "match their files" in project.ok("verify").stdout


def test_verify_finds_edited_missing_and_skipped_revisions(project: Project) -> None:
    _chain(project)
    project.ok("upgrade", "head")
    assert project.ok("verify").exit_code == 0

    # an applied file edited afterwards
    path = next(project.versions_dir.glob("l2_*.py"))
    original = path.read_text()
    path.write_text(original + "\n# edited\n")
    result = project.run("verify")
    assert result.exit_code == 1 and "changed: l2" in result.stdout, str(result)
    path.write_text(original)
    assert project.run("verify").exit_code == 0

    # a revision inserted below the head after its descendants ran
    project.write_revision("lx", "l1", "pass")
    l2 = next(project.versions_dir.glob("l2_*.py"))
    l2.write_text(l2.read_text().replace("down_revision = 'l1'", "down_revision = 'lx'"))
    result = project.run("verify")
    assert result.exit_code == 1 and "skipped: lx" in result.stdout, str(result)
    assert "changed: l2" in result.stdout  # its file changed too (the new down_revision)
    l2.write_text(original)
    next(project.versions_dir.glob("lx_*.py")).unlink()

    # the applied head's file removed
    head = next(project.versions_dir.glob("l3_*.py"))
    head.unlink()
    result = project.run("verify")
    assert result.exit_code == 1 and "missing: l3" in result.stdout, str(result)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["migration_audit"])
def test_the_ledger_table_name_is_configurable(project: Project, name: str) -> None:
    project.ini.write_text(
        project.ini.read_text().replace("ledger = true", f"ledger = true\nledger_table = {name}")
    )
    _chain(project)
    project.ok("upgrade", "l1")
    assert name in project.tables() and "still_ledger" not in tables_of(project.url, ledger=True)
    assert "upgrade" in project.ok("log").stdout
