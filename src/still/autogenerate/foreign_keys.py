"""Foreign keys: columns, referent, ``ondelete`` / ``onupdate`` (and PostgreSQL's deferrability),
and names when the model gives one.  A changed foreign key is dropped and created again.

Unnamed foreign keys get the name the database will give them (PostgreSQL's ``<table>_<cols>_fkey``,
MySQL's ``<table>_ibfk_<n>``), so the downgrade drops what the upgrade made.  On MySQL/MariaDB,
dropping a foreign key also drops the index InnoDB made for it, so ``check`` is clean afterwards.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKeyConstraint, Table, UniqueConstraint

from still.autogenerate.changes import Changes, Phase
from still.autogenerate.columns import name_parents
from still.autogenerate.context import AutogenContext, name_of, overriding_impl
from still.autogenerate.indexes import implicit_foreign_key_index
from still.autogenerate.reflect import REFLECTED
from still.autogenerate.tables import referent
from still.operations import ops


def _action(value: str | None, restrict_is_no_action: bool) -> str | None:
    action = (value or "").upper().strip() or None
    if action == "NO ACTION" or (action == "RESTRICT" and restrict_is_no_action):
        return None
    return action


def signature(autogen: AutogenContext, fk: ForeignKeyConstraint) -> tuple[Any, ...]:
    database = autogen.impl_class
    schema, table = referent(fk)
    if schema is not None and schema == autogen.inspector.default_schema_name:
        schema = None
    remote = tuple(e.target_fullname.split(".")[-1] for e in fk.elements)
    sig: tuple[Any, ...] = (
        tuple(fk.column_keys),
        schema,
        table,
        remote,
        _action(fk.ondelete, database.restrict_is_no_action),
        _action(fk.onupdate, database.restrict_is_no_action),
    )
    if database.reflects_deferrable:
        sig += (bool(fk.deferrable), (fk.initially or "IMMEDIATE").upper())
    return sig


def add_op(fk: ForeignKeyConstraint, table: Table, name: str | None) -> ops.AddConstraintOp:
    schema, referent_table = referent(fk)
    spec: dict[str, Any] = {
        "referent_table": referent_table,
        "local_cols": list(fk.column_keys),
        "remote_cols": [e.target_fullname.split(".")[-1] for e in fk.elements],
    }
    if schema:
        spec["referent_schema"] = schema
    for option in ("ondelete", "onupdate", "deferrable", "initially", "match"):
        value = getattr(fk, option)
        if value is not None:
            spec[option] = value
    return ops.AddConstraintOp("foreignkey", name, table.name, spec, table.schema)


def predicted_name(
    autogen: AutogenContext, table: Table, fk: ForeignKeyConstraint, taken: set[str]
) -> str | None:
    """The name the database gives an unnamed foreign key (PostgreSQL's ``<table>_<cols>_fkey``,
    MySQL's ``<table>_ibfk_<n>``): its implementation's ``predicted_foreign_key_name``."""
    return autogen.impl_class.predicted_foreign_key_name(table, list(fk.column_keys), taken)


def drop_op(fk: ForeignKeyConstraint, table: Table) -> ops.DropConstraintOp:
    name = fk.name if isinstance(fk.name, str) else None
    return ops.DropConstraintOp(
        name, table.name, "foreignkey", schema=table.schema, _reverse=add_op(fk, table, name)
    )


def compare_foreign_keys(
    autogen: AutogenContext, changes: Changes, conn_table: Table, metadata_table: Table
) -> None:
    key = (metadata_table.schema, metadata_table.name)
    parents = name_parents(*key)
    conn = [
        fk
        for fk in conn_table.foreign_key_constraints
        if autogen.include_name(name_of(fk), "foreign_key_constraint", parents)
        and autogen.include_object(fk, name_of(fk), "foreign_key_constraint", True, None)
    ]
    model = [
        fk
        for fk in metadata_table.foreign_key_constraints
        if autogen.include_object(fk, name_of(fk), "foreign_key_constraint", False, None)
    ]
    corrector = overriding_impl(autogen, "correct_for_autogen_foreignkeys")
    if corrector is not None:
        conn_fks, model_fks = set(conn), set(model)
        corrector.correct_for_autogen_foreignkeys(conn_fks, model_fks)
        conn = [fk for fk in conn if fk in conn_fks]
        model = [fk for fk in model if fk in model_fks]
    taken = {fk.name for fk in conn if isinstance(fk.name, str)}
    unmatched = list(conn)
    to_add: list[ForeignKeyConstraint] = []
    for fk in model:
        sig = signature(autogen, fk)
        named = isinstance(fk.name, str)
        found = next(
            (
                c
                for c in unmatched
                if signature(autogen, c) == sig and (not named or not c.name or c.name == fk.name)
            ),
            None,
        )
        if found is None:
            to_add.append(fk)
        else:
            unmatched.remove(found)
    kept_columns = {tuple(fk.column_keys) for fk in model}
    implicit_indexes = autogen.impl_class.implicit_foreign_key_indexes
    for fk in unmatched:
        changes.add(Phase.DROP_FOREIGN_KEYS, drop_op(fk, conn_table), ("remove_fk", fk), key)
        if implicit_indexes and tuple(fk.column_keys) not in kept_columns:
            _drop_implicit_index(autogen, changes, conn_table, fk, metadata_table)
    for fk in to_add:
        name = fk.name if isinstance(fk.name, str) else None
        name = name or predicted_name(autogen, metadata_table, fk, taken)
        if name:
            taken.add(name)
        if implicit_indexes and not _has_index_for(conn_table, metadata_table, fk):
            # the index InnoDB would make, made explicitly so the downgrade drops it again
            index = ops.CreateIndexOp(
                name or fk.column_keys[0],
                metadata_table.name,
                list(fk.column_keys),
                schema=metadata_table.schema,
            )
            changes.add(Phase.ADD_FOREIGN_KEYS, index, None, key)
        changes.add(Phase.ADD_FOREIGN_KEYS, add_op(fk, metadata_table, name), ("add_fk", fk), key)


def _drop_implicit_index(
    autogen: AutogenContext,
    changes: Changes,
    conn_table: Table,
    fk: ForeignKeyConstraint,
    metadata_table: Table,
) -> None:
    from still.autogenerate.indexes import index_op

    model_names = {ix.name for ix in metadata_table.indexes}
    for index in conn_table.indexes:
        info = index.info.get(REFLECTED, {})
        if index.name in model_names or list(info.get("column_names", [])) != list(fk.column_keys):
            continue
        if implicit_foreign_key_index(conn_table, info):
            create = index_op(index, conn_table)
            drop = ops.DropIndexOp(
                index.name, conn_table.name, schema=conn_table.schema, _reverse=create, **create.kw
            )
            changes.add(Phase.DROP_FOREIGN_KEYS, drop, None, (conn_table.schema, conn_table.name))


def _has_index_for(conn_table: Table, metadata_table: Table, fk: ForeignKeyConstraint) -> bool:
    """An index (or the primary key) whose leading columns are the foreign key's."""
    columns = list(fk.column_keys)
    leading = [list(conn_table.primary_key.columns.keys())]
    leading += [[c.name for c in ix.columns] for ix in conn_table.indexes]
    leading += [[c.name for c in ix.columns] for ix in metadata_table.indexes]
    leading += [
        [c.name for c in u.columns]
        for u in metadata_table.constraints
        if isinstance(u, UniqueConstraint)
    ]
    return any(names[: len(columns)] == columns for names in leading)
