"""Run the same ``op.*`` code under still and under real Alembic, in this process: as a ``--sql``
script for a dialect (no database), or on a live connection.

The code is Python text (what a revision's ``upgrade()`` says), executed once per tool with that
tool's ``op``, so each run builds its own SQLAlchemy objects.  The differential tests compare what
the two tools write or leave in the database (``tests/test_differential_op_arguments.py``,
``tests/test_add_column_constraints.py``, ``tests/test_enum_types.py``).
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, mysql, oracle, postgresql

TOOLS = ("alembic", "still")
DIALECTS = ("postgresql", "mysql", "sqlite", "mssql", "oracle")


@dataclass
class Outcome:
    """What one tool did with one piece of code: the script (or nothing online) and the error."""

    sql: str
    error: str | None = None

    @property
    def words(self) -> list[str]:
        return self.sql.split()


def _parts(tool: str) -> tuple[Any, Any]:
    if tool == "alembic":
        from alembic.operations import Operations as AlembicOperations
        from alembic.runtime.migration import MigrationContext as AlembicContext

        return AlembicContext, AlembicOperations
    from still.operations import Operations
    from still.runtime.migration import MigrationContext

    return MigrationContext, Operations


def namespace(op: Any) -> dict[str, Any]:
    """The names a revision file has (``op``, ``sa``, the dialect type modules), and ``ops``:
    the tool's operation classes (``alembic.operations.ops`` or still's)."""
    if type(op).__module__.startswith("alembic"):
        from alembic.operations import ops
    else:
        from still.operations import ops  # type: ignore[no-redef]
    return {
        "op": op,
        "ops": ops,
        "sa": sa,
        "postgresql": postgresql,
        "mysql": mysql,
        "mssql": mssql,
        "oracle": oracle,
    }


def _run(op: Any, code: str) -> str | None:
    """Execute ``code``; the error it raised, as ``Type: message`` (None if it ran)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(code, namespace(op))
        except Exception as exc:  # compared between the tools, not raised
            return f"{type(exc).__name__}: {exc}"
    return None


def offline(tool: str, dialect: str, code: str, opts: Mapping[str, Any] | None = None) -> Outcome:
    """``code`` as the ``--sql`` script ``tool`` writes for ``dialect``."""
    context_class, operations_class = _parts(tool)
    buffer = io.StringIO()
    options = {"as_sql": True, "output_buffer": buffer, "literal_binds": True, **(opts or {})}
    context = context_class.configure(dialect_name=dialect, opts=options)
    error = _run(operations_class(context), code)
    return Outcome(buffer.getvalue(), error)


def online(
    tool: str, connection: sa.Connection, code: str, opts: Mapping[str, Any] | None = None
) -> Outcome:
    """Run ``code`` on ``connection`` with ``tool``, in a transaction of its own (committed if
    the code ran, rolled back if it raised)."""
    context_class, operations_class = _parts(tool)
    context = context_class.configure(connection=connection, opts=dict(opts or {}))
    transaction = connection.begin()
    if connection.dialect.name == "sqlite":
        # Python's sqlite3 module runs DDL outside transactions unless one was begun explicitly
        # (still's runtime does this; here both tools get it, so a failed case leaves nothing
        # behind under either).
        connection.exec_driver_sql("BEGIN")
    error = _run(operations_class(context), code)
    if error is not None:
        transaction.rollback()
        return Outcome("", error)
    try:
        transaction.commit()  # a deferred constraint is checked here
    except sa.exc.DBAPIError as exc:
        return Outcome("", f"{type(exc).__name__}: {exc}")
    return Outcome("", None)


def _oracle_terminators(text: str) -> str:
    """Alembic ends every Oracle statement with a ``/`` line and no ``;``; still ends a plain
    statement with ``;`` (and a PL/SQL block, whose last word is ``END;``, with ``;`` and ``/``):
    a deliberate difference (docs/operations.md).  Alembic's form, rewritten to still's."""
    return re.sub(r"(?<=[^;\s])\s*\n/\n", ";\n", text if text.endswith("\n") else text + "\n")


def script_words(dialect: str, outcome: Outcome, tool: str) -> list[str]:
    """The script as words (whitespace is not compared), in still's Oracle terminator style."""
    text = outcome.sql
    if dialect == "oracle" and tool == "alembic":
        text = _oracle_terminators(text)
    return text.split()


def same_script(dialect: str, ours: Outcome, theirs: Outcome) -> bool:
    """still's script and Alembic's are the same but for whitespace (and declared styles)."""
    return script_words(dialect, ours, "still") == script_words(dialect, theirs, "alembic") and (
        (ours.error is None) == (theirs.error is None)
    )


def snapshot(connection: sa.Connection, prefix: str) -> dict[str, Any]:
    """What the database holds for the tables (and PostgreSQL enum types) named ``prefix...``:
    columns, keys and their names, indexes, unique and check constraints, comments, rows."""
    inspector = sa.inspect(connection)
    dialect = connection.dialect.name
    result: dict[str, Any] = {}
    for table in sorted(t for t in inspector.get_table_names() if t.startswith(prefix)):
        pk = inspector.get_pk_constraint(table)
        result[table] = {
            "columns": [
                (
                    c["name"],
                    str(c["type"]),
                    c["nullable"],
                    str(c.get("default")),
                    c.get("comment"),
                    repr(c.get("computed")),
                    repr(c.get("identity")),
                )
                for c in inspector.get_columns(table)
            ],
            "pk": (pk.get("name"), pk["constrained_columns"]),
            "fks": sorted(
                (
                    str(f.get("name")),
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    repr(sorted((f.get("options") or {}).items())),
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
                (str(c["name"]), " ".join(str(c["sqltext"]).split()))
                for c in inspector.get_check_constraints(table)
            ),
            "comment": inspector.get_table_comment(table)["text"] if dialect != "sqlite" else None,
            "rows": sorted(
                repr(tuple(row))
                for row in connection.execute(sa.text(f"SELECT * FROM {_quote(connection, table)}"))
            ),
        }
    if dialect == "postgresql":
        result["enums"] = sorted(
            (e["name"], tuple(e["labels"]))
            for e in inspector.get_enums(schema="*")  # type: ignore[attr-defined]
            if e["name"].startswith(prefix)
        )
    return result


def _quote(connection: sa.Connection, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote(name))


def require_alembic() -> None:
    """The real Alembic is the reference: without it these tests skip, or fail with CI=true."""
    import os

    try:
        import alembic  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("the reference Alembic is not installed", pytrace=False)
        pytest.skip("the reference Alembic is not installed", allow_module_level=True)
