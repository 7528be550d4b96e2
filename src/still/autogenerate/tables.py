"""Tables added and removed: ``CreateTableOp`` from a model table, ``DropTableOp`` (with the
``CreateTableOp`` that undoes it) from a reflected one, and the foreign-key order of both."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.sql.schema import DefaultClause

from still.autogenerate.context import name_of
from still.operations import ops


def plain_column(column: Column[Any], type_: Any = None) -> Column[Any]:
    """A detached copy of a column: name, type (or ``type_``), nullability, defaults, comment; no
    foreign keys, indexes or unique flags (those become operations of their own)."""
    args: list[Any] = []
    if column.computed is not None:
        args.append(column.computed._copy())
    if column.identity is not None:
        args.append(column.identity._copy())
    default = column.server_default
    copy: Column[Any] = Column(
        column.name,
        column.type if type_ is None else type_,
        *args,
        primary_key=column.primary_key,
        nullable=column.nullable,
        server_default=default._copy() if isinstance(default, DefaultClause) else None,
        comment=column.comment,
        autoincrement=column.autoincrement,
    )
    return copy


def _keeps_name(constraint: Any, dialect_name: str) -> bool:
    name = constraint.name
    if not isinstance(name, str):
        return False
    if not isinstance(constraint, PrimaryKeyConstraint):
        return True
    from still.ddl import impl_for

    return impl_for(dialect_name).primary_key_named  # MySQL's is always named PRIMARY


def create_table_op(
    table: Table,
    dialect_name: str,
    skip_foreign_keys: Iterable[ForeignKeyConstraint] = (),
    skip_unique: Iterable[UniqueConstraint] = (),
) -> ops.CreateTableOp:
    skip = {id(c) for c in (*skip_foreign_keys, *skip_unique)}
    items: list[Any] = [plain_column(c) for c in table.columns]
    pk = table.primary_key
    if pk is not None and len(pk.columns) and _keeps_name(pk, dialect_name):
        items.append(PrimaryKeyConstraint(*[c.name for c in pk.columns], name=name_of(pk)))
    for constraint in sorted(table.constraints, key=_constraint_sort_key):
        if id(constraint) in skip:
            continue
        if isinstance(constraint, ForeignKeyConstraint):
            items.append(constraint._copy())  # by column names: stays detached
        elif isinstance(constraint, UniqueConstraint):
            # _copy() would attach the copy to the model's own table (it holds its columns)
            items.append(
                UniqueConstraint(
                    *[c.name for c in constraint.columns],
                    name=name_of(constraint),
                    deferrable=constraint.deferrable,
                    initially=constraint.initially,
                )
            )
        elif isinstance(constraint, CheckConstraint):
            condition = constraint.sqltext.compile(
                compile_kwargs={"literal_binds": True, "include_table": False}
            )
            items.append(CheckConstraint(text(str(condition)), name=name_of(constraint)))
    kw: dict[str, Any] = dict(table.dialect_kwargs)
    if table.comment:
        kw["comment"] = table.comment
    return ops.CreateTableOp(table.name, items, schema=table.schema, **kw)


def _constraint_sort_key(constraint: Any) -> tuple[int, str, str]:
    kinds = (UniqueConstraint, CheckConstraint, ForeignKeyConstraint)
    kind = next((i for i, k in enumerate(kinds) if isinstance(constraint, k)), 9)
    columns = ",".join(getattr(constraint, "column_keys", None) or [])
    return (kind, str(constraint.name or ""), columns)


def referent(fk: ForeignKeyConstraint) -> tuple[str | None, str]:
    """(schema, table) a foreign key points at, read from its text (never resolved)."""
    parts = fk.elements[0].target_fullname.split(".")
    return (".".join(parts[:-2]) or None, parts[-2])


def foreign_key_order(
    tables: Sequence[Table],
) -> tuple[list[Table], list[ForeignKeyConstraint]]:
    """``tables`` in creation order (a referenced table first), and the foreign keys that close a
    cycle: those are left out of CREATE TABLE and added once all the tables exist."""
    remaining = {
        (t.schema, t.name): t for t in sorted(tables, key=lambda t: (t.schema or "", t.name))
    }
    ordered: list[Table] = []
    cycles: list[ForeignKeyConstraint] = []
    # Each table's foreign keys to other tables of the set, worked out once; a counter of those
    # not yet created, and for each table the keys that wait for it (Kahn's algorithm, in rounds
    # so that each round keeps the alphabetical order).
    waiting: dict[tuple[str | None, str], int] = {}
    dependants: dict[tuple[str | None, str], list[tuple[tuple[str | None, str], Any]]] = {}
    blocking: dict[tuple[str | None, str], list[ForeignKeyConstraint]] = {}
    for key, table in remaining.items():
        inside = [
            fk
            for fk in table.foreign_key_constraints
            if referent(fk) in remaining and referent(fk) != key
        ]
        blocking[key] = inside
        waiting[key] = len(inside)
        for fk in inside:
            dependants.setdefault(referent(fk), []).append((key, fk))
    broken: set[int] = set()
    keys = list(remaining)  # alphabetical
    position = {key: i for i, key in enumerate(keys)}
    ready = [key for key in keys if waiting[key] == 0]
    cursor = 0  # keys[:cursor] are all created
    while remaining:
        if not ready:  # a cycle: its first table is created without the foreign keys that block it
            while keys[cursor] not in remaining:
                cursor += 1
            first = keys[cursor]
            for fk in blocking[first]:
                if id(fk) not in broken and referent(fk) in remaining:
                    broken.add(id(fk))
                    cycles.append(fk)
            waiting[first] = 0
            ready = [first]
        freed: list[tuple[str | None, str]] = []
        for key in ready:
            ordered.append(remaining.pop(key))
            for dependant, fk in dependants.get(key, ()):
                if id(fk) not in broken and dependant in remaining:
                    waiting[dependant] -= 1
                    if waiting[dependant] == 0:
                        freed.append(dependant)
        ready = sorted(freed, key=position.__getitem__)
    return ordered, cycles
