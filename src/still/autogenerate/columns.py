"""Columns of a table both sides have: added, removed, and altered (nullability, type, server
default, comment), with one ``AlterColumnOp`` per column carrying the ``existing_*`` values its
reverse and MySQL's full column definitions need.  Table comments too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.sql.schema import DefaultClause

from still.autogenerate.changes import Changes, Phase
from still.autogenerate.compare_types import types_differ
from still.autogenerate.context import AutogenContext
from still.autogenerate.defaults import defaults_differ
from still.autogenerate.extensions import alter_has_changes, column_level
from still.autogenerate.generated import can_alter, describe, generated_change
from still.autogenerate.tables import plain_column
from still.operations import ops


def name_parents(schema: str | None, table: str) -> dict[str, Any]:
    return {
        "table_name": table,
        "schema_name": schema,
        "schema_qualified_table_name": f"{schema}.{table}" if schema else table,
    }


def compare_columns(
    autogen: AutogenContext, changes: Changes, conn_table: Table, metadata_table: Table
) -> None:
    schema, tname = metadata_table.schema, metadata_table.name
    key = (schema, tname)
    parents = name_parents(schema, tname)
    conn_columns = {
        c.name: c
        for c in conn_table.columns
        if autogen.include_name(c.name, "column", parents)
        and autogen.include_object(c, c.name, "column", True, metadata_table.c.get(c.name))
    }
    metadata_columns = {
        c.name: c
        for c in metadata_table.columns
        if autogen.include_object(c, c.name, "column", False, conn_columns.get(c.name))
    }
    for name, column in metadata_columns.items():
        if name not in conn_columns:
            changes.add(
                Phase.ADD_COLUMNS,
                ops.AddColumnOp(tname, plain_column(column), schema=schema),
                ("add_column", schema, tname, column),
                key,
            )
    # dropped last-first, so the downgrade adds them back in their original order
    for name, column in reversed(conn_columns.items()):
        if name not in metadata_columns:
            add = ops.AddColumnOp(tname, plain_column(column), schema=schema)
            changes.add(
                Phase.DROP_COLUMNS,
                ops.DropColumnOp(tname, name, schema=schema, _reverse=add),
                ("remove_column", schema, tname, column),
                key,
            )
    python_defaults = []
    for name, column in metadata_columns.items():
        if name in conn_columns:
            _alter(autogen, changes, conn_columns[name], column, schema, tname)
            if column.default is not None and column.server_default is None:
                python_defaults.append(name)
    if python_defaults:
        changes.notes.append(
            f"{tname}: {', '.join(python_defaults)} "
            + (
                "has a Python-side default"
                if len(python_defaults) == 1
                else "have Python-side defaults"
            )
            + " (default=): not part of the schema, so a change to it needs no migration "
            "(server_default= puts a default in the database)"
        )
    _table_comment(autogen, changes, conn_table, metadata_table)


def _default_clause(column: Column[Any]) -> Any:
    default = column.server_default
    return default if isinstance(default, DefaultClause) else None


def _alter(
    autogen: AutogenContext,
    changes: Changes,
    conn: Column[Any],
    metadata: Column[Any],
    schema: str | None,
    tname: str,
) -> None:
    existing_default = _default_clause(conn)
    op = ops.AlterColumnOp(
        tname,
        conn.name,
        schema=schema,
        existing_type=conn.type,
        existing_nullable=conn.nullable,
        existing_server_default=existing_default,
        existing_comment=conn.comment,
    )
    existing = {
        "existing_type": conn.type,
        "existing_nullable": conn.nullable,
        "existing_server_default": existing_default,
        "existing_comment": conn.comment,
    }

    def others(*leave_out: str) -> dict[str, Any]:
        return {k: v for k, v in existing.items() if k not in leave_out}

    diffs: list[tuple[Any, ...]] = []
    if conn.nullable != metadata.nullable and metadata.computed is None:
        op.nullable = metadata.nullable
        diffs.append(
            (
                "modify_nullable",
                schema,
                tname,
                conn.name,
                others("existing_nullable"),
                conn.nullable,
                metadata.nullable,
            )
        )
    if types_differ(autogen, conn, metadata):
        op.type_ = metadata.type
        diffs.append(
            (
                "modify_type",
                schema,
                tname,
                conn.name,
                others("existing_type"),
                conn.type,
                metadata.type,
            )
        )
    if defaults_differ(autogen, conn, metadata):
        new_default = _default_clause(metadata)
        op.server_default = new_default._copy() if new_default is not None else None
        diffs.append(
            (
                "modify_default",
                schema,
                tname,
                conn.name,
                others("existing_server_default"),
                existing_default,
                new_default,
            )
        )
    generated = generated_change(conn, metadata, autogen.dialect)
    if generated is not None:
        new, old = generated
        why = can_alter(autogen.dialect, new, old)
        if why is None:
            op.server_default, op.existing_server_default = new, old
            diffs.append(("modify_default", schema, tname, conn.name, others(), old, new))
        else:
            changes.cautions.append(
                f"{tname}.{conn.name}: {describe(new, old)} is not migrated: {why} "
                "(add a new column, copy the values, drop the old one)"
            )
    if autogen.dialect.supports_comments and (conn.comment or None) != (metadata.comment or None):
        op.comment = metadata.comment or None
        diffs.append(
            (
                "modify_comment",
                schema,
                tname,
                conn.name,
                others("existing_comment"),
                conn.comment,
                metadata.comment,
            )
        )
    if autogen.column_hooks:
        # registered "column" comparators see (and may change) the operation still built
        column_level(autogen.hooks, op, schema, tname, conn.name, conn, metadata)
        if alter_has_changes(op) and (not diffs or _changed_by_hooks(op, diffs)):
            changes.add(Phase.ALTER_COLUMNS, op, op.to_diff_tuple(), (schema, tname))
            return
    if diffs:
        changes.add(Phase.ALTER_COLUMNS, op, diffs, (schema, tname))


_DIFF_FIELDS = {
    "modify_type": "type_",
    "modify_nullable": "nullable",
    "modify_default": "server_default",
    "modify_comment": "comment",
}


def _changed_by_hooks(op: ops.AlterColumnOp, diffs: list[tuple[Any, ...]]) -> bool:
    """True when the operation no longer says what still's diffs say."""
    found = {_DIFF_FIELDS[diff[0]]: diff[-1] for diff in diffs if diff[0] in _DIFF_FIELDS}
    unset = {"type_": None, "nullable": None, "server_default": False, "comment": False}
    for name, value in unset.items():
        now = getattr(op, name)
        if name in found:
            if now is not found[name] and now != found[name]:
                return True
        elif now is not value:
            return True
    return bool(op.new_column_name) or any(key.startswith("modify_") for key in op.kw)


def _table_comment(
    autogen: AutogenContext, changes: Changes, conn_table: Table, metadata_table: Table
) -> None:
    if not autogen.dialect.supports_comments:
        return
    old, new = conn_table.comment or None, metadata_table.comment or None
    if old == new:
        return
    schema, tname = metadata_table.schema, metadata_table.name
    op: ops.MigrateOperation
    if new is None:
        op = ops.DropTableCommentOp(tname, schema, existing_comment=old)
        diff: tuple[Any, ...] = ("remove_table_comment", metadata_table)
    else:
        op = ops.CreateTableCommentOp(tname, new, schema, existing_comment=old)
        diff = ("add_table_comment", metadata_table, old)
    changes.add(Phase.ALTER_COLUMNS, op, diff, (schema, tname))
