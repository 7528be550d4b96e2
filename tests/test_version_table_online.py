"""The version table as the databases hold it (not only as --sql writes it), and the check that
every DELETE / UPDATE of a head touches exactly one row, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Project, engine_for
from tests.databases import fresh_database, required


def definition(url: str, table: str = "alembic_version") -> dict[str, Any]:
    """The table as reflection reads it back."""
    engine = engine_for(url)
    try:
        inspector = sa.inspect(engine)
        columns = inspector.get_columns(table)
        primary = inspector.get_pk_constraint(table)
    finally:
        engine.dispose()
    return {
        "columns": [
            (c["name"], type(c["type"]).__name__, getattr(c["type"], "length", None), c["nullable"])
            for c in columns
        ],
        "primary key": (primary.get("name"), primary["constrained_columns"]),
    }


def expected(kind: str, table: str = "alembic_version", pk: bool = True) -> dict[str, Any]:
    # MySQL/MariaDB keep no name for a primary key (it is always PRIMARY; reflection says None).
    name = (None if kind == "mariadb" else f"{table}_pkc") if pk else None
    return {
        "columns": [("version_num", "VARCHAR", 32, False)],
        "primary key": (name, ["version_num"] if pk else []),
    }


def test_the_version_table_is_alembics_on_the_database(project: Project, tmp_path: Path) -> None:
    project.write_revision("v1", None)
    project.ok("upgrade", "head")
    ours = definition(project.url)
    assert ours == expected(project.kind)
    # and exactly what real Alembic makes on the same kind of database
    migration = required("alembic.runtime.migration")
    (tmp_path / "alembic").mkdir()
    with fresh_database(project.kind, tmp_path / "alembic") as url:
        engine = engine_for(url)
        try:
            with engine.begin() as connection:
                migration.MigrationContext.configure(connection)._ensure_version_table()
        finally:
            engine.dispose()
        assert definition(url) == ours


@pytest.mark.parametrize(("option", "table", "pk"), [
    ("version_table='my_versions'", "my_versions", True),
    ("version_table_pk=False", "alembic_version", False),
])  # fmt: skip
def test_a_named_version_table_and_one_without_a_key(
    project: Project, option: str, table: str, pk: bool
) -> None:
    project.configure_with(option)
    project.write_revision("v1", None)
    project.ok("upgrade", "head")
    assert definition(project.url, table) == expected(project.kind, table, pk)


def _two_bases_and_a_merge(project: Project, merge_body: str) -> None:
    project.write_revision("a", None)
    project.write_revision("b", None)
    project.write_revision("m", ("a", "b"), merge_body)


@pytest.mark.parametrize(
    ("gone", "statement"),
    [("a", "DELETE"), ("b", "UPDATE")],
    ids=["a merge's DELETE", "a merge's UPDATE"],
)
def test_a_head_that_vanished_during_the_run_stops_it(
    project: Project, gone: str, statement: str
) -> None:
    """The merge step deletes row a and updates row b to m: each must touch exactly one row.
    Here the migration itself removes one of them first (as another process could)."""
    _two_bases_and_a_merge(
        project, f"op.execute(\"DELETE FROM alembic_version WHERE version_num = '{gone}'\")"
    )
    project.ok("upgrade", "a")
    project.ok("upgrade", "b")
    assert project.versions() == {"a", "b"}
    result = project.run("upgrade", "head")
    assert result.exit_code == 1, str(result)
    assert (
        f"The version table alembic_version no longer holds revision {gone!r}: another process "
        "changed it during this run." in result.stderr
    ), statement
    if project.kind != "mariadb":  # transactional: nothing of the run remains
        assert project.versions() == {"a", "b"}
    else:
        assert "m" not in (project.versions() or set())


def test_a_single_head_update_that_finds_no_row_stops_the_run(project: Project) -> None:
    project.write_revision("u1", None)
    project.write_revision("u2", "u1", 'op.execute("DELETE FROM alembic_version")')
    project.ok("upgrade", "u1")
    result = project.run("upgrade", "head")
    assert result.exit_code == 1
    assert "no longer holds revision 'u1'" in result.stderr
    if project.kind != "mariadb":
        assert project.versions() == {"u1"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sql_scripts_compile_each_version_statement_once(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--sql compiles each statement shape once per run and fills in the ids (thousands of
    steps do not compile thousands of statements); the ids still come out right."""
    from still.runtime.version_table import VersionTable

    shapes: list[str] = []
    real = VersionTable._statement

    def counted(self: VersionTable, kind: str, old: str | None, new: str | None) -> Any:
        shapes.append(kind)
        return real(self, kind, old, new)

    monkeypatch.setattr(VersionTable, "_statement", counted)
    down = None
    for i in range(6):
        project.write_revision(f"s{i}", down)
        down = f"s{i}"
    script = project.ok("upgrade", "head", "--sql").stdout
    assert sorted(shapes) == ["insert", "update"]
    for i in range(1, 6):
        assert f"SET version_num='s{i}' WHERE alembic_version.version_num = 's{i - 1}'" in script
