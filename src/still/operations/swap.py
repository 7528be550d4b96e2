"""Swapping a rebuilt table in: create it under a temporary name, copy the rows, drop the old
table, rename the new one, and make what could not exist twice under one name.

SQLite: the new table carries its constraints from the start (SQLite scopes constraint names to
their table) and foreign keys name tables, so nothing else changes.

PostgreSQL and MySQL/MariaDB: constraint (and, on PostgreSQL, index and sequence) names are
shared by the schema, so the temporary table has only its columns and primary key; unique and
check constraints, indexes and foreign keys are added once the old table is gone.  Foreign keys
of other tables that point at the table are dropped before and created again after, so they point
at the new table; sequences keep counting from the copied rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKeyConstraint, Index, MetaData, Table, inspect

from still.errors import StillError
from still.operations import ops, schema
from still.operations.rebuild import TableRebuild, stub_referents

if TYPE_CHECKING:
    from still.ddl import DefaultImpl
    from still.operations.base import Operations

TEMP_PREFIX = "_still_tmp_"


def swap(operations: Operations, rebuild: TableRebuild, batch_impl: Any = None) -> None:
    """Swap the rebuilt table in.  The implementation's ``prep_table_for_batch(batch_impl,
    table)`` sees the table as it was first (Alembic's hook); the new table is created and the
    old one dropped without their DDL events (the types the columns use exist already)."""
    impl = operations.impl
    if rebuild.source_table is not None:
        impl.prep_table_for_batch(batch_impl, rebuild.source_table)
    with impl.without_table_events():
        if impl.swaps_by_rename:
            _swap_sqlite(impl, rebuild)
        else:
            _swap_with_alters(operations, rebuild)


def temp_name(impl: DefaultImpl, name: str, suffix: str = "") -> str:
    limit = impl.identifier_limit or getattr(impl.dialect, "max_identifier_length", None) or 128
    return (TEMP_PREFIX + name)[: limit - len(suffix)] + suffix


def _final_table(rebuild: TableRebuild, metadata: MetaData) -> Table:
    """The table under its own name with its columns only, for indexes and constraints."""
    return Table(
        rebuild.name,
        metadata,
        *[Column(c, rebuild.columns[c]["type"]) for c in rebuild.columns],
        schema=rebuild.schema,
    )


def _indexes(rebuild: TableRebuild, table: Table) -> list[Index]:
    return [
        Index(
            ix["name"],
            *[table.c[c] if isinstance(c, str) else c for c in ix["columns"]],
            unique=ix["unique"],
            **ix.get("kw", {}),
        )
        for ix in rebuild.indexes
    ]


def _swap_sqlite(impl: DefaultImpl, rebuild: TableRebuild) -> None:
    temp = temp_name(impl, rebuild.name)
    table = rebuild.new_table(temp, MetaData())
    impl.create_table(table)
    impl.copy_rows(table, rebuild.name, rebuild.copied_columns(), rebuild.copy_expressions())
    impl.drop_table(Table(rebuild.name, MetaData(), schema=rebuild.schema))
    impl.rename_table(temp, rebuild.name, rebuild.schema)
    for index in _indexes(rebuild, _final_table(rebuild, MetaData())):
        impl.create_index(index)


@dataclass
class _Referrer:
    """A foreign key of another table that points at the rebuilt table."""

    table: str
    schema: str | None
    name: str
    columns: list[str]
    referred: list[str]
    options: dict[str, Any]


def _referrers(operations: Operations, rebuild: TableRebuild) -> list[_Referrer]:
    """Foreign keys of other tables pointing at the table (none known with --sql)."""
    bind = operations.get_bind()
    if bind is None:
        return []
    found = []
    multi = inspect(bind).get_multi_foreign_keys(schema=rebuild.schema)
    for (owner_schema, owner), fks in multi.items():
        if owner == rebuild.name:
            continue  # the table's own (self-referencing) foreign keys are rebuilt with it
        for fk in fks:
            if fk["referred_table"] != rebuild.name or fk.get("referred_schema") not in (
                None,
                rebuild.schema,
            ):
                continue
            found.append(
                _Referrer(
                    owner,
                    owner_schema,
                    str(fk["name"]),
                    list(fk["constrained_columns"]),
                    list(fk["referred_columns"]),
                    dict(fk.get("options") or {}),
                )
            )
    return found


def _check_referrers(rebuild: TableRebuild, referrers: list[_Referrer]) -> None:
    renamed = rebuild.renamed_columns()
    for ref in referrers:
        lost = [c for c in ref.referred if c not in renamed]
        if lost:
            raise StillError(
                f"batch_alter_table({rebuild.name!r}) would drop column(s) {', '.join(lost)}, "
                f"which the foreign key {ref.name} of table {ref.table} refers to. Drop or change "
                "that foreign key first."
            )
        ref.referred = [renamed[c] for c in ref.referred]


def _referrer_constraint(rebuild: TableRebuild, ref: _Referrer) -> Any:
    spec = {
        "referent_table": rebuild.name,
        "referent_schema": rebuild.schema,
        "local_cols": ref.columns,
        "remote_cols": ref.referred,
        **{k: v for k, v in ref.options.items() if k in ("ondelete", "onupdate", "deferrable")},
    }
    if ref.options.get("initially"):
        spec["initially"] = ref.options["initially"]
    op = ops.AddConstraintOp("foreignkey", ref.name, ref.table, spec, ref.schema)
    return schema.constraint(op)


def _swap_with_alters(operations: Operations, rebuild: TableRebuild) -> None:
    impl = operations.impl
    referrers = _referrers(operations, rebuild)
    _check_referrers(rebuild, referrers)
    temp = temp_name(impl, rebuild.name)
    temp_pk = temp_name(impl, rebuild.name, "_pkey")
    table = rebuild.new_table(temp, MetaData(), constraints=False, primary_key_name=temp_pk)
    impl.create_table(table)
    impl.copy_rows(table, rebuild.name, rebuild.copied_columns(), rebuild.copy_expressions())
    impl.continue_sequences(table)
    for ref in referrers:
        impl.drop_constraint(
            schema.generic_constraint(ref.name, ref.table, "foreignkey", ref.schema)
        )
    impl.keep_sequences(table)
    impl.drop_table(Table(rebuild.name, MetaData(), schema=rebuild.schema))
    impl.rename_table(temp, rebuild.name, rebuild.schema)
    final = _final_table(rebuild, MetaData())
    if rebuild.primary_key["columns"]:
        impl.rename_primary_key(final, temp_pk, rebuild.primary_key["name"])
    impl.name_sequences(table, rebuild.name)
    for index in _indexes(rebuild, final):
        impl.create_index(index)
    for constraint in rebuild.constraints():
        metadata = MetaData()
        owner = _final_table(rebuild, metadata)
        owner.append_constraint(constraint)
        if isinstance(constraint, ForeignKeyConstraint):
            stub_referents(metadata, constraint)
        impl.add_constraint(constraint)
    for ref in referrers:
        impl.add_constraint(_referrer_constraint(rebuild, ref))
