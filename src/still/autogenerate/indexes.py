"""Indexes and unique constraints, as each database keeps them.

What the databases do by themselves, and how it is accounted for:

- PostgreSQL backs a unique constraint with a unique index of the same name; reflection lists it
  among the indexes too (``duplicates_constraint``): it counts once, as the constraint.
- MySQL/MariaDB have no unique constraint apart from a unique index: a model's
  ``UniqueConstraint`` and a unique ``Index`` match the same database object.
- InnoDB creates an index for a foreign key that has none (named after the constraint, or after
  its first column when the constraint's name is generated); such an index is the database's, not
  the model's, and is never proposed for dropping unless the model names it.
- SQLite's automatic indexes (``sqlite_autoindex_*``) are not reflected.

Each side becomes a list of :class:`Entry` (name, kind, signature); named entries match by name,
unnamed ones by signature.  A match whose signature differs is dropped and created again.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Index, Table, UniqueConstraint, text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ClauseElement, TextClause

from still.autogenerate.changes import Changes, Phase
from still.autogenerate.columns import name_parents
from still.autogenerate.context import AutogenContext, name_of, overriding_impl
from still.autogenerate.reflect import REFLECTED
from still.operations import ops

log = logging.getLogger("alembic.autogenerate.compare.constraints")


@dataclass
class Entry:
    name: str | None
    kind: str  # "index" or "unique"
    unique: bool
    elements: tuple[str, ...]  # column names, or "expr:..." for expressions
    where: str | None
    obj: Any
    either: bool = False  # MySQL: the same object is both a unique index and a constraint


def _norm_expr(text: str) -> str:
    text = text.lower()
    text = re.sub(r"::\s*[a-z_ ]+", "", text)  # PostgreSQL's casts
    return re.sub(r"[\s()\"`\[\]]", "", text)


def _element(element: Any, dialect: Dialect) -> str:
    if isinstance(element, Column):
        return element.name
    if isinstance(element, str):
        return element
    try:
        text = str(
            element.compile(
                dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
            )
        )
    except Exception:
        text = str(element)
    return "expr:" + _norm_expr(text)


def _where_of_model(index: Index, dialect: Dialect) -> str | None:
    """A partial index's condition (``postgresql_where`` / ``sqlite_where``), normalised."""
    value = index.dialect_kwargs.get(f"{dialect.name}_where")
    if value is None:
        return None
    return (
        _element(value, dialect).removeprefix("expr:")
        if not isinstance(value, str)
        else (_norm_expr(value))
    )


def model_entries(table: Table, dialect: Dialect) -> list[Entry]:
    entries = [
        Entry(
            ix.name,
            "index",
            bool(ix.unique),
            tuple(_element(e, dialect) for e in ix.expressions),
            _where_of_model(ix, dialect),
            ix,
        )
        for ix in table.indexes
    ]
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            entries.append(
                Entry(
                    constraint.name if isinstance(constraint.name, str) else None,
                    "unique",
                    True,
                    tuple(c.name for c in constraint.columns),
                    None,
                    constraint,
                )
            )
    return entries


def implicit_foreign_key_index(table: Table, info: dict[str, Any]) -> bool:
    """An index InnoDB made for a foreign key of ``table`` (a reflected table)."""
    if info.get("unique"):
        return False
    columns = list(info["column_names"])
    for fk in table.foreign_key_constraints:
        fk_columns = list(fk.column_keys)
        if columns != fk_columns:
            continue
        # named after the constraint, or (a generated constraint name) after its first column
        names = {fk_columns[0], name_of(fk) or fk_columns[0]}
        if any(re.fullmatch(rf"{re.escape(n)}(_\d+)?", info["name"]) for n in names):
            return True
    return False


