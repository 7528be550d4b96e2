"""PostgreSQL enum types: created before the tables that use them, dropped after the last one
goes, and given new values with ``ALTER TYPE ... ADD VALUE`` (never by rewriting the table).

A removal or reordering of values swaps the type: the old one is renamed, the new one created,
each column converted (``USING col::text::type``), the old one dropped; rows holding a removed
value make that conversion fail, so such a change counts as one that loses data.  A column whose
server default uses the type has the default dropped before the swap and set again after it
(:class:`SwapEnumOp` carries those defaults).

The operations (``CreateEnumOp``, ``DropEnumOp``, ``AlterEnumOp``) render as ``op.execute`` of
the statements below, so a revision file needs nothing beyond ``op``; running the objects directly
goes through the implementations registered here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Enum, Table

from still.autogenerate.changes import Changes, Phase
from still.autogenerate.context import AutogenContext
from still.autogenerate.reflect import ReflectedSchema
from still.operations import ops
from still.operations.base import Operations


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


@dataclass
class SwapEnumOp(ops.AlterEnumOp):
    """An ``AlterEnumOp`` that knows the server defaults of the columns using the type, as the
    database writes them (``'ok'::mood``): dropped before a swap, set again after it."""

    defaults: Mapping[tuple[str | None, str, str], str] = field(default_factory=dict)

    def reverse(self) -> SwapEnumOp:
        return SwapEnumOp(
            self.name,
            self.existing_values,
            self.values,
            self.schema,
            list(self.columns),
            dict(self.defaults),
        )


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


def _run(operations: Any, op: ops.MigrateOperation) -> None:
    # Run as given (PostgreSQL 12+ accepts ADD VALUE inside a transaction); the rendered
    # migration wraps ADD VALUE in autocommit_block(), so a later statement may use the value.
    for statement in enum_statements(op):
        operations.impl.execute(statement)


for _op_class in (ops.CreateEnumOp, ops.DropEnumOp, ops.AlterEnumOp, SwapEnumOp):
    Operations.implementation_for(_op_class)(_run)


# -- comparison -----------------------------------------------------------------------------------


def enum_type(type_: Any) -> Enum | None:
    """The native enum type behind a column type (through a TypeDecorator), if any."""
    for candidate in (type_, getattr(type_, "impl", None)):
        if isinstance(candidate, Enum) and candidate.native_enum and candidate.name:
            return candidate
    return None


def compare_enums(
    autogen: AutogenContext,
    changes: Changes,
    model_tables: list[Table],
    reflected: dict[str | None, ReflectedSchema],
) -> None:
    if autogen.dialect.name != "postgresql":
        return
    model: dict[tuple[str | None, str], Enum] = {}
    for table in model_tables:
        for column in table.columns:
            found = enum_type(column.type)
            if found is not None:
                model.setdefault((found.schema, found.name), found)  # type: ignore[arg-type]
    # enums the compared tables use now, and the columns using each
    users: dict[tuple[str | None, str], list[tuple[str | None, str, str]]] = {}
    defaults: dict[tuple[str | None, str, str], str] = {}
    for schema, snapshot in reflected.items():
        for table in snapshot.tables.values():
            for column in table.columns:
                found = enum_type(column.type)
                if found is not None and found.name:
                    enum_schema = (
                        found.schema
                        if found.schema != autogen.inspector.default_schema_name
                        else None
                    )
                    users.setdefault((enum_schema, found.name), []).append(
                        (schema, table.name, column.name)
                    )
                    default = column.server_default
                    if default is not None and hasattr(default, "arg"):
                        defaults[(schema, table.name, column.name)] = str(default.arg.text)
    existing: dict[tuple[str | None, str], list[str]] = {}
    for schema, snapshot in reflected.items():
        for name, labels in snapshot.enums.items():
            existing[(schema, name)] = labels
    for key, enum in sorted(model.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        schema, name = key
        values = list(enum.enums)
        if key not in existing:
            changes.add(Phase.ENUMS, ops.CreateEnumOp(name, values, schema), ("add_enum", enum))
        elif existing[key] != values:
            changes.add(
                Phase.ENUMS,
                SwapEnumOp(
                    name,
                    values,
                    existing[key],
                    schema,
                    users.get(key, []),
                    {c: defaults[c] for c in users.get(key, []) if c in defaults},
                ),
                ("modify_enum", schema, name, existing[key], values),
            )
    for key in sorted(users, key=lambda k: (k[0] or "", k[1])):
        if key not in model and key in existing:
            schema, name = key
            changes.add(
                Phase.DROP_ENUMS,
                ops.DropEnumOp(name, schema, existing[key]),
                ("remove_enum", schema, name, existing[key]),
            )
