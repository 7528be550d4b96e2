"""What a SQL string destroys, read with a real SQL parser (sqlglot, imported only when a string
is to be read: never at start-up).

Data loss, as still counts it:

- ``DROP TABLE``: every row of the table;
- ``DROP SCHEMA`` / ``DROP DATABASE``: every table in it;
- ``ALTER TABLE ... DROP [COLUMN]``: the column's values;
- ``TRUNCATE``: every row of the table;
- ``DELETE`` without ``WHERE``: every row; with ``WHERE``: the rows it matches.

Not counted: ``UPDATE`` (with or without ``WHERE``: most are backfills of a column just added,
and counting them would ask for a confirmation on every data migration), ``DROP INDEX``, ``VIEW``,
``SEQUENCE``, ``CONSTRAINT``, ``FUNCTION`` ... (nothing stored is lost), ``INSERT``, ``CREATE``,
renames.  A statement sqlglot cannot read in any of the dialects tried, or reads only as an
opaque command (a ``DO`` block, ``CALL``, ``EXECUTE``), cannot be checked: it is reported as such,
never as safe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# sqlglot's dialects every string is also tried in: the three still is tested on.
_FALLBACK = ("postgres", "mysql", "sqlite")
# Statements sqlglot keeps as an opaque command that store nothing and lose nothing.
_HARMLESS_COMMANDS = frozenset(
    {
        "ANALYZE",
        "CLUSTER",
        "COMMENT",
        "FLUSH",
        "GRANT",
        "LISTEN",
        "LOCK",
        "NOTIFY",
        "OPTIMIZE",
        "PRAGMA",
        "REFRESH",
        "REINDEX",
        "RESET",
        "REVOKE",
        "SET",
        "SHOW",
        "VACUUM",
    }
)
_SHOWN = 80  # characters of a statement quoted in a finding


@dataclass(frozen=True)
class SQLFinding:
    """One statement that loses data (``loses``) or cannot be checked (``unchecked``)."""

    statement: str
    loses: str | None = None
    unchecked: str | None = None

    @property
    def text(self) -> str:
        quoted = " ".join(self.statement.split())
        if len(quoted) > _SHOWN:
            quoted = quoted[: _SHOWN - 3] + "..."
        if self.loses:
            return f"{self.loses} (SQL: {quoted})"
        return f"runs SQL that cannot be checked ({self.unchecked}): {quoted}"


def sqlglot_dialects(dialect: str | None) -> tuple[str, ...]:
    """The sqlglot dialects to read a statement in: the database's own first."""
    from still.ddl import impl_for

    first = impl_for((dialect or "").split("+")[0]).sqlglot_dialect
    return tuple(dict.fromkeys([*([first] if first else []), *_FALLBACK]))


@contextmanager
def _quiet_parser() -> Iterator[None]:
    """sqlglot logs a warning when it falls back to an opaque command: not for the user."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _opaque(tree: Any) -> bool:
    from sqlglot import exp

    return any(
        str(node.this).upper() not in _HARMLESS_COMMANDS for node in tree.find_all(exp.Command)
    )


def _parse(sql: str, dialect: str | None) -> tuple[str, list[Any]] | None:
    """The statements of ``sql`` and the sqlglot dialect that read them: the first dialect that
    understands all of them (else the first that reads them at all, opaque parts included);
    None if none can."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    fallback = None
    with _quiet_parser():
        for name in sqlglot_dialects(dialect):
            try:
                trees = [t for t in sqlglot.parse(sql, read=name) if t is not None]
            except (SqlglotError, ValueError, RecursionError):
                continue
            if not any(_opaque(tree) for tree in trees):
                return name, trees
            fallback = fallback if fallback is not None else (name, trees)
    return fallback


def _names(nodes: Any, dialect: str) -> str:
    from sqlglot import exp

    shown = [
        exp.table_name(node) if isinstance(node, exp.Table) else str(node.sql(dialect=dialect))
        for node in nodes or ()
        if node is not None
    ]
    return ", ".join(shown) or "?"


def _finding(tree: Any, dialect: str) -> SQLFinding | None:
    from sqlglot import exp

    statement = str(tree.sql(dialect=dialect))
    if isinstance(tree, exp.Drop):
        kind = str(tree.args.get("kind") or "").upper()
        names = _names(tree.args.get("tables") or [tree.this], dialect)
        if kind == "TABLE":
            return SQLFinding(statement, loses=f"drops table {names}")
        if kind in ("SCHEMA", "DATABASE"):
            return SQLFinding(statement, loses=f"drops {kind.lower()} {names}")
        return None
    if isinstance(tree, exp.TruncateTable):
        return SQLFinding(statement, loses=f"empties table {_names(tree.expressions, dialect)}")
    if isinstance(tree, exp.Delete):
        target = tree.args.get("tables") or [tree.this]
        table = _names(target, dialect)
        filtered = (
            tree.args.get("where") is not None
            or tree.args.get("using")
            or (isinstance(tree.this, exp.Table) and tree.this.args.get("joins"))
        )
        if not filtered:
            return SQLFinding(statement, loses=f"deletes every row of {table}")
        return SQLFinding(statement, loses=f"deletes rows of {table}")
    if isinstance(tree, exp.Alter):
        dropped = [
            action
            for action in tree.args.get("actions") or ()
            if isinstance(action, exp.Drop) and str(action.args.get("kind")).upper() == "COLUMN"
        ]
        if dropped:
            table = _names([tree.this], dialect)
            columns = [
                f"{table}.{_names([column], dialect)}"
                for d in dropped
                for column in (d.args.get("tables") or [d.this])
            ]
            return SQLFinding(statement, loses=f"drops column {', '.join(columns)}")
    if _opaque(tree):
        return SQLFinding(statement, unchecked="sqlglot reads it only as an opaque command")
    return None


def sql_findings(sql: str, dialect: str | None = None) -> list[SQLFinding]:
    """Each statement of ``sql`` that loses data or cannot be checked; ``dialect``: the
    database's (``postgresql``, ``mysql``, ``sqlite`` ...), tried first."""
    parsed = _parse(sql, dialect)
    if parsed is None:
        return [SQLFinding(sql, unchecked="no SQL dialect still knows can read it")]
    name, trees = parsed
    return [finding for tree in trees if (finding := _finding(tree, name)) is not None]


def statement_kind(sql: str, dialect: str | None = None) -> str:
    """What ``sql`` does, read with sqlglot: ``"read"`` (every statement only reads: SELECT
    without a writing part, SHOW, PRAGMA, DESCRIBE), ``"data"`` (it changes rows and not the
    schema), or ``"schema"`` (anything else, and whatever cannot be read: the cautious answer)."""
    from sqlglot import exp

    parsed = _parse(sql, dialect)
    if parsed is None or not parsed[1]:
        return "schema"
    trees = parsed[1]
    writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
    if any(_opaque(tree) for tree in trees) or any(
        tree.find(exp.Create, exp.Drop, exp.Alter, exp.TruncateTable) for tree in trees
    ):
        return "schema"
    if all(
        isinstance(tree, (exp.Query, exp.Show, exp.Pragma, exp.Describe)) and not tree.find(*writes)
        for tree in trees
    ):
        return "read"
    if all(isinstance(tree, (*writes, exp.Query)) for tree in trees):
        return "data"
    return "schema"
