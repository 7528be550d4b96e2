"""PostgreSQL enum types as SQL: ``CREATE TYPE ... AS ENUM``, ``DROP TYPE``, and new values by
``ALTER TYPE ... ADD VALUE`` or, for a removal or reordering, by swapping the type under the
columns that use it (renamed, created anew, each column converted, the old one dropped; server
defaults on those columns dropped before and set again after, when the operation carries them as
``defaults``, see :class:`still.autogenerate.enums.SwapEnumOp`).

The statements serve both running ``CreateEnumOp`` / ``DropEnumOp`` / ``AlterEnumOp`` (their
runner is in :mod:`still.operations.implementations` with every other operation's, so invoking one
needs no other import) and rendering them as ``op.execute`` (:mod:`still.autogenerate.render`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from still.operations import ops


@cache
def _preparer() -> Any:
    """PostgreSQL's quoting (its dialect imported only when an enum needs it)."""
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect().identifier_preparer  # type: ignore[no-untyped-call]


def _qualified(name: str, schema: str | None) -> str:
    quoted = _preparer().quote(name)
    return f"{_preparer().quote_schema(schema)}.{quoted}" if schema else quoted


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _values(values: Iterable[str]) -> str:
    return ", ".join(_literal(v) for v in values)


def appended_only(old: list[str], new: list[str]) -> bool:
    """``new`` keeps every old value, in the old order (values only added)."""
    it = iter(new)
    return all(any(v == w for w in it) for v in old)


def _column_sql(schema: str | None, table: str, column: str) -> str:
    return f"ALTER TABLE {_qualified(table, schema)} ALTER COLUMN {_preparer().quote(column)}"


def enum_statements(op: ops.MigrateOperation) -> list[str]:
    if isinstance(op, ops.CreateEnumOp):
        return [f"CREATE TYPE {_qualified(op.name, op.schema)} AS ENUM ({_values(op.values)})"]
    if isinstance(op, ops.DropEnumOp):
        return [f"DROP TYPE {_qualified(op.name, op.schema)}"]
    assert isinstance(op, ops.AlterEnumOp)
    old, new = list(op.existing_values), list(op.values)
    target = _qualified(op.name, op.schema)
    if appended_only(old, new):
        statements = []
        present = list(old)
        for i, value in enumerate(new):
            if value in present:
                continue
            after = next((v for v in reversed(new[:i]) if v in present), None)
            where = (
                (f" AFTER {_literal(after)}" if after else f" BEFORE {_literal(present[0])}")
                if present
                else ""
            )
            statements.append(f"ALTER TYPE {target} ADD VALUE {_literal(value)}{where}")
            present.insert(present.index(after) + 1 if after else 0, value)
        return statements
    old_name = f"{op.name}_old"
    defaults = dict(getattr(op, "defaults", {}))
    statements = [f"{_column_sql(*key)} DROP DEFAULT" for key in op.columns if key in defaults]
    statements += [
        f"ALTER TYPE {target} RENAME TO {_preparer().quote(old_name)}",
        f"CREATE TYPE {target} AS ENUM ({_values(new)})",
    ]
    for schema, table, column in op.columns:
        statements.append(
            f"{_column_sql(schema, table, column)} "
            f"TYPE {target} USING {_preparer().quote(column)}::text::{target}"
        )
    statements.append(f"DROP TYPE {_qualified(old_name, op.schema)}")
    statements += [
        f"{_column_sql(*key)} SET DEFAULT {defaults[key]}" for key in op.columns if key in defaults
    ]
    return statements


def adds_values_only(op: ops.MigrateOperation) -> bool:
    """An enum change made of ``ADD VALUE`` statements, which run outside the transaction."""
    return isinstance(op, ops.AlterEnumOp) and appended_only(
        list(op.existing_values), list(op.values)
    )
