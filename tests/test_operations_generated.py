"""alter_column(server_default=sa.Identity(...) | sa.Computed(...)): identity and generated
columns changed in place where the database can (checked by reflection and rows), refused with
the reason where it cannot; the SQL for the five dialects."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.config import Config
from still.errors import StillError
from tests.databases import fresh_database
from tests.test_operations import Project

TABLE = """
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("price", sa.Integer),
        sa.Column("total", sa.Integer, sa.Computed("price * 2", persisted=True)),
        sa.Column("plain", sa.Integer),
    )
    op.execute("INSERT INTO items (id, price, plain) VALUES (1, 10, 7), (5, 20, 8)")
"""


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[[str, str], Project]]:
    """``start(kind, body)``: a project on a fresh ``kind`` database with TABLE, then ``body``."""
    with ExitStack() as stack:

        def make(kind: str, body: str) -> Project:
            project = Project(tmp_path, stack.enter_context(fresh_database(kind, tmp_path)))
            project.add(TABLE)
            project.add(body)
            return project

        yield make


def columns(project: Project) -> dict[str, dict]:
    return {c["name"]: c for c in project.inspector().get_columns("items")}


def execute(project: Project, sql: str) -> None:
    engine = sa.create_engine(project.url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


def test_postgresql_identity_added_changed_and_dropped(start) -> None:
    project = start(
        "postgresql",
        """
    op.alter_column("items", "id", server_default=sa.Identity(), existing_type=sa.Integer)
""",
    )
    command.upgrade(project.config, "head")
    assert columns(project)["id"]["identity"]["always"] is False
    # the identity continues after the rows already there
    execute(project, "INSERT INTO items (price) VALUES (30)")
    assert project.rows("SELECT id, price FROM items ORDER BY id") == [
        (1, 10),
        (5, 20),
        (6, 30),
    ]
    project.add(
        """
    op.alter_column("items", "id", server_default=sa.Identity(always=True, increment=10),
                existing_server_default=sa.Identity(), existing_type=sa.Integer)
"""
    )
    command.upgrade(project.config, "head")
    identity = columns(project)["id"]["identity"]
    assert identity["always"] is True and identity["increment"] == 10
    execute(project, "INSERT INTO items (price) VALUES (40)")
    assert project.rows("SELECT max(id) FROM items") == [(16,)]
    project.add(
        """
    op.alter_column("items", "id", server_default=None,
                existing_server_default=sa.Identity(always=True, increment=10))
"""
    )
    command.upgrade(project.config, "head")
    assert "identity" not in columns(project)["id"]
    assert project.rows("SELECT count(*) FROM items") == [(4,)]


def test_postgresql_computed_dropped_keeps_values_others_refused(start) -> None:
    project = start(
        "postgresql",
        """
    op.alter_column("items", "total", server_default=None,
                    existing_server_default=sa.Computed("price * 2", persisted=True))
""",
    )
    command.upgrade(project.config, "head")
    assert "computed" not in columns(project)["total"]
    assert project.rows("SELECT id, total FROM items ORDER BY id") == [(1, 20), (5, 40)]
    execute(project, "UPDATE items SET total = 1")  # a plain column now
    project.add(
        """
    op.alter_column("items", "plain", server_default=sa.Computed("price + 1", persisted=True))
"""
    )
    with pytest.raises(StillError, match="cannot make an existing column generated"):
        command.upgrade(project.config, "head")


def test_postgresql_new_expression_needs_version_17(start) -> None:
    project = start(
        "postgresql",
        """
    op.alter_column("items", "total", server_default=sa.Computed("price * 3", persisted=True),
                    existing_server_default=sa.Computed("price * 2", persisted=True))
""",
    )
    engine = sa.create_engine(project.url)
    with engine.connect() as conn:
        version = conn.dialect.server_version_info
    engine.dispose()
    if version is not None and version >= (17,):
        command.upgrade(project.config, "head")
        assert project.rows("SELECT total FROM items ORDER BY id") == [(30,), (60,)]
    else:
        with pytest.raises(StillError, match="needs PostgreSQL 17"):
            command.upgrade(project.config, "head")


def test_mariadb_computed_changed_dropped_and_added(start) -> None:
    project = start(
        "mariadb",
        """
    op.alter_column("items", "total", server_default=sa.Computed("price * 3", persisted=True),
                    existing_server_default=sa.Computed("price * 2", persisted=True),
                    existing_type=sa.Integer)
    op.alter_column("items", "plain", server_default=sa.Computed("price + 1", persisted=True),
                    existing_type=sa.Integer)
