"""geoalchemy2's alembic helpers (from PyPI), used as its documentation shows: env.py passes
``render_item``, ``include_object`` and the ``writer`` rewriter of ``geoalchemy2.alembic_helpers``
to ``context.configure()``.  A small project with geometry columns and spatial indexes goes
through ``revision --autogenerate``, ``upgrade``, ``check`` and ``downgrade`` on PostgreSQL with
PostGIS, under still and under the real Alembic side by side: the same revision files (statement
by statement, geoalchemy2's ``create_geospatial_table`` / ``add_geospatial_column`` /
``create_geospatial_index`` and their drops, plain and in batch form), the same geometry columns
(``geometry_columns``), spatial indexes and rows afterwards.

PostGIS comes from Debian's ``postgresql-NN-postgis-3`` package, which
``scripts/start-databases.sh`` installs where it is missing and the machine allows it.  Without
PostGIS the online tests are skipped, and fail when ``CI`` is set; the hooks' offline behaviour
(``render_item``'s imports, ``include_object``'s choices, the rewriter's operations) is tested
without a database either way.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.addon_projects import Twin
from tests.conftest import engine_for
from tests.databases import fresh_database

# Not imported here: importing geoalchemy2 registers DDL listeners on every Table and compile
# hooks for MySQL, MariaDB and SQL Server in the whole process (the tests of other modules run
# in it too); each tool runs it in a process of its own.
if importlib.util.find_spec("geoalchemy2") is None:
    pytest.skip("geoalchemy2 is not installed (the test extra has it)", allow_module_level=True)

CONFIGURE = (
    "render_item=models.alembic_helpers.render_item, "
    "include_object=models.alembic_helpers.include_object, "
    "process_revision_directives=models.alembic_helpers.writer"
)

MODELS = """
import sqlalchemy as sa
from geoalchemy2 import Geometry, alembic_helpers  # noqa: F401

target_metadata = sa.MetaData()
sa.Table(
    "lake", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40)),
    sa.Column("geom", Geometry("POLYGON", srid=4326, spatial_index=True)),
{lake_extra})
{extra_tables}
"""

OUTLINE = '    sa.Column("outline", Geometry("LINESTRING", srid=4326, spatial_index=True)),\n'
RIVER = """
sa.Table(
    "river", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("course", Geometry("LINESTRING", srid=4326, spatial_index=True)),
)
"""


def models(outline: bool = False, river: bool = False) -> str:
    return MODELS.format(lake_extra=OUTLINE if outline else "", extra_tables=RIVER if river else "")


def _postgis_or_skip(url: str) -> None:
    """Install PostGIS into the test database; skip without it (fail when CI is set)."""
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            available = conn.execute(
                sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
            ).scalar()
            if available:
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    finally:
        engine.dispose()
    if not available:
        message = (
            "PostGIS is not installed on the PostgreSQL server (Debian: postgresql-NN-postgis-3; "
            "scripts/start-databases.sh installs it where it can)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _twin(tmp_path: Path, configure: str) -> Iterator[Twin]:
    with ExitStack() as stack:
        still_url = stack.enter_context(fresh_database("postgresql", tmp_path))
        alembic_url = stack.enter_context(fresh_database("postgresql", tmp_path))
        for url in (still_url, alembic_url):
            _postgis_or_skip(url)
        yield Twin(tmp_path, still_url, alembic_url, configure=configure)


@pytest.fixture
def twin(tmp_path: Path) -> Iterator[Twin]:
    yield from _twin(tmp_path, CONFIGURE)


@pytest.fixture
def batch_twin(tmp_path: Path) -> Iterator[Twin]:
    yield from _twin(tmp_path, CONFIGURE + ", render_as_batch=True")


def spatial_state(url: str) -> dict[str, object]:
    """What PostGIS and PostgreSQL say about the project's tables: the geometry columns, the
    indexes (with their access method and columns), the other columns, and the rows."""
    engine = engine_for(url)
    queries = {
        "geometry_columns": "SELECT f_table_name, f_geometry_column, coord_dimension, srid, type "
        "FROM geometry_columns WHERE f_table_schema = 'public' ORDER BY 1, 2",
        "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "AND tablename NOT IN ('alembic_version', 'still_ledger', 'spatial_ref_sys') "
        "ORDER BY 1",
        "columns": "SELECT table_name, column_name, udt_name, is_nullable "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name NOT IN ('alembic_version', 'still_ledger', 'spatial_ref_sys', "
        "'geometry_columns', 'geography_columns') ORDER BY 1, 2",
    }
    try:
        with engine.connect() as conn:
            found: dict[str, object] = {
                k: [tuple(r) for r in conn.execute(sa.text(q))] for k, q in queries.items()
            }
            if sa.inspect(conn).has_table("lake"):
                found["rows"] = [
                    tuple(r)
                    for r in conn.execute(
                        sa.text("SELECT id, name, ST_AsText(geom) FROM lake ORDER BY id")
                    )
                ]
            return found
    finally:
        engine.dispose()


def same_state(twin: Twin) -> dict[str, object]:
    ours, theirs = spatial_state(twin.still.url), spatial_state(twin.alembic.url)
    assert ours == theirs
    return ours


def insert_lakes(twin: Twin, first: int) -> None:
    for side in twin.sides:
        engine = engine_for(side.url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO lake (id, name, geom) VALUES (:id, :name, "
                        "ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))', 4326))"
                    ),
                    [{"id": first, "name": "still"}, {"id": first + 1, "name": "clear"}],
                )
        finally:
            engine.dispose()


def _same_call(statement: str) -> str:
    """A statement as still's autogenerate differential compares it: ``op.f('name')`` is the
    name (Alembic marks reflected names so), and default arguments Alembic writes and still
    leaves out (docs/migrating-from-alembic.md) are left out: ``schema=None``, and a reflected
    integer primary key's ``autoincrement=True``."""
    statement = re.sub(r"\b(?:batch_)?op\.f\(('[^']*')\)", r"\1", statement)
    return statement.replace("autoincrement=True, ", "").replace(", schema=None)", ")")


