"""PostgreSQL enum types and ``op.create_table`` / ``op.drop_table`` (issue 15, bug 2).

Alembic runs the table's ``before_create`` / ``after_create`` events around CREATE TABLE, so a
native ``sa.Enum`` column's type is created first (once per run, however many tables use it), and
the drop events around DROP TABLE when the drop knows the table's columns.  ``op.add_column`` runs
no events: its enum type must exist.  still does the same, online and in ``--sql`` scripts.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.config import Config
from tests.databases import fresh_database
from tests.op_differential import DIALECTS, offline, online, require_alembic, same_script
from tests.test_operations import Project

require_alembic()

CASES = {
    "create_table": """
op.create_table("pets", sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("kind", sa.Enum("cat", "dog", name="petkind")))
""",
    "shared_by_two_tables": """
op.create_table("a", sa.Column("kind", sa.Enum("cat", "dog", name="petkind")))
op.create_table("b", sa.Column("kind", sa.Enum("cat", "dog", name="petkind")),
                sa.Column("size", sa.Enum("s", "m", name="petsize")))
""",
    "create_type_false": """
op.create_table("a", sa.Column("k", postgresql.ENUM("x", "y", name="given", create_type=False)),
                sa.Column("k2", sa.Enum("x", "y", name="given2", create_type=False)))
""",
    "other_schema": """
op.create_table("a", sa.Column("k", sa.Enum("x", "y", name="elsewhere", schema="other")),
                schema="other")
""",
    "non_native": """
op.create_table("a", sa.Column("k", sa.Enum("x", "y", name="ck_k", native_enum=False,
                                            create_constraint=True)))
""",
    "metadata_bound": """
op.create_table("a", sa.Column("k", sa.Enum("x", "y", name="bound", metadata=sa.MetaData())))
""",
    "add_column": """
op.add_column("pets", sa.Column("size", sa.Enum("s", "m", name="petsize")))
""",
    "if_not_exists": """
op.create_table("pets", sa.Column("kind", sa.Enum("cat", name="petkind")), if_not_exists=True)
""",
    "drop_table_knowing_its_columns": """
create = ops.CreateTableOp("pets", [sa.Column("kind", sa.Enum("cat", "dog", name="petkind"))])
op.invoke(create)
op.invoke(create.reverse())
""",
    "drop_table": """
op.drop_table("pets")
""",
}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_sql_as_alembic(case: str, dialect: str) -> None:
    ours = offline("still", dialect, CASES[case])
    if case == "if_not_exists" and dialect in ("mssql", "oracle"):
        # guards are a deliberate difference (tests/test_differential_op_arguments.py)
        assert ours.error is None and (
            "IF OBJECT_ID" in ours.sql or "EXECUTE IMMEDIATE" in ours.sql
        )
        return
    theirs = offline("alembic", dialect, CASES[case])
    assert ours.error is None and theirs.error is None, (ours.error, theirs.error)
    assert same_script(dialect, ours, theirs), (ours.sql, theirs.sql)


def test_types_created_before_their_table_once() -> None:
    sql = " ".join(offline("still", "postgresql", CASES["shared_by_two_tables"]).words)
    assert sql.count("CREATE TYPE petkind AS ENUM ('cat', 'dog');") == 1
    assert sql.index("CREATE TYPE petkind") < sql.index("CREATE TABLE a")
    assert sql.index("CREATE TYPE petsize") < sql.index("CREATE TABLE b")
    schema = " ".join(offline("still", "postgresql", CASES["other_schema"]).words)
    assert "CREATE TYPE other.elsewhere AS ENUM ('x', 'y');" in schema
    for case in ("create_type_false", "non_native", "add_column", "drop_table"):
        assert "TYPE" not in offline("still", "postgresql", CASES[case]).sql


def test_sql_script_of_a_revision(tmp_path: Path) -> None:
    """Through the command line's path: ``upgrade --sql`` writes the CREATE TYPE."""
    project = Project(tmp_path, "postgresql://")
    project.add(
        '    op.create_table("pets", sa.Column("kind", sa.Enum("cat", "dog", name="petkind")))\n'
    )
    out = io.StringIO()
    config = Config(str(tmp_path / "alembic.ini"), output_buffer=out)
    config.set_main_option("sqlalchemy.url", "postgresql://")
    command.upgrade(config, "head", sql=True)
    sql = " ".join(out.getvalue().split())
    assert "CREATE TYPE petkind AS ENUM ('cat', 'dog'); CREATE TABLE pets (" in sql


# -- online on PostgreSQL: the same types and tables as under Alembic, the same failures ---------

ONLINE = [
    ("create", CASES["shared_by_two_tables"]),
    ("insert", "op.execute(\"INSERT INTO b (kind, size) VALUES ('dog', 'm')\")"),
    ("schema", 'op.execute("CREATE SCHEMA other")\n' + CASES["other_schema"]),
    # the type exists already: CREATE TYPE fails (neither tool asks the database first) ...
    ("exists", 'op.create_table("c", sa.Column("k", sa.Enum("cat", "dog", name="petkind")))'),
    # ... unless the column says create_type=False
    (
        "given",
        'op.create_table("c", sa.Column("k", postgresql.ENUM("cat", "dog", name="petkind", '
        "create_type=False)))",
    ),
    ("add_column", 'op.add_column("a", sa.Column("s", sa.Enum("s", "m", name="petsize")))'),
    ("add_missing", 'op.add_column("a", sa.Column("t", sa.Enum("t", name="missing")))'),
    ("drop", CASES["drop_table_knowing_its_columns"].replace('"pets"', '"d"')),
    ("drop_plain", 'op.drop_table("b")'),
]


def _state(connection: sa.Connection) -> dict[str, object]:
    inspector = sa.inspect(connection)
    return {
        "enums": sorted(
            (e["schema"], e["name"], tuple(e["labels"]))
            for e in inspector.get_enums(schema="*")  # type: ignore[attr-defined]
        ),
        "tables": {
            schema: {
                t: [(c["name"], str(c["type"])) for c in inspector.get_columns(t, schema=schema)]
                for t in inspector.get_table_names(schema=schema)
            }
            for schema in ("public", "other")
        },
    }


def test_online_as_alembic(tmp_path: Path) -> None:
    with (
        fresh_database("postgresql", tmp_path) as theirs_url,
        fresh_database("postgresql", tmp_path) as ours_url,
    ):
        engines = {
            "alembic": sa.create_engine(theirs_url, poolclass=sa.pool.NullPool),
            "still": sa.create_engine(ours_url, poolclass=sa.pool.NullPool),
        }
        try:
            for step, code in ONLINE:
                states = {}
                errors = {}
                for tool, engine in engines.items():
                    with engine.connect() as connection:
                        errors[tool] = online(tool, connection, code).error
                        states[tool] = _state(connection)
                assert (errors["still"] is None) == (errors["alembic"] is None), (step, errors)
                assert states["still"] == states["alembic"], step
                if step in ("exists", "add_missing"):
                    assert errors["still"] is not None
                    assert ("already exists" if step == "exists" else "does not exist") in str(
                        errors["still"]
                    )
                elif step == "create":
                    assert len(states["still"]["enums"]) == 2  # type: ignore[arg-type]
        finally:
            for engine in engines.values():
                engine.dispose()
