"""Run the same migration code under real Alembic and under still, each on its own database of
one kind, and read back what each left: the reflected schema (columns, keys, constraint names,
indexes, checks, comments) and the rows.

The code runs on a connection through each tool's ``Operations`` (``op``), without a project or
env.py, so one comparison takes milliseconds and a hypothesis test can make hundreds.  SQLite
connections use explicit transactions (as both tools' runtimes do) so a failing migration leaves
the database as it was.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tests.databases import fresh_database, required

alembic_migration = required("alembic.runtime.migration")
alembic_operations = required("alembic.operations")

TOOLS = ("alembic", "still")


def engine_for(url: str) -> sa.Engine:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    if url.startswith("sqlite"):

        @sa.event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


def operations_for(tool: str, connection: sa.Connection) -> Any:
    if tool == "alembic":
        context = alembic_migration.MigrationContext.configure(connection)
        return alembic_operations.Operations(context)
    from still.operations.base import Operations
    from still.runtime.migration import MigrationContext

    return Operations(MigrationContext.configure(connection))


@dataclass
class Outcome:
    """What one tool did with one piece of migration code."""

    error: str | None
    schema: dict[str, Any]


def execute(tool: str, connection: sa.Connection, body: str) -> str | None:
    """Run ``body`` (Python using ``op`` and ``sa``) with ``tool`` on ``connection``; the
    error, if any."""
    try:
        operations = operations_for(tool, connection)
        namespace = {"op": operations, "sa": sa}
        if tool == "still":
            from still.operations.proxy import operations_in_effect

            with operations_in_effect(operations):
                exec(body, namespace)
        else:
            exec(body, namespace)
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return f"{type(exc).__name__}: {detail.splitlines()[0][:300]}"
    return None


def run(tool: str, url: str, body: str) -> str | None:
    """Run ``body`` with ``tool`` in a transaction of its own on ``url``; the error, if any."""
    engine = engine_for(url)
    error = None
    try:
        with engine.begin() as connection:
            error = execute(tool, connection, body)
            if error is not None:
                connection.rollback()
    finally:
        engine.dispose()
    return error


def _default(value: Any) -> str | None:
    """A reflected server default, without the quoting and casts each database adds."""
    if value is None:
        return None
    text = str(value)
    text = re.sub(r"::[a-z ]+", "", text)  # PostgreSQL's casts of literals
    return text.replace("'", "").replace("(", "").replace(")", "").strip()


def snapshot(url: str) -> dict[str, Any]:
    """The reflected schema and the rows of every table."""
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return snapshot_of(connection)
    finally:
        engine.dispose()


def snapshot_of(connection: sa.Connection) -> dict[str, Any]:
    """The reflected schema and the rows of every table, read on ``connection``."""
    kind = connection.dialect.name
    quote = connection.dialect.identifier_preparer.quote
    result: dict[str, Any] = {}
    inspector = sa.inspect(connection)
    for table in sorted(inspector.get_table_names()):
        columns = inspector.get_columns(table)
        pk = inspector.get_pk_constraint(table)
        result[table] = {
            "columns": [
                (
                    c["name"],
                    str(c["type"]),
                    c["nullable"],
                    _default(c.get("default")),
                    c.get("comment"),
                )
                for c in columns
            ],
            "pk": (pk.get("name") if kind == "postgresql" else None, pk["constrained_columns"]),
            "fks": sorted(
                (
                    str(f["name"]),
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    tuple(sorted((k, str(v)) for k, v in (f.get("options") or {}).items())),
                )
                for f in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (str(i["name"]), tuple(map(str, i["column_names"])), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "uniques": sorted(
                (str(u["name"]), tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(table)
            ),
            "checks": sorted(
                (c["name"] or "", _sql_words(c["sqltext"]))
                for c in inspector.get_check_constraints(table)
            ),
            "comment": inspector.get_table_comment(table)["text"] if kind != "sqlite" else None,
            "rows": sorted(
                tuple(repr(v) for v in row)
                for row in connection.execute(sa.text(f"SELECT * FROM {quote(table)}"))
            ),
        }
    return result


def _sql_words(sqltext: str) -> str:
    """A CHECK's SQL with quoting, case and spacing set aside (each database writes it back in
    its own way)."""
    return " ".join(sqltext.replace("`", "").replace('"', "").lower().split())


@contextmanager
def database_pair(kind: str, directory: Path) -> Iterator[dict[str, str]]:
    """One fresh database of ``kind`` per tool: {"alembic": url, "still": url}."""
    with ExitStack() as stack:
        yield {tool: stack.enter_context(fresh_database(kind, directory)) for tool in TOOLS}


def reset(url: str) -> None:
    """Empty a database between examples."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        elif engine.dialect.name == "mysql":
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in sa.inspect(connection).get_table_names():
                connection.exec_driver_sql(f"DROP TABLE `{table}`")
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    engine.dispose()