def database_entries(autogen: AutogenContext, table: Table, model_names: set[str]) -> list[Entry]:
    dialect = autogen.dialect
    database = autogen.impl_class
    parents = name_parents(table.schema, table.name)
    entries: list[Entry] = []
    uniques = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    for constraint in uniques:
        if not autogen.include_name(name_of(constraint), "unique_constraint", parents):
            continue
        entries.append(
            Entry(
                constraint.name if isinstance(constraint.name, str) else None,
                "unique",
                True,
                tuple(c.name for c in constraint.columns),
                None,
                constraint,
                either=database.unique_constraints_are_indexes,
            )
        )
    unique_names = {e.name for e in entries if e.name}
    # the hook hears of every index the database reports, as under Alembic: also those that only
    # back a unique constraint (PostgreSQL, MariaDB) or a foreign key (InnoDB)
    for index in [i for i in table.indexes if autogen.include_name(i.name, "index", parents)]:
        info = index.info.get(REFLECTED, {})
        if info.get("duplicates_constraint") or index.name in unique_names:
            continue
        if (
            database.implicit_foreign_key_indexes
            and index.name not in model_names
            and implicit_foreign_key_index(table, info)
        ):
            continue
        where = (info.get("dialect_options") or {}).get(f"{dialect.name}_where")
        elements = tuple(_element(e, dialect) for e in index.expressions)
        entries.append(
            Entry(
                index.name,
                "index",
                bool(index.unique),
                elements,
                _norm_expr(str(where)) if where is not None else None,
                index,
                either=database.unique_constraints_are_indexes and bool(index.unique),
            )
        )
    return entries


def _same_shape(model: Entry, conn: Entry) -> bool:
    kinds_match = model.kind == conn.kind or (conn.either and model.unique)
    return (
        kinds_match
        and model.unique == conn.unique
        and model.elements == conn.elements
        and (model.where or None) == (conn.where or None)
    )


def _as_text(element: Any, dialect: Dialect | None) -> Any:
    """A model's expression as SQL text, values inlined and columns unqualified, so the operation
    runs and renders the same (``lower(email)``, ``status IN ('a', 'b')``)."""
    if not isinstance(element, ClauseElement) or isinstance(element, (Column, TextClause)):
        return element
    compiled = element.compile(
        dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
    )
    return text(str(compiled))


def index_op(index: Index, table: Table, dialect: Dialect | None = None) -> ops.CreateIndexOp:
    """The operation that creates ``index``; its columns are the table's Column objects (as
    Alembic's ``CreateIndexOp.from_index`` gives them: rewriters read their types, e.g.
    geoalchemy2's for a geometry column), expressions SQL text."""
    columns = [e if isinstance(e, Column) else _as_text(e, dialect) for e in index.expressions]
    kw = {
        k: _as_text(v, dialect)
        for k, v in index.dialect_kwargs.items()
        if v is not None and v != []
    }
    return ops.CreateIndexOp(
        index.name,
        table.name,
        columns,
        schema=table.schema,
        unique=bool(index.unique),
        **kw,
    )


def predicted_unique_name(
    dialect: Dialect, table: Table, columns: list[str], taken: set[str]
) -> str | None:
    """The name the database gives an unnamed unique constraint, so the downgrade can drop it
    (its implementation's ``predicted_unique_name``)."""
    from still.ddl import impl_for

    return impl_for(dialect.name).predicted_unique_name(table, columns, taken)


def add_ops(
    autogen: AutogenContext, entry: Entry, table: Table, taken: set[str]
) -> tuple[ops.MigrateOperation, tuple[Any, ...]]:
    if entry.kind == "index":
        return index_op(entry.obj, table, autogen.dialect), ("add_index", entry.obj)
    columns = list(entry.elements)
    name = entry.name or predicted_unique_name(autogen.dialect, table, columns, taken)
    if name:
        taken.add(name)
    op = ops.AddConstraintOp("unique", name, table.name, {"columns": columns}, table.schema)
    return op, ("add_constraint", entry.obj)


def drop_ops(entry: Entry, table: Table) -> tuple[ops.MigrateOperation, tuple[Any, ...]]:
    if entry.kind == "index":
        create = index_op(entry.obj, table)
        drop = ops.DropIndexOp(
            entry.name, table.name, schema=table.schema, _reverse=create, **create.kw
        )
        return drop, ("remove_index", entry.obj)
    add = ops.AddConstraintOp(
        "unique", entry.name, table.name, {"columns": list(entry.elements)}, table.schema
    )
    return ops.DropConstraintOp(
        entry.name, table.name, "unique", schema=table.schema, _reverse=add
    ), (
        "remove_constraint",
        entry.obj,
    )


def _same_to_the_database(
    autogen: AutogenContext, conn_table: Table, model: Entry, conn: Entry
) -> bool:
    """PostgreSQL: an expression or partial index the text comparison finds changed, asked of
    the database itself (:mod:`.canonical_index`)."""
    if (
        not autogen.impl_class.compares_indexes_in_database
        or model.kind != "index"
        or conn.kind != "index"
    ):
        return False
    if model.where is None and not any(e.startswith("expr:") for e in model.elements):
        return False
    from still.autogenerate.canonical_index import same_index

    op = index_op(model.obj, conn_table, autogen.dialect)
    return same_index(autogen, conn_table, str(conn.name), op)