""",
    )
    command.upgrade(project.config, "head")
    assert project.rows("SELECT total, plain FROM items ORDER BY id") == [(30, 11), (60, 21)]
    assert "price" in columns(project)["plain"]["computed"]["sqltext"]
    project.add(
        """
    op.alter_column("items", "total", server_default=None,
                existing_server_default=sa.Computed("price * 3", persisted=True),
                existing_type=sa.Integer)
"""
    )
    command.upgrade(project.config, "head")
    assert "computed" not in columns(project)["total"]
    assert project.rows("SELECT total FROM items ORDER BY id") == [(30,), (60,)]
    project.add(
        """
    op.alter_column("items", "id", server_default=sa.Identity(), existing_type=sa.Integer)
"""
    )
    with pytest.raises(StillError, match="autoincrement=True"):
        command.upgrade(project.config, "head")


def test_sqlite_computed_changes_by_rebuilding(start) -> None:
    project = start(
        "sqlite",
        """
    op.alter_column("items", "total", server_default=sa.Computed("price * 3", persisted=True),
                    existing_server_default=sa.Computed("price * 2", persisted=True))
    op.alter_column("items", "plain", server_default=sa.Computed("price + 1"))
""",
    )
    command.upgrade(project.config, "head")
    assert project.rows("SELECT id, total, plain FROM items ORDER BY id") == [
        (1, 30, 11),
        (5, 60, 21),
    ]
    project.add(
        """
    op.alter_column("items", "total", server_default=None,
                existing_server_default=sa.Computed("price * 3", persisted=True))
"""
    )
    command.upgrade(project.config, "head")
    assert "computed" not in columns(project)["total"]
    assert project.rows("SELECT total FROM items ORDER BY id") == [(30,), (60,)]


OFFLINE_BODY = """
    op.alter_column("items", "id", server_default=sa.Identity(start=5), existing_type=sa.Integer)
    op.alter_column("items", "id", server_default=sa.Identity(start=5, increment=2),
                    existing_server_default=sa.Identity(start=5), existing_type=sa.Integer)
    op.alter_column("items", "id", server_default=None,
                    existing_server_default=sa.Identity(start=5, increment=2))
"""

OFFLINE = {
    "postgresql": [
        "ALTER TABLE items ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH 5)",
        "ALTER TABLE items ALTER COLUMN id SET INCREMENT BY 2",
        "ALTER TABLE items ALTER COLUMN id DROP IDENTITY",
    ],
    "oracle": [
        "ALTER TABLE items MODIFY id GENERATED BY DEFAULT AS IDENTITY (START WITH 5)",
        "ALTER TABLE items MODIFY id GENERATED BY DEFAULT AS IDENTITY "
        "(INCREMENT BY 2 START WITH 5)",
        "ALTER TABLE items MODIFY id DROP IDENTITY",
    ],
}


def offline(tmp_path: Path, dialect: str, body: str) -> str:
    project = Project(tmp_path, f"{dialect}://")
    project.add(TABLE)
    project.add(body)
    out = io.StringIO()
    config = Config(str(tmp_path / "alembic.ini"), output_buffer=out)
    config.set_main_option("sqlalchemy.url", f"{dialect}://")
    command.upgrade(config, "r0:head", sql=True)
    return " ".join(out.getvalue().split())


@pytest.mark.parametrize("dialect", sorted(OFFLINE))
def test_identity_sql(tmp_path: Path, dialect: str) -> None:
    sql = offline(tmp_path, dialect, OFFLINE_BODY)
    for statement in OFFLINE[dialect]:
        assert statement in sql, statement


@pytest.mark.parametrize("dialect", ["mssql", "mysql"])
def test_identity_refused_where_the_database_cannot(tmp_path: Path, dialect: str) -> None:
    with pytest.raises(StillError, match=r"Cannot add the identity .* of items.id"):
        offline(tmp_path, dialect, OFFLINE_BODY)


def test_computed_sql(tmp_path: Path) -> None:
    body = """
    op.alter_column("items", "total", server_default=None,
                    existing_server_default=sa.Computed("price * 2"))
    op.alter_column("items", "total", server_default=sa.Computed("price * 4"),
                    existing_server_default=sa.Computed("price * 2"))
"""
    sql = offline(tmp_path, "postgresql", body)
    assert "ALTER TABLE items ALTER COLUMN total DROP EXPRESSION" in sql
    assert "ALTER TABLE items ALTER COLUMN total SET EXPRESSION AS (price * 4)" in sql
    mysql = offline(tmp_path / "m", "mysql", body.replace("))", "), existing_type=sa.Integer)"))
    assert "ALTER TABLE items MODIFY total INTEGER NULL" in mysql
    assert "ALTER TABLE items MODIFY total INTEGER GENERATED ALWAYS AS (price * 4);" in mysql
    with pytest.raises(StillError, match="Cannot drop the computed"):
        offline(tmp_path / "s", "mssql", body)
