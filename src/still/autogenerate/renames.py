"""Rename candidates: a table (or a column of one table) dropped while another of the same shape
is added is probably a rename.  Autogenerate only reports them (:func:`rename_candidates`); the
caller decides (asks on a terminal, or takes a flag) and :func:`apply_renames` rewrites the
script: the drop and the add become ``rename_table`` / ``alter_column(new_column_name=...)``, and
the downgrade is derived again from the new upgrade."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column

from still.autogenerate.compare_types import type_ddl
from still.autogenerate.summary import INFO_KEY, walk
from still.operations import ops


@dataclass(frozen=True)
class RenameCandidate:
    kind: str  # "table" or "column"
    schema: str | None
    table: str  # the table (for a column) or the old table name
    old_name: str
    new_name: str

    def __str__(self) -> str:
        if self.kind == "table":
            return f"table {self.old_name} -> {self.new_name}"
        return f"column {self.table}.{self.old_name} -> {self.table}.{self.new_name}"


def _column_shape(column: Column[Any], dialect: Any) -> tuple[Any, ...]:
    type_text = type_ddl(column.type, dialect) if dialect is not None else repr(column.type)
    return (type_text, bool(column.nullable))


def _table_shape(items: Iterable[Any], dialect: Any) -> tuple[Any, ...]:
    return tuple(
        sorted((c.name, *_column_shape(c, dialect)) for c in items if isinstance(c, Column))
    )


def rename_candidates(script: ops.MigrationScript) -> list[RenameCandidate]:
    dialect = script.info.get(INFO_KEY, {}).get("dialect")
    all_ops = list(walk(script.upgrade_ops.ops))
    found: list[RenameCandidate] = []
    created = [op for op in all_ops if isinstance(op, ops.CreateTableOp)]
    for drop in all_ops:
        if not isinstance(drop, ops.DropTableOp) or drop.reverse_of is None:
            continue
        shape = _table_shape(drop.reverse_of.columns, dialect)
        for create in created:
            if create.schema == drop.schema and _table_shape(create.columns, dialect) == shape:
                found.append(
                    RenameCandidate(
                        "table", drop.schema, drop.table_name, drop.table_name, create.table_name
                    )
                )
    added = [op for op in all_ops if isinstance(op, ops.AddColumnOp)]
    for drop in all_ops:
        if not isinstance(drop, ops.DropColumnOp) or drop.reverse_of is None:
            continue
        shape = _column_shape(drop.reverse_of.column, dialect)
        for add in added:
            if (add.table_name, add.schema) == (drop.table_name, drop.schema) and _column_shape(
                add.column, dialect
            ) == shape:
                found.append(
                    RenameCandidate(
                        "column", drop.schema, drop.table_name, drop.column_name, add.column.name
                    )
                )
    return found


def apply_renames(script: ops.MigrationScript, accepted: Iterable[RenameCandidate]) -> None:
    """Turn each accepted candidate's drop + add into a rename, in place."""
    for candidate in accepted:
        script.upgrade_ops.ops = _rewrite(script.upgrade_ops.ops, candidate)
    script.downgrade_ops = script.upgrade_ops.reverse()


def _rewrite(
    operations: list[ops.MigrateOperation], c: RenameCandidate
) -> list[ops.MigrateOperation]:
    result: list[ops.MigrateOperation] = []
    for op in operations:
        if isinstance(op, ops.ModifyTableOps):
            if (
                c.kind == "table"
                and op.schema == c.schema
                and op.table_name in (c.old_name, c.new_name)
            ):
                continue  # the dropped table's index drops, the new table's index creations
            inner = _rewrite(op.ops, c)
            if inner:
                result.append(ops.ModifyTableOps(op.table_name, inner, op.schema))
            continue
        if c.kind == "table":
            if isinstance(op, ops.DropTableOp) and (op.table_name, op.schema) == (
                c.old_name,
                c.schema,
            ):
                continue
            if isinstance(op, ops.CreateTableOp) and (op.table_name, op.schema) == (
                c.new_name,
                c.schema,
            ):
                result.append(ops.RenameTableOp(c.old_name, c.new_name, schema=c.schema))
                continue
        else:
            same_table = (getattr(op, "table_name", None), getattr(op, "schema", None)) == (
                c.table,
                c.schema,
            )
            if same_table and isinstance(op, ops.DropColumnOp) and op.column_name == c.old_name:
                continue
            if same_table and isinstance(op, ops.AddColumnOp) and op.column.name == c.new_name:
                column = op.column
                result.append(
                    ops.AlterColumnOp(
                        c.table,
                        c.old_name,
                        schema=c.schema,
                        new_column_name=c.new_name,
                        existing_type=column.type,
                        existing_nullable=column.nullable,
                        existing_server_default=column.server_default,
                        existing_comment=column.comment,
                    )
                )
                continue
        result.append(op)
    return result
