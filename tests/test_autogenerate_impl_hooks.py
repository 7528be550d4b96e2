"""A project's (or add-on's) DefaultImpl subclass overrides Alembic's autogenerate hooks, and
still calls the overrides where Alembic calls them: ``compare_type``,
``compare_server_default``, ``compare_indexes``, ``compare_unique_constraint``,
``correct_for_autogen_constraints``, ``correct_for_autogen_foreignkeys``,
``autogen_column_reflect``, ``render_type`` and ``start_migrations``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from still.autogenerate import api
from still.ddl import impl as ddl_impl
from still.ddl import impl_for
from tests.conftest import Project
from tests.test_autogenerate import Db


@pytest.fixture
def db(db_url: str) -> Iterator[Db]:
    database = Db(db_url)
    yield database
    database.dispose()


@pytest.fixture
def own_impl(db: Db) -> Iterator[dict[str, list[Any]]]:
    """A subclass of the database's implementation, registered for its dialect as a project
    registers one (``__dialect__``), recording each hook's calls; the registry is restored."""
    calls: dict[str, list[Any]] = {}
    base = impl_for(db.engine.dialect.name)
    saved = dict(ddl_impl.REGISTRY)

    class ProjectImpl(base):  # type: ignore[valid-type, misc]
        __dialect__ = db.engine.dialect.name

        def compare_type(self, inspector_column: Any, metadata_column: Any) -> bool:
            calls.setdefault("compare_type", []).append(metadata_column.name)
            return metadata_column.info.get("force_type_change", False)

        def compare_server_default(
            self, inspector_column, metadata_column, rendered_meta, rendered_conn
        ):  # type: ignore[no-untyped-def]
            calls.setdefault("compare_server_default", []).append((rendered_meta, rendered_conn))
            return False  # never different, whatever the texts

        def compare_indexes(self, metadata_index: Any, reflected_index: Any) -> Any:
            calls.setdefault("compare_indexes", []).append(metadata_index.name)
            if metadata_index.name == "ix_pets_name":
                return ddl_impl.ComparisonResult.Different("the project says so")
            return ddl_impl.ComparisonResult.Equal()

        def correct_for_autogen_constraints(
            self, conn_uniques, conn_indexes, meta_uniques, meta_indexes
        ):  # type: ignore[no-untyped-def]
            calls.setdefault("correct_for_autogen_constraints", []).append(
                sorted(i.name for i in meta_indexes)
            )
            for index in list(meta_indexes):
                if index.name == "ix_pets_hidden":
                    meta_indexes.discard(index)

        def correct_for_autogen_foreignkeys(
            self, conn_fks: set[Any], metadata_fks: set[Any]
        ) -> None:
            calls.setdefault("correct_for_autogen_foreignkeys", []).append(len(metadata_fks))
            metadata_fks.clear()

        def autogen_column_reflect(
            self, inspector: Any, table: Any, column_info: dict[str, Any]
        ) -> None:
            calls.setdefault("autogen_column_reflect", []).append(column_info["name"])
            if column_info["name"] == "tag":
                column_info["type"] = sa.String(99)

        def render_type(self, type_obj: Any, autogen_context: Any) -> Any:
            if isinstance(type_obj, sa.Numeric):
                autogen_context.imports.add("import money")
                return "money.Money()"
            return False

    yield calls
    ddl_impl.REGISTRY.clear()
    ddl_impl.REGISTRY.update(saved)


def pets(variant: int) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("owners", metadata, sa.Column("id", sa.Integer, primary_key=True))
    table = sa.Table(
        "pets",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
        sa.Column("tag", sa.String(10)),
        sa.Column("owner_id", sa.Integer),
        sa.Column("kind", sa.String(10), server_default="cat"),
    )
    sa.Index("ix_pets_name", table.c.name)
    if variant:
        sa.Index("ix_pets_hidden", table.c.tag)
        table.append_constraint(sa.ForeignKeyConstraint(["owner_id"], ["owners.id"]))
        table.append_column(sa.Column("price", sa.Numeric(8, 2)))
        table.c.kind.server_default = sa.DefaultClause("dog")
        table.c.name.info["force_type_change"] = True
    return metadata


def test_overrides_are_asked(db: Db, own_impl: dict[str, list[Any]]) -> None:
    db.run_ops(db.produce(pets(0)).upgrade_ops)
    own_impl.clear()
    diffs = db.compare(pets(1))
    kinds = sorted(d[0] if isinstance(d, tuple) else d[0][0] for d in diffs)
    # price added; name's type "changed" (compare_type said so); the index the project calls
    # different is dropped and created; ix_pets_hidden, the foreign key, the default: left out
    assert kinds == ["add_column", "add_index", "modify_type", "remove_index"]
    assert "name" in own_impl["compare_type"] and "tag" in own_impl["compare_type"]
    assert own_impl["compare_server_default"]
    assert own_impl["compare_indexes"] == ["ix_pets_name"]
    assert ["ix_pets_hidden", "ix_pets_name"] in own_impl["correct_for_autogen_constraints"]
    assert sorted(own_impl["correct_for_autogen_foreignkeys"]) == [0, 1]
    assert "tag" in own_impl["autogen_column_reflect"]
    with db.engine.connect() as conn:
        rendered = api.render_migration(db.produce(pets(1)), db.context(conn))
    assert "money.Money()" in rendered.upgrades and "import money" in rendered.imports


START_HOOK = """
from still.ddl import impl_for
from pathlib import Path


class ProjectImpl(impl_for("{dialect}")):
    __dialect__ = "{dialect}"

    def start_migrations(self):
        path = Path(__file__).parent / "started.txt"
        path.write_text(path.read_text() + "x" if path.exists() else "x")
"""


def test_start_migrations_is_called_once_per_run(project: Project) -> None:
    dialect = sa.create_engine(project.url).dialect.name
    env = project.env_py.read_text()
    project.env_py.write_text(START_HOOK.format(dialect=dialect) + env)
    project.write_revision(
        "a1", None, "op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))"
    )
    assert project.run_subprocess("upgrade", "head").exit_code == 0
    assert (project.root / "migrations" / "started.txt").read_text() == "x"
    assert project.run_subprocess("downgrade", "base").exit_code == 0
    assert (project.root / "migrations" / "started.txt").read_text() == "xx"
