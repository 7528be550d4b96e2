"""SQLite reflection read ahead in bulk says exactly what SQLAlchemy's per-table reflection says."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from still.autogenerate.sqlite_prefetch import prefetched

SCHEMA = [
    "CREATE TABLE parent (id INTEGER PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE, "
    "amount NUMERIC(10, 2) DEFAULT 0, CONSTRAINT ck_amount CHECK (amount >= 0))",
    'CREATE TABLE "Child Table" (id INTEGER NOT NULL, parent_id INTEGER REFERENCES parent (id) '
    "ON DELETE CASCADE, code VARCHAR(20), total INTEGER GENERATED ALWAYS AS (id * 2) STORED, "
    "flag BOOLEAN, CONSTRAINT pk_child PRIMARY KEY (id), "
    "CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES parent (code), "
    "CONSTRAINT uq_child UNIQUE (parent_id, code))",
    'CREATE INDEX ix_child_code ON "Child Table" (code)',
    "CREATE UNIQUE INDEX ix_partial ON parent (amount) WHERE amount > 10",
    "CREATE INDEX ix_expr ON parent (lower(code))",
    "CREATE TABLE bare (x TEXT)",
    "CREATE TABLE refers_to_pk (id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent)",
    "CREATE VIEW v AS SELECT id, code FROM parent",
]

METHODS = [
    "get_multi_columns",
    "get_multi_pk_constraint",
    "get_multi_foreign_keys",
    "get_multi_indexes",
    "get_multi_unique_constraints",
    "get_multi_check_constraints",
]


def _reflect(connection: sa.Connection, names: list[str], ahead: bool) -> dict[str, Any]:
    inspector = sa.inspect(connection)
    found: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # expression-based index: SQLAlchemy warns, both ways
        if ahead:
            with prefetched(inspector, None):
                assert type(inspector.dialect).__name__.startswith("Prefetched")
                for method in METHODS:
                    found[method] = getattr(inspector, method)(filter_names=names)
        else:
            for method in METHODS:
                found[method] = getattr(inspector, method)(filter_names=names)
    return {method: _plain(value) for method, value in found.items()}


def _plain(value: Any) -> Any:
    """Comparable: SQL text and types by their text, containers element by element."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, sa.sql.elements.TextClause):
        return ("text", value.text)
    if isinstance(value, sa.types.TypeEngine):
        return ("type", repr(value))
    return value


def test_bulk_reflection_matches_per_table_reflection(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as connection:
        for statement in SCHEMA:
            connection.exec_driver_sql(statement)
    names = ["parent", "Child Table", "bare", "refers_to_pk"]
    with engine.connect() as connection:
        plain = _reflect(connection, names, ahead=False)
        ahead = _reflect(connection, names, ahead=True)
        assert sa.inspect(connection).dialect is engine.dialect  # put back afterwards
    assert ahead == plain
    indexes = {i["name"] for i in plain["get_multi_indexes"][(None, "parent")]}
    assert indexes == {"ix_partial"}  # the expression index is skipped, with a warning
    uniques = plain["get_multi_unique_constraints"][(None, "Child Table")]
    assert [u["name"] for u in uniques] == ["uq_child"]
    computed = plain["get_multi_columns"][(None, "Child Table")][3]
    assert computed["name"] == "total" and computed["computed"]["persisted"]


def test_bulk_reading_takes_a_fixed_number_of_queries(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.begin() as connection:
        for i in range(60):
            connection.exec_driver_sql(
                f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v VARCHAR(5) UNIQUE, "
                f"p INTEGER REFERENCES t0 (id))"
            )
            connection.exec_driver_sql(f"CREATE INDEX ix_t{i}_p ON t{i} (p)")
    names = [f"t{i}" for i in range(60)]
    counts = {}
    with engine.connect() as connection:
        for ahead in (False, True):
            statements: list[str] = []

            def record(*args: Any, into: list[str] = statements) -> None:
                into.append(args[2])

            sa.event.listen(connection, "before_cursor_execute", record)
            reflected = _reflect(connection, names, ahead)
            sa.event.remove(connection, "before_cursor_execute", record)
            counts[ahead] = (len(statements), reflected)
    assert counts[True][1] == counts[False][1]
    assert counts[False][0] > 60 * 5
    assert counts[True][0] < 15


def test_temp_tables_leave_reflection_to_the_dialect(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql("CREATE TEMP TABLE scratch (id INTEGER PRIMARY KEY, x TEXT)")
        inspector = sa.inspect(connection)
        with prefetched(inspector, None):
            assert inspector.dialect is engine.dialect
            columns = inspector.get_columns("scratch")
        assert [c["name"] for c in columns] == ["id", "x"]


@pytest.mark.parametrize("schema", ["main", "other"])
def test_a_named_schema_is_read_by_the_dialect(tmp_path: Path, schema: str) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        with prefetched(inspector, schema):
            assert inspector.dialect is engine.dialect