def step(twin: Twin, rev: str, ordered: bool = True, **shape: bool) -> dict[str, list[str]]:
    """New models, autogenerate under both tools (the same statements; ``ordered=False``: in
    any order, where independent changes of different tables come in another order), upgrade
    (the same schema and rows), ``check`` clean, and one step down and up again."""
    twin.models(models(**shape))
    bodies = twin.autogenerate(rev)
    ours = {k: [_same_call(s) for s in v] for k, v in bodies.still.items()}
    theirs = {k: [_same_call(s) for s in v] for k, v in bodies.alembic.items()}
    if not ordered:
        ours = {k: sorted(v) for k, v in ours.items()}
        theirs = {k: sorted(v) for k, v in theirs.items()}
    assert ours == theirs, f"still: {bodies.still}\nalembic: {bodies.alembic}"
    twin.both_ok("upgrade", "head")
    after = same_state(twin)
    ours, theirs = twin.both("check")
    assert (ours.exit_code, theirs.exit_code) == (0, 0), f"{ours}\n{theirs}"
    twin.both_ok("downgrade", "-1")
    same_state(twin)
    twin.both_ok("upgrade", "head")
    assert same_state(twin) == after
    return bodies.still


@pytest.mark.slow
def test_geometry_tables_columns_and_indexes_as_under_alembic(twin: Twin) -> None:
    created = step(twin, "g1")
    assert any(s.startswith("op.create_geospatial_table(") for s in created["upgrade"])
    assert any(s.startswith("op.drop_geospatial_table(") for s in created["downgrade"])
    insert_lakes(twin, 1)
    state = same_state(twin)
    assert ("lake", "geom", 2, 4326, "POLYGON") in state["geometry_columns"]  # type: ignore[operator]
    assert any("USING gist (geom)" in d for _, d in state["indexes"])  # type: ignore[attr-defined]

    added = step(twin, "g2", outline=True, river=True)
    assert any(s.startswith("op.add_geospatial_column(") for s in added["upgrade"])
    assert any(s.startswith("op.create_geospatial_index(") for s in added["upgrade"])
    assert any(s.startswith("op.drop_geospatial_column(") for s in added["downgrade"])
    state = same_state(twin)
    geometry = {(t, c) for t, c, *_ in state["geometry_columns"]}  # type: ignore[attr-defined]
    assert {("lake", "outline"), ("river", "course")} <= geometry

    # a dropped table and a dropped column of another table: Alembic drops the table first,
    # still drops by kind of change (columns before tables), each the reverse of its creation
    dropped = step(twin, "g3", ordered=False)
    assert any(s.startswith("op.drop_geospatial_column(") for s in dropped["upgrade"])
    assert any(s.startswith("op.drop_geospatial_table(") for s in dropped["upgrade"])
    assert same_state(twin)["rows"] == [(1, "still", "POLYGON((0 0,1 0,1 1,0 1,0 0))"), (
        2, "clear", "POLYGON((0 0,1 0,1 1,0 1,0 0))")]  # fmt: skip

    twin.both_ok("downgrade", "base")
    assert same_state(twin)["geometry_columns"] == []


