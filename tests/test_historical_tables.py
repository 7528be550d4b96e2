"""``op.schema()``: a data step reads the tables as they are at its revision (issue 19, part 6,
online runs), never today's models."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.errors import StillError
from tests.databases import KINDS, fresh_database
from tests.test_operations import Project
from tests.test_workflow import apply_script

FIRST = """    op.create_table(
        "pets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
    )
    pets = op.schema("pets").tables["pets"]
    assert sorted(pets.c.keys()) == ["id", "name"], pets.c.keys()
    op.bulk_insert(pets, [{"id": 1, "name": "Rex"}, {"id": 2, "name": "Tom"}])
"""

SECOND = """    op.add_column("pets", sa.Column("age", sa.Integer))
    tables = op.schema()
    pets = tables.tables["pets"]
    assert sorted(pets.c.keys()) == ["age", "id", "name"], pets.c.keys()
    op.get_bind().execute(pets.update().where(pets.c.name == "Rex").values(age=3))
"""


@pytest.mark.parametrize("kind", KINDS)
def test_a_data_step_sees_the_tables_as_they_are_at_its_revision(tmp_path: Path, kind: str) -> None:
    with fresh_database(kind, tmp_path) as url:
        project = Project(tmp_path, url)
        project.add(FIRST)
        project.add(SECOND)
        command.upgrade(project.config, "head")
        assert project.rows("SELECT id, name, age FROM pets ORDER BY id") == [
            (1, "Rex", 3),
            (2, "Tom", None),
        ]


# The same data step for a --sql script: the UPDATE through op.execute(), so it is written there
# (a write through op.get_bind() would reach only the shadow database, and is refused).
OFFLINE_SECOND = SECOND.replace("op.get_bind().execute(pets.update()", "op.execute(pets.update()")


@pytest.mark.parametrize("kind", KINDS)
def test_a_sql_script_reads_the_tables_from_the_shadow_database(tmp_path: Path, kind: str) -> None:
    """Part 6 offline: with --sql --shadow op.schema() reads the shadow database, which follows
    the script; the script, run on an empty database, leaves the rows the online run leaves."""
    with fresh_database(kind, tmp_path) as url, fresh_database(kind, tmp_path) as empty:
        project = Project(tmp_path, url)
        project.add(FIRST)
        project.add(OFFLINE_SECOND)
        project.config.output_buffer = script = io.StringIO()
        try:
            command.upgrade(project.config, "head", sql=True, shadow=True)
        finally:
            command.shadow_clean(project.config)
        assert "op.schema" not in script.getvalue()
        assert project.inspector().get_table_names() == []  # the project's database: untouched
        apply_script(empty, kind, script.getvalue())
        engine = sa.create_engine(empty, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT id, name, age FROM pets ORDER BY id")).all()
        finally:
            engine.dispose()
        assert [tuple(r) for r in rows] == [(1, "Rex", 3), (2, "Tom", None)]


def test_an_offline_run_says_what_to_do_instead(tmp_path: Path) -> None:
    project = Project(tmp_path, "sqlite:///" + str(tmp_path / "never.db"))
    project.add(FIRST)
    project.config.stdout = io.StringIO()
    project.config.output_buffer = io.StringIO()
    with pytest.raises(
        StillError, match=r"op\.schema\(\) reads the tables from the database"
    ) as failed:
        command.upgrade(project.config, "head", sql=True)
    assert "r0.py" in str(failed.value) and "--shadow" in str(failed.value)
    assert (
        not (tmp_path / "never.db").exists()
        or not sa.inspect(
            sa.create_engine("sqlite:///" + str(tmp_path / "never.db"))
        ).get_table_names()
    )
