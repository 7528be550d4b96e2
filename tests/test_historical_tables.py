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


def test_an_offline_run_says_what_to_do_instead(tmp_path: Path) -> None:
    project = Project(tmp_path, "sqlite:///" + str(tmp_path / "never.db"))
    project.add(FIRST)
    project.config.stdout = io.StringIO()
    with pytest.raises(StillError, match=r"op\.schema\(\) reads the tables from the database"):
        command.upgrade(project.config, "head", sql=True)
    assert (
        not (tmp_path / "never.db").exists()
        or not sa.inspect(
            sa.create_engine("sqlite:///" + str(tmp_path / "never.db"))
        ).get_table_names()
    )