def _corrected(impl: Any, model: list[Entry], conn: list[Entry]) -> tuple[list[Entry], list[Entry]]:
    """The entries left after the implementation's ``correct_for_autogen_constraints`` took out
    what the comparison must not see."""
    conn_uniques = {e.obj for e in conn if e.kind == "unique"}
    conn_indexes = {e.obj for e in conn if e.kind == "index"}
    model_uniques = {e.obj for e in model if e.kind == "unique"}
    model_indexes = {e.obj for e in model if e.kind == "index"}
    impl.correct_for_autogen_constraints(conn_uniques, conn_indexes, model_uniques, model_indexes)
    kept_conn = conn_uniques | conn_indexes
    kept_model = model_uniques | model_indexes
    return [e for e in model if e.obj in kept_model], [e for e in conn if e.obj in kept_conn]


def _asked_impl(autogen: AutogenContext, model: Entry, conn: Entry) -> bool | None:
    """An overriding ``compare_indexes`` / ``compare_unique_constraint``'s answer for a pair of
    the same name: True when they differ; None when no override answers."""
    if model.kind != conn.kind or not model.name:
        return None
    method = "compare_indexes" if model.kind == "index" else "compare_unique_constraint"
    impl = overriding_impl(autogen, method)
    if impl is None:
        return None
    result = getattr(impl, method)(model.obj, conn.obj)
    if getattr(result, "is_skip", False):
        log.info(
            "Cannot compare %s %r, assuming equal and skipping. %s",
            "index" if model.kind == "index" else "unique constraint",
            conn.name,
            result.message,
        )
    return bool(getattr(result, "is_different", False))


def compare_indexes(
    autogen: AutogenContext, changes: Changes, conn_table: Table, metadata_table: Table
) -> None:
    dialect = autogen.dialect
    key = (metadata_table.schema, metadata_table.name)
    model = [
        e
        for e in model_entries(metadata_table, dialect)
        if autogen.include_object(
            e.obj, e.name, "index" if e.kind == "index" else "unique_constraint", False, None
        )
    ]
    model_names = {e.name for e in model if e.name}
    conn = [
        e
        for e in database_entries(autogen, conn_table, model_names)
        if autogen.include_object(
            e.obj, e.name, "index" if e.kind == "index" else "unique_constraint", True, None
        )
    ]
    corrector = overriding_impl(autogen, "correct_for_autogen_constraints")
    if corrector is not None:
        model, conn = _corrected(corrector, model, conn)
    taken = {e.name for e in conn if e.name}
    matched: set[int] = set()
    to_add: list[Entry] = []
    to_drop: list[Entry] = []
    for entry in model:
        if entry.name:
            found = next((c for c in conn if c.name == entry.name), None)
        else:
            found = next((c for c in conn if id(c) not in matched and _same_shape(entry, c)), None)
        if found is None:
            to_add.append(entry)
            continue
        matched.add(id(found))
        asked = _asked_impl(autogen, entry, found)
        if asked is not None:
            if asked:
                to_drop.append(found)
                to_add.append(entry)
            continue
        if not _same_shape(entry, found) and not _same_to_the_database(
            autogen, conn_table, entry, found
        ):
            to_drop.append(found)
            to_add.append(entry)
    to_drop[:0] = [c for c in conn if id(c) not in matched]
    for entry in to_drop:
        op, diff = drop_ops(entry, conn_table)
        changes.add(Phase.DROP_INDEXES, op, diff, key)
    for entry in to_add:
        op, diff = add_ops(autogen, entry, metadata_table, taken)
        changes.add(Phase.ADD_INDEXES, op, diff, key)


def new_table_indexes(autogen: AutogenContext, changes: Changes, table: Table) -> None:
    key = (table.schema, table.name)
    for index in sorted(table.indexes, key=lambda ix: str(ix.name or "")):
        if autogen.include_object(index, index.name, "index", False, None):
            op = index_op(index, table, autogen.dialect)
            changes.add(Phase.CREATE_TABLES, op, ("add_index", index), key)


def dropped_table_indexes(autogen: AutogenContext, changes: Changes, table: Table) -> None:
    key = (table.schema, table.name)
    for entry in database_entries(autogen, table, set()):
        if entry.kind == "index" and autogen.include_object(
            entry.obj, entry.name, "index", True, None
        ):
            op, diff = drop_ops(entry, table)
            changes.add(Phase.DROP_TABLES, op, diff, key)