@pytest.mark.slow
def test_batch_forms_as_under_alembic(batch_twin: Twin) -> None:
    step(batch_twin, "b1")
    insert_lakes(batch_twin, 1)
    added = step(batch_twin, "b2", outline=True)
    text = "\n".join(added["upgrade"])
    assert "batch_op.add_geospatial_column(" in text
    assert "batch_op.create_geospatial_index(" in text
    assert "batch_op.drop_geospatial_index(" in "\n".join(added["downgrade"])
    dropped = step(batch_twin, "b3", ordered=False)
    assert "batch_op.drop_geospatial_column(" in "\n".join(dropped["upgrade"])
    assert len(same_state(batch_twin)["rows"]) == 2  # type: ignore[arg-type]


# -- offline: the hooks and the rewriter, without a database ------------------------------------

OFFLINE = """
import ast, json, sys, types
if sys.argv[1] == "still":
    from still import compat

    compat.enter()  # what env.py sees under still
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from alembic.autogenerate import render
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from geoalchemy2 import Geometry, alembic_helpers

metadata = sa.MetaData()
lake = sa.Table(
    "lake", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("geom", Geometry("POLYGON", srid=4326, spatial_index=True)),
)
(index,) = lake.indexes
outline = sa.Column("outline", Geometry("LINESTRING", srid=4326))
upgrade = ops.UpgradeOps([
    ops.CreateTableOp.from_table(lake),
    ops.CreateIndexOp.from_index(index),
    ops.AddColumnOp.from_column_and_tablename(None, "lake", outline),
])
script = ops.MigrationScript("abc", upgrade, upgrade.reverse())
bind = types.SimpleNamespace(dialect=postgresql.dialect())
alembic_helpers.writer(types.SimpleNamespace(bind=bind), ("head",), [script])
context = MigrationContext.configure(dialect_name="postgresql")
options = {
    "render_item": alembic_helpers.render_item,
    "sqlalchemy_module_prefix": "sa.",
    "alembic_module_prefix": "op.",
    "user_module_prefix": None,
    "render_as_batch": False,
}
autogen = AutogenContext(context, opts=options, autogenerate=False)
bodies = {
    "upgrade": render._render_cmd_body(script.upgrade_ops, autogen),
    "downgrade": render._render_cmd_body(script.downgrade_ops, autogen),
}
print(json.dumps({
    "operations": [type(op).__name__ for op in script.upgrade_ops.ops],
    # each statement parsed and written back: layout does not count
    "bodies": {k: [ast.unparse(s) for s in ast.parse(v).body] for k, v in bodies.items()},
    "imports": sorted(i for i in autogen.imports if "geoalchemy2" in i),
    "included": [
        alembic_helpers.include_object(None, name, kind, True, None)
        for name, kind in [
            ("spatial_ref_sys", "table"), ("lake", "table"), ("geometry_columns", "table"),
            ("idx_lake_geom", "index"), ("idx_lake_geom", "table"),
        ]
    ],
}))
"""


def test_render_item_include_object_and_rewriter_offline_as_under_alembic(tmp_path: Path) -> None:
    """Each tool in a process of its own (geoalchemy2 binds the ``alembic`` it imports)."""
    script = tmp_path / "offline.py"
    script.write_text(OFFLINE)
    outcome = {}
    for tool in ("still", "alembic"):
        done = subprocess.run(
            [sys.executable, str(script), tool], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{tool}:\n{done.stderr}"
        outcome[tool] = json.loads(done.stdout)
    ours = outcome["still"]
    assert ours == outcome["alembic"]
    assert ours["operations"] == [
        "CreateGeospatialTableOp",
        "CreateGeospatialIndexOp",
        "AddGeospatialColumnOp",
    ]
    assert ours["imports"] == ["from geoalchemy2 import Geometry"]
    assert ours["included"] == [False, True, False, True, False]
    assert [s.split("(")[0] for s in ours["bodies"]["upgrade"]] == [
        "op.create_geospatial_table",
        "op.create_geospatial_index",
        "op.add_geospatial_column",
    ]