class Sessions:
    """PostgreSQL: one open transaction per tool with ``setup`` run once; each body then runs
    in a savepoint that is rolled back after its snapshot (DDL is transactional there), which
    is many times faster than emptying and filling a database per example."""

    def __init__(self, urls: dict[str, str], setup: str) -> None:
        self.engines = {tool: engine_for(url) for tool, url in urls.items()}
        self.connections = {tool: engine.connect() for tool, engine in self.engines.items()}
        for connection in self.connections.values():
            connection.begin()
            failed = execute("alembic", connection, setup)
            assert failed is None, f"the setup failed: {failed}\n{setup}"

    def outcomes(self, body: str) -> dict[str, Outcome]:
        result = {}
        for tool, connection in self.connections.items():
            savepoint = connection.begin_nested()
            error = execute(tool, connection, body)
            schema = snapshot_of(connection) if error is None else {}
            savepoint.rollback()
            result[tool] = Outcome(error, schema)
        return result

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
        for engine in self.engines.values():
            engine.dispose()


class Restorer:
    """MariaDB (DDL is not transactional there): ``setup`` runs once per database; before each
    example, only the table the examples change is made again, from the database's own
    ``SHOW CREATE TABLE`` and its rows, and whatever else the last example left is dropped."""

    def __init__(self, urls: dict[str, str], setup: str, table: str = "t") -> None:
        self.urls = urls
        self.table = table
        self.saved: dict[str, tuple[set[str], str, list[Any]]] = {}
        for tool, url in urls.items():
            reset(url)
            failed = run("alembic", url, setup)
            assert failed is None, f"the setup failed: {failed}\n{setup}"
            engine = engine_for(url)
            with engine.connect() as connection:
                kept = set(sa.inspect(connection).get_table_names())
                create = connection.exec_driver_sql(f"SHOW CREATE TABLE `{table}`").one()[1]
                rows = [
                    dict(r._mapping) for r in connection.exec_driver_sql(f"SELECT * FROM `{table}`")
                ]
            engine.dispose()
            self.saved[tool] = (kept, create, rows)

    def restore(self, tool: str) -> None:
        kept, create, rows = self.saved[tool]
        engine = engine_for(self.urls[tool])
        with engine.begin() as connection:
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for name in sa.inspect(connection).get_table_names():
                if name == self.table or name not in kept:
                    connection.exec_driver_sql(f"DROP TABLE `{name}`")
            connection.exec_driver_sql(create)
            if rows:
                connection.execute(sa.table(self.table, *map(sa.column, rows[0])).insert(), rows)
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
        engine.dispose()

    def outcomes(self, body: str) -> dict[str, Outcome]:
        result = {}
        for tool, url in self.urls.items():
            self.restore(tool)
            error = run(tool, url, body)
            result[tool] = Outcome(error, snapshot(url))
        return result


def outcomes(urls: dict[str, str], setup: str, body: str) -> dict[str, Outcome]:
    """``setup`` run by Alembic on each tool's (emptied) database, then ``body`` by each tool;
    what each left.  The same starting point, so only ``body``'s handling can differ."""
    result = {}
    for tool, url in urls.items():
        reset(url)
        failed = run("alembic", url, setup)
        assert failed is None, f"the setup failed: {failed}\n{setup}"
        error = run(tool, url, body)
        result[tool] = Outcome(error, snapshot(url))
    return result


def offline_statements(tool: str, dialect_name: str, body: str) -> list[str] | str:
    """The SQL ``body`` writes with ``--sql`` (as_sql) under ``tool``, one statement per entry
    with whitespace collapsed; or the error."""
    import io

    buffer = io.StringIO()
    opts = {"as_sql": True, "output_buffer": buffer}
    try:
        if tool == "alembic":
            context = alembic_migration.MigrationContext.configure(
                dialect_name=dialect_name, opts=opts
            )
            operations = alembic_operations.Operations(context)
            exec(body, {"op": operations, "sa": sa})
        else:
            from still.operations.base import Operations
            from still.operations.proxy import operations_in_effect
            from still.runtime.migration import MigrationContext

            operations = Operations(
                MigrationContext.configure(dialect_name=dialect_name, opts=opts)
            )
            with operations_in_effect(operations):
                exec(body, {"op": operations, "sa": sa})
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    text = buffer.getvalue()
    separator = "\nGO\n" if dialect_name == "mssql" else ";"
    statements = []
    for chunk in text.split(separator):
        for piece in chunk.split(";") if dialect_name == "mssql" else [chunk]:
            words = " ".join(piece.split())
            if words and not words.startswith("--") and words != "/":
                statements.append(words)
    return statements
