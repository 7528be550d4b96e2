"""PostgreSQL enum types: created before the tables that use them, dropped after the last one
goes, and given new values with ``ALTER TYPE ... ADD VALUE`` (never by rewriting the table).

A removal or reordering of values swaps the type: the old one is renamed, the new one created,
each column converted (``USING col::text::type``), the old one dropped; rows holding a removed
value make that conversion fail, so such a change counts as one that loses data.  A column whose
server default uses the type has the default dropped before the swap and set again after it
(:class:`SwapEnumOp` carries those defaults).

The operations (``CreateEnumOp``, ``DropEnumOp``, ``AlterEnumOp``) render as ``op.execute`` of
their statements, so a revision file needs nothing beyond ``op``; the statements, and the runners
that execute them, are in :mod:`still.operations.enum_types`.
"""

from __future__ import annotations

import copy as copy_module
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Enum, Table

from still.autogenerate.changes import Changes, Phase
from still.autogenerate.context import AutogenContext
from still.autogenerate.reflect import ReflectedSchema
from still.operations import ops


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


# -- comparison -----------------------------------------------------------------------------------


def enum_type(type_: Any) -> Enum | None:
    """The native enum type behind a column type (through a TypeDecorator), if any."""
    for candidate in (type_, getattr(type_, "impl", None)):
        if isinstance(candidate, Enum) and candidate.native_enum and candidate.name:
            return candidate
    return None


def handles_enum_types(autogen: AutogenContext) -> bool:
    """still creates, changes and drops PostgreSQL enum types itself unless env.py passes
    ``still_enum_types=False`` to ``context.configure()`` (then it does what Alembic does:
    nothing of its own; ``op.create_table`` creates a table's types)."""
    return autogen.opts.get("still_enum_types", True) is not False


def compare_enums(
    autogen: AutogenContext,
    changes: Changes,
    model_tables: list[Table],
    reflected: dict[str | None, ReflectedSchema],
) -> None:
    if not autogen.impl_class.named_enum_types or not handles_enum_types(autogen):
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


# -- the types in still's operations, and add-ons that handle enum types themselves ---------------


def _unmanaged_copy(type_: Any, claimed: set[tuple[str | None, str]], default: str | None) -> Any:
    """``type_`` with each native enum type still creates by its own operations replaced by a
    ``postgresql.ENUM`` that is not created or dropped with a table (``create_type=False``), so
    ``op.create_table`` does not do it a second time.  A type of another class (an add-on's, or
    the model's own ``postgresql.ENUM(create_type=False)``) is left as it is."""
    from sqlalchemy import Enum as SAEnum
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.types import ARRAY

    if isinstance(type_, ARRAY):
        item = _unmanaged_copy(type_.item_type, claimed, default)
        if item is type_.item_type:
            return type_
        copy = copy_module.copy(type_)
        copy.item_type = item
        return copy
    if type(type_) not in (SAEnum, postgresql.ENUM) or not (type_.native_enum and type_.name):
        return type_
    if getattr(type_, "create_type", True) is False:
        return type_
    if (None if type_.schema in (None, default) else type_.schema, type_.name) in claimed:
        return type_
    return postgresql.ENUM(
        *type_.enums,
        name=type_.name,
        schema=type_.schema,
        inherit_schema=type_.inherit_schema,
        create_type=False,
    )


OWN_ENUM_OPS = (ops.CreateEnumOp, ops.DropEnumOp, ops.AlterEnumOp)


def _claimed_types(
    operations: Iterable[ops.MigrateOperation], default_schema: str | None
) -> set[tuple[str | None, str]]:
    """(schema, name) of the types other comparators' operations name (``name`` / ``schema``,
    or ``enum_name`` / ``enum_schema``): an add-on handling enum types writes such operations."""
    from still.autogenerate.extensions import iter_ops

    claimed: set[tuple[str | None, str]] = set()
    for op in iter_ops(operations):
        if type(op).__module__.startswith("still."):
            continue
        name = getattr(op, "name", None) or getattr(op, "enum_name", None)
        if not isinstance(name, str):
            continue
        schema = getattr(op, "schema", None) or getattr(op, "enum_schema", None)
        claimed.add((None if schema in (None, default_schema) else schema, name))
    return claimed


def settle_enum_types(
    autogen: AutogenContext, upgrade_ops: ops.UpgradeOps, own: Mapping[int, Any]
) -> None:
    """Once every comparator has run: leave an enum type to the add-on that handles it, and
    keep ``op.create_table`` from creating the types still creates itself.

    still's operations on a type that another comparator's operation names are taken out (the
    add-on creates, changes or drops the type its way; doing it twice fails with ``type ...
    already exists``).  The enum columns of still's operations whose type still creates become
    ``postgresql.ENUM(..., create_type=False)``.
    """
    from still.autogenerate.extensions import iter_ops

    if not autogen.impl_class.named_enum_types or not handles_enum_types(autogen):
        return
    default = autogen.inspector.default_schema_name
    claimed = _claimed_types(upgrade_ops.ops, default)
    if claimed:
        leave = {
            id(op)
            for op in upgrade_ops.ops
            if id(op) in own
            and isinstance(op, OWN_ENUM_OPS)
            and (None if op.schema in (None, default) else op.schema, op.name) in claimed
        }
        if leave:
            upgrade_ops.ops[:] = [op for op in upgrade_ops.ops if id(op) not in leave]
    for op in iter_ops(upgrade_ops.ops):
        if id(op) not in own:
            continue
        if isinstance(op, ops.AlterColumnOp) and op.type_ is not None:
            op.type_ = _unmanaged_copy(op.type_, claimed, default)
        # a drop's reverse (the downgrade's create_table / add_column) carries columns too
        made = op.reverse_of if isinstance(op, (ops.DropTableOp, ops.DropColumnOp)) else op
        if isinstance(made, ops.CreateTableOp):
            made.columns = [_with_unmanaged_type(c, claimed, default) for c in made.columns]
        elif isinstance(made, ops.AddColumnOp):
            made.column = _with_unmanaged_type(made.column, claimed, default)


def _with_unmanaged_type(
    item: Any, claimed: set[tuple[str | None, str]], default: str | None
) -> Any:
    """A column of still's own operations with :func:`_unmanaged_copy` of its type, as a new
    column: a type's create events are bound when the column is made, so assigning
    ``column.type`` afterwards would leave the old type's CREATE TYPE in place.  The reverse
    operations (drop_table / drop_column) share these operations and so see the new columns."""
    from still.autogenerate.tables import plain_column

    if not isinstance(item, Column):
        return item
    type_ = _unmanaged_copy(item.type, claimed, default)
    return item if type_ is item.type else plain_column(item, type_)
